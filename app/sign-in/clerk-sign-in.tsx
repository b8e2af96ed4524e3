"use client";
import { SignIn } from "@clerk/nextjs";
import { useSearchParams } from "next/navigation";

export function ClerkSignIn() {
  const next = safeNext(useSearchParams().get("next"));
  return <SignIn routing="hash" forceRedirectUrl={next} signUpForceRedirectUrl={next} />;
}

/** Only paths on this site: a `next` of another origin would make sign-in an open redirect. */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}
