/**
 * POST /api/dev-identity/token: the development sign-in. Mints a development
 * Bearer token for the user id and email the dashboard's sign-in form sends,
 * exactly as `npm run token` does. It exists only while the development
 * identity is on (no Clerk keys, NODE_ENV other than production); otherwise it
 * answers 404, as if it did not exist.
 *
 * It also leaves the token in a cookie scoped to /api/graphql, which only
 * GraphiQL's page reads (graphql/graphiql.ts) to start with the signed-in
 * development user in its headers; the API itself never authenticates by it.
 */
import { z } from "zod";
import { DEV_TOKEN_COOKIE } from "@/graphql/graphiql";
import { mintDevToken } from "@/lib/auth/dev-identity";
import { getEnv } from "@/lib/env";
import { BODY_LIMITS, readCappedBody } from "@/lib/http/body";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const signIn = z.object({
  clerkUserId: z
    .string()
    .trim()
    .regex(/^user_[A-Za-z0-9]{1,64}$/, "must look like a Clerk user id: user_ followed by letters and digits"),
  email: z.email("must be an email address").max(320),
});

export async function POST(request: Request): Promise<Response> {
  const env = getEnv();
  if (!env.devIdentity) return Response.json({ error: "Not found." }, { status: 404 });
  // JSON only: a cross-site form (a "simple" request) cannot sign a browser in as someone else.
  if (!/^application\/json\s*(;|$)/i.test(request.headers.get("content-type") ?? "")) {
    return Response.json({ error: "Send the sign-in as Content-Type: application/json." }, { status: 415 });
  }
  const text = await readCappedBody(request, BODY_LIMITS.devSignIn);
  if (text instanceof Response) return text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return Response.json({ error: "Send JSON: {\"clerkUserId\": \"user_…\", \"email\": \"…\"}." }, { status: 400 });
  }
  const parsed = signIn.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message }));
    return Response.json({ error: fields.map((f) => `${f.field} ${f.message}`).join("; "), fields }, { status: 400 });
  }
  const expiresInSeconds = 12 * 60 * 60;
  const token = await mintDevToken(env, { clerkUserId: parsed.data.clerkUserId, email: parsed.data.email, expiresInSeconds });
  const response = Response.json({ token, expiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString() });
  response.headers.append("set-cookie", `${DEV_TOKEN_COOKIE}=${token}; Path=/api/graphql; HttpOnly; SameSite=Strict; Max-Age=${expiresInSeconds}`);
  return response;
}

/** Sign-out: forget GraphiQL's copy of the token. */
export function DELETE(): Response {
  if (!getEnv().devIdentity) return Response.json({ error: "Not found." }, { status: 404 });
  const response = new Response(null, { status: 204 });
  response.headers.append("set-cookie", `${DEV_TOKEN_COOKIE}=; Path=/api/graphql; HttpOnly; SameSite=Strict; Max-Age=0`);
  return response;
}
