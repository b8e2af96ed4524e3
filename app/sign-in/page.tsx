import { getEnv, type Env } from "@/lib/env";
import { ClerkSignIn } from "@/app/sign-in/clerk-sign-in";
import { DevSignIn } from "@/app/sign-in/dev-sign-in";

export const dynamic = "force-dynamic";

/** Which sign-in this server shows: Clerk's when configured; the development form only with the development identity. */
export function signInMode(env: Env): "clerk" | "development" | "none" {
  return env.clerk ? "clerk" : env.devIdentity ? "development" : "none";
}

export default function SignInPage() {
  const mode = signInMode(getEnv());
  return (
    <main className="shell" style={{ maxWidth: 520 }}>
      <h1>Sign in to Postora</h1>
      {mode === "clerk" ? <ClerkSignIn /> : mode === "development" ? <DevSignIn /> : <p className="error">Sign-in is not configured on this server.</p>}
    </main>
  );
}
