/**
 * Next.js 16 proxy (formerly middleware): runs Clerk's clerkMiddleware so
 * route handlers can read our own frontend's session with auth(). It guards
 * nothing itself: the GraphQL context decides what needs a signed-in
 * caller, and the Clerk webhook, which Clerk calls without a session,
 * is outside the matcher altogether.
 *
 * In the development identity (no Clerk keys) it lets requests through
 * untouched: clerkMiddleware would otherwise fall into Clerk's "keyless"
 * mode and fetch temporary keys over the network.
 */
import { clerkMiddleware } from "@clerk/nextjs/server";
import { NextResponse, type NextFetchEvent, type NextMiddleware, type NextRequest } from "next/server";
import { getEnv } from "@/lib/env";

let withClerk: NextMiddleware | undefined;

export default function proxy(request: NextRequest, event: NextFetchEvent) {
  const { clerk } = getEnv();
  if (!clerk) return NextResponse.next();
  // Clerk reads CLERK_SECRET_KEY itself: passing it here would make it demand CLERK_ENCRYPTION_KEY.
  withClerk ??= clerkMiddleware({
    publishableKey: clerk.publishableKey,
    authorizedParties: clerk.authorizedParties,
    ...(clerk.jwtKey ? { jwtKey: clerk.jwtKey } : {}),
  });
  return withClerk(request, event);
}

export const config = {
  matcher: [
    // Everything but Next.js internals, static files and the webhooks (svix signs those; there is no session).
    "/((?!_next/|api/webhooks/|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)",
  ],
};
