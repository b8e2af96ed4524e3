/**
 * The benchmark's limits (bench/http.ts): the least work a list request
 * can do with the same identity and security, verify the caller's JWT and
 * send ONE statement that opens a transaction, sets the RLS context, reads
 * the caller's latest generations and commits. A bare Next.js route handler
 * (app/api/bench/limit) and a bare node:http server (bench/bare-server.ts)
 * both run this, so the GraphQL API is measured against what its host and
 * Node itself allow.
 */
import { bearerToken, type TokenVerifier } from "@/lib/auth/verify";
import { claimsFor, openTransactionStatement, type Sql } from "@/lib/db/client";

export async function verifyAndList(authorization: string | null, verify: TokenVerifier, db: Sql): Promise<Response> {
  let session;
  try {
    session = await verify(bearerToken(authorization ?? ""));
  } catch {
    return Response.json({ error: "unauthenticated" }, { status: 401 });
  }
  const claims = JSON.stringify(claimsFor({ clerkUserId: session.clerkUserId, email: session.email, sessionId: session.sessionId }));
  // One simple-protocol message without BEGIN runs as one implicit transaction, so the
  // transaction-local role and claims hold for the query and vanish after it.
  const opening = openTransactionStatement({ role: "authenticated", claims }).replace(/^begin; /, "");
  const results = (await db.unsafe(
    `${opening}; select id, status, output_format, created_at from generations where deleted_at is null order by created_at desc limit 20`,
  )) as unknown as unknown[][];
  return Response.json({ generations: results[1] });
}
