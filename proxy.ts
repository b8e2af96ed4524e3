/**
 * Next.js 16 proxy (formerly middleware): runs Clerk's clerkMiddleware so
 * route handlers can read our own frontend's session with auth(). It guards
 * nothing itself: the GraphQL context decides what needs a signed-in
 * caller, and the Clerk webhook, which Clerk calls without a session,
 * is outside the matcher altogether.
 *
 * It runs Clerk only where a Clerk session can matter: pages, and API
 * requests that carry a session cookie and no Bearer token (a Bearer token
 * is verified by lib/auth itself, strictly; without a cookie there is no
 * session to read). Everything else, which is every third-party client,
 * skips it, and the matcher below says so, so Next.js does not even invoke
 * the proxy for those: Clerk's middleware costs about 1.3 ms of CPU per
 * request, and invoking a proxy that does nothing about 0.8 ms more
 * (BENCHMARKS.md). app/clerk-session.ts applies the same rule before it
 * calls auth().
 *
 * In the development identity (no Clerk keys) it lets requests through
 * untouched: clerkMiddleware would otherwise fall into Clerk's "keyless"
 * mode and fetch temporary keys over the network.
 */
import { clerkMiddleware } from "@clerk/nextjs/server";
import { NextResponse, type NextFetchEvent, type NextMiddleware, type NextRequest } from "next/server";
import { needsClerkSession } from "@/app/clerk-session";
import { getEnv } from "@/lib/env";

let withClerk: NextMiddleware | undefined;

/**
 * Clerk hands its verdict to the route as request headers and, to do so,
 * "rewrites" the request to its own URL. That URL is built from the Host
 * Clerk sees (often `localhost`), so when the server is bound elsewhere
 * (`next start -H 127.0.0.1`) Next.js takes it for an external URL and
 * proxies the request to it, which never answers. A rewrite to the same
 * path is no rewrite: continue with the headers instead.
 */
function withoutSelfRewrite(request: NextRequest, response: Response): Response {
  const rewrite = response.headers.get("x-middleware-rewrite");
  if (!rewrite) return response;
  const target = new URL(rewrite, request.url);
  if (target.pathname !== request.nextUrl.pathname || target.search !== request.nextUrl.search) return response;
  response.headers.delete("x-middleware-rewrite");
  response.headers.set("x-middleware-next", "1");
  return response;
}

export default async function proxy(request: NextRequest, event: NextFetchEvent) {
  const { clerk } = getEnv();
  if (!clerk || !needsClerkSession(request)) return NextResponse.next();
  // Clerk reads CLERK_SECRET_KEY itself: passing it here would make it demand CLERK_ENCRYPTION_KEY.
  withClerk ??= clerkMiddleware({
    publishableKey: clerk.publishableKey,
    authorizedParties: clerk.authorizedParties,
    ...(clerk.jwtKey ? { jwtKey: clerk.jwtKey } : {}),
  });
  const response = await withClerk(request, event);
  return response ? withoutSelfRewrite(request, response) : response;
}

export const config = {
  matcher: [
    // Pages: everything but the API, Next.js internals and static files.
    "/((?!_next/|api/|[^?]*\\.(?:html?|css|js(?!on)|jpe?g|webp|png|gif|svg|ttf|woff2?|ico|csv|docx?|xlsx?|zip|webmanifest)).*)",
    // The API, only where needsClerkSession holds: a session cookie and no Bearer token. Decided by the
    // router before the proxy is invoked at all, so other API requests (every third-party client) do not
    // pay for running it (BENCHMARKS.md). Never the webhooks (svix signs those; there is no session), the
    // storage routes (signed URLs are their own authority) or the benchmark's limit route. Next.js anchors
    // a header value regex at both ends and treats an empty header as missing, as needsClerkSession does.
    {
      source: "/api/((?!webhooks/|storage/|bench/).*)",
      has: [{ type: "header", key: "cookie", value: "(?:.*;\\s*)?__session(?:_[A-Za-z0-9_-]+)?=[^;].*" }],
      missing: [{ type: "header", key: "authorization" }],
    },
  ],
};
