/**
 * Requests per minute, per caller, counted in Postgres so the limit holds
 * across every server instance (supabase/migrations/*_rate_limit_counters.sql).
 *
 * One statement per request (one round trip): private.count_request bumps
 * the subject's counter for the current one-minute window (resetting it when
 * a new minute has begun), picks the limit that applies (a user's tier is
 * read in the same call) and raises past it, so the decision needs no second
 * query.
 * A signed-in caller is counted per users.id (free or paid tier); anyone
 * else per client IP. Limits come from lib/env.ts; 0 turns one off, and then
 * no statement is sent at all.
 */
import { servicePool } from "@/lib/db/client";
import { integerLiteral, sqlText, textLiteral, type SqlText } from "@/lib/db/literal";
import { unavailableError } from "@/lib/faults";
import type { Env } from "@/lib/env";

export type RateLimitSubject = { userId: string } | { ip: string | null };

export type RateLimitDecision =
  | { allowed: true; limit: number | null; remaining: number | null }
  | { allowed: false; limit: number; retryAfterSeconds: number };

export type RateLimits = Env["rateLimit"];

/** What the counting statement returns when the request may run. */
type CounterRow = { hits: number; appliedLimit: number };

/**
 * The statement that counts this request against the subject's minute and
 * refuses it past the limit (private.count_request raises SQLSTATE PT429), or
 * null when the limits that could apply are off (0): then nothing is sent.
 * Simple text (lib/db/literal.ts: one round trip, not two). It must run as
 * the service role, outside any transaction that outlives it,
 * so the counter's row lock is held only for the statement itself.
 */
export function rateLimitStatement(subject: RateLimitSubject, limits: RateLimits): SqlText | null {
  const isUser = "userId" in subject;
  if (!isUser && limits.anonymousPerMinute === 0) return null;
  if (isUser && limits.freePerMinute === 0 && limits.paidPerMinute === 0) return null;
  // Callers without a known address share one counter: better one crowded bucket than none.
  const key = isUser ? `user:${subject.userId}` : `ip:${subject.ip ?? "unknown"}`;
  const whole = (n: number) => integerLiteral(Math.max(0, Math.trunc(n)));
  return sqlText`select * from private.count_request(${textLiteral(key)}, ${whole(limits.freePerMinute)}, ${whole(limits.paidPerMinute)}, ${whole(limits.anonymousPerMinute)})`;
}

const allowedWithoutLimit: RateLimitDecision = { allowed: true, limit: null, remaining: null };

/** Whether an error is the counting statement's refusal (private.count_request raises PT429 past the limit). */
function isRateLimitRefusal(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "PT429";
}

/** The decision, from what the counting statement returned or raised. */
async function rateLimitDecision(counted: Promise<unknown>): Promise<RateLimitDecision> {
  let row: CounterRow;
  try {
    row = (await counted) as CounterRow;
  } catch (error) {
    const { detail } = (error ?? {}) as { detail?: unknown };
    if (isRateLimitRefusal(error) && typeof detail === "string") {
      const refusal = JSON.parse(detail) as { limit: number; retryAfterSeconds: number };
      return { allowed: false, limit: refusal.limit, retryAfterSeconds: refusal.retryAfterSeconds };
    }
    // The database is down or overloaded: the caller hears SERVICE_UNAVAILABLE, not an unexpected error.
    throw unavailableError(error) ?? error;
  }
  if (row.appliedLimit === 0) return allowedWithoutLimit;
  return { allowed: true, limit: row.appliedLimit, remaining: Math.max(0, row.appliedLimit - row.hits) };
}

/** Counts this request on its own (one statement on the pool, as the service role) and says whether it may run. */
export async function hitRateLimit(subject: RateLimitSubject, limits: RateLimits): Promise<RateLimitDecision> {
  const statement = rateLimitStatement(subject, limits);
  if (!statement) return allowedWithoutLimit;
  return rateLimitDecision(servicePool().unsafe(String(statement)).then((rows) => rows[0]));
}
