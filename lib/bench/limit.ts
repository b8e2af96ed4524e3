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
import { requestContextStatement, rlsContextFor, type DbIdentity, type Sql } from "@/lib/db/client";

export async function verifyAndList(authorization: string | null, verify: TokenVerifier, db: Sql): Promise<Response> {
  let session;
  try {
    session = await verify(bearerToken(authorization ?? ""));
  } catch {
    return Response.json({ error: "unauthenticated" }, { status: 401 });
  }
  const identity = { clerkUserId: session.clerkUserId, email: session.email, sessionId: session.sessionId };
  const results = (await db.unsafe(limitStatement(identity))) as unknown as unknown[][];
  return Response.json({ generations: results[1] });
}

/** The limits' one statement for a caller: the RLS context, then their 20 latest generations. */
export function limitStatement(identity: DbIdentity): string {
  // One simple-protocol message without BEGIN runs as one implicit transaction, so the
  // transaction-local role and claims hold for the query and vanish after it.
  return `${requestContextStatement(rlsContextFor(identity))}; select id, status, output_format, created_at from generations where deleted_at is null order by created_at desc limit 20`;
}
