/**
 * GET /api/bench/limit: the benchmark's "bare route handler" limit
 * (lib/bench/limit.ts), in the same build as the API. Off (404) unless
 * POSTORA_BENCH_ROUTE=1, which only bench/http.ts sets.
 */
import { verifyAndList } from "@/lib/bench/limit";
import { createTokenVerifier, verifierConfigFor, type TokenVerifier } from "@/lib/auth/verify";
import { servicePool } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

let verifier: Promise<TokenVerifier> | undefined;

export async function GET(request: Request): Promise<Response> {
  const env = getEnv();
  if (!env.benchRoute) return new Response(null, { status: 404 });
  verifier ??= verifierConfigFor(env).then(createTokenVerifier);
  return verifyAndList(request.headers.get("authorization"), await verifier, servicePool());
}
