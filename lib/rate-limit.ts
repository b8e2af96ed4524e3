/**
 * Requests per minute, per caller, counted in Postgres so the limit holds
 * across every server instance (supabase/migrations/*_rate_limit_counters.sql).
 *
 * One statement per request: an upsert that bumps the subject's counter for
 * the current one-minute window (resetting it when a new minute has begun)
 * and returns the count, the seconds left in the window and, for a user,
 * their tier, so the limit that applies is known without a second query.
 * A signed-in caller is counted per users.id (free or paid tier); anyone
 * else per client IP. Limits come from lib/env.ts; 0 turns one off, and then
 * no statement is sent at all.
 */
import { servicePool } from "@/lib/db/client";
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

/** Counts this request against the subject's minute and says whether it may run. */
export async function hitRateLimit(subject: RateLimitSubject, limits: RateLimits): Promise<RateLimitDecision> {
  const db = servicePool();
  const isUser = "userId" in subject;
  if (!isUser && limits.anonymousPerMinute === 0) return { allowed: true, limit: null, remaining: null };
  if (isUser && limits.freePerMinute === 0 && limits.paidPerMinute === 0) return { allowed: true, limit: null, remaining: null };
  // Callers without a known address share one counter: better one crowded bucket than none.
  const key = isUser ? `user:${subject.userId}` : `ip:${subject.ip ?? "unknown"}`;
  const [row] = await db<{ hits: number; secondsLeft: number; tier: string | null }[]>`
    insert into private.rate_limit_counters as c (subject, window_start, hits)
    values (${key}, date_trunc('minute', now()), 1)
    on conflict (subject) do update set
      hits = case when c.window_start = excluded.window_start then c.hits + 1 else 1 end,
      window_start = excluded.window_start
    returning hits,
      extract(epoch from (window_start + interval '1 minute' - clock_timestamp()))::float8 as seconds_left,
      ${isUser ? db`(select tier from public.users where id = ${subject.userId})` : db`null::text`} as tier`.catch((error: unknown) => {
    // The database is down or overloaded: the caller hears SERVICE_UNAVAILABLE, not an unexpected error.
    throw unavailableError(error) ?? error;
  });
  const limit = isUser ? limitFor(limits, row!.tier ?? "free") : limits.anonymousPerMinute;
  if (limit === 0) return { allowed: true, limit: null, remaining: null };
  if (row!.hits <= limit) return { allowed: true, limit, remaining: limit - row!.hits };
  return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil(row!.secondsLeft)) };
}
