/**
 * Requests per minute, per caller, counted in Postgres so the limit holds
 * across every server instance (supabase/migrations/*_rate_limit_counters.sql).
 *
 * One statement per request (one round trip): an upsert that bumps the subject's counter for
 * the current one-minute window (resetting it when a new minute has begun)
 * and returns the count, the seconds left in the window and, for a user,
 * their tier, so the limit that applies is known without a second query.
 * A signed-in caller is counted per users.id (free or paid tier); anyone
 * else per client IP. Limits come from lib/env.ts; 0 turns one off, and then
 * no statement is sent at all.
 */
import { servicePool } from "@/lib/db/client";
import { textLiteral } from "@/lib/db/literal";
import { unavailableError } from "@/lib/faults";
import type { Env } from "@/lib/env";

export type RateLimitSubject = { userId: string } | { ip: string | null };

export type RateLimitDecision =
  | { allowed: true; limit: number | null; remaining: number | null }
  | { allowed: false; limit: number; retryAfterSeconds: number };

export type RateLimits = Env["rateLimit"];

const PAID_TIERS = new Set(["pro", "business"]);

/** The limit a tier (null: anonymous) gets; 0 means none. */
function limitFor(limits: RateLimits, tier: string | null): number {
  if (tier === null) return limits.anonymousPerMinute;
  return PAID_TIERS.has(tier) ? limits.paidPerMinute : limits.freePerMinute;
}

/** What the counting statement returns. */
type CounterRow = { hits: number; secondsLeft: number; tier: string | null };

/** Sends a simple-protocol statement and returns its first row: the pool by default (the service role). */
export type SendStatement = (statement: string) => Promise<unknown>;

const sendOnPool: SendStatement = async (statement) => ((await servicePool().unsafe(statement)) as unknown as CounterRow[])[0];

/**
 * Counts this request against the subject's minute and says whether it may
 * run. The statement is simple text (lib/db/literal.ts: one round trip, not
 * two), so `send` may put it in front of other statements in one message:
 * graphql/plugins/rate-limit.ts sends it with the statement that opens a
 * query's transaction. It must run as the service role, outside any
 * transaction that outlives it, so the counter's row lock is held only for
 * the statement itself.
 */
export async function hitRateLimit(subject: RateLimitSubject, limits: RateLimits, send: SendStatement = sendOnPool): Promise<RateLimitDecision> {
  const isUser = "userId" in subject;
  if (!isUser && limits.anonymousPerMinute === 0) return { allowed: true, limit: null, remaining: null };
  if (isUser && limits.freePerMinute === 0 && limits.paidPerMinute === 0) return { allowed: true, limit: null, remaining: null };
  // Callers without a known address share one counter: better one crowded bucket than none.
  const key = isUser ? `user:${subject.userId}` : `ip:${subject.ip ?? "unknown"}`;
  const row = (await send(
    `insert into private.rate_limit_counters as c (subject, window_start, hits)
    values (${textLiteral(key)}, date_trunc('minute', now()), 1)
    on conflict (subject) do update set
      hits = case when c.window_start = excluded.window_start then c.hits + 1 else 1 end,
      window_start = excluded.window_start
    returning hits,
      extract(epoch from (window_start + interval '1 minute' - clock_timestamp()))::float8 as seconds_left,
      ${isUser ? `(select tier from public.users where id = ${textLiteral(subject.userId)}::uuid)` : "null::text"} as tier`,
  ).catch((error: unknown) => {
    // The database is down or overloaded: the caller hears SERVICE_UNAVAILABLE, not an unexpected error.
    throw unavailableError(error) ?? error;
  })) as CounterRow;
  const limit = isUser ? limitFor(limits, row.tier ?? "free") : limits.anonymousPerMinute;
  if (limit === 0) return { allowed: true, limit: null, remaining: null };
  if (row.hits <= limit) return { allowed: true, limit, remaining: limit - row.hits };
  return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil(row.secondsLeft)) };
}
