/**
 * The benchmark's limits (bench/http.ts): the least work a list request
 * can do with the same identity and security: verify the caller's JWT and
 * read the caller's latest generations with readOnce (one message: the RLS
 * context and the statement, as one implicit transaction). A bare Next.js route handler
 * (app/api/bench/limit) and a bare node:http server (bench/bare-server.ts)
 * both run this, so the GraphQL API is measured against what its host and
 * Node itself allow.
 */
import { bearerToken, type TokenVerifier } from "@/lib/auth/verify";
import { readOnce, type Sql } from "@/lib/db/client";
import { sqlText } from "@/lib/db/literal";

export async function verifyAndList(authorization: string | null, verify: TokenVerifier, db: Sql): Promise<Response> {
  let session;
  try {
    session = await verify(bearerToken(authorization ?? ""));
  } catch {
    return Response.json({ error: "unauthenticated" }, { status: 401 });
  }
  const identity = { clerkUserId: session.clerkUserId, email: session.email, sessionId: session.sessionId };
  const [generations] = await readOnce(identity, [LIMIT_STATEMENT], db);
  return Response.json({ generations });
}

/** The caller's 20 latest generations (row-level security keeps them to the caller's own). */
export const LIMIT_STATEMENT = sqlText`
  select id, status, output_format, created_at
  from generations
  where deleted_at is null
  order by created_at desc
  limit 20`;
