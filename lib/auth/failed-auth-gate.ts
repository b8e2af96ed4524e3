/**
 * The gate in front of every credential lookup: per client address, at
 * most AUTH_FAILURES_PER_MINUTE (default 30) failed authentications a
 * minute. Past it, the address's credentials are refused with 429 before
 * they cost anything (a Clerk Backend API call, a database read), until
 * its minute is over. Someone trying made-up keys from one address gets 30
 * tries a minute, not one Clerk call per request.
 *
 * Only failures count, so a customer's valid requests never fill it; and a
 * credential found valid within the last hour (lib/auth/verdict-cache.ts
 * knownGood) passes even a closed gate, so a customer behind the same
 * address as a guesser keeps working. Counted in this process's memory:
 * each server instance keeps its own gate (the point is to spare the
 * lookups this instance would make), bounded in size, oldest dropped first.
 */
const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 100_000;

type GateRefusal = { limit: number; retryAfterSeconds: number };

export type FailedAuthGate = {
  /** null when this address may have its credential looked up; otherwise how long to wait. */
  check(address: string | null): GateRefusal | null;
  /** A credential from this address was refused. */
  failed(address: string | null): void;
};

export function createFailedAuthGate(options: { perMinute: number; now?: () => number }): FailedAuthGate {
  const { perMinute } = options;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; failures: number }>();
  // Callers without a known address share one window: better one crowded gate than none.
  const keyOf = (address: string | null) => address ?? "unknown";

  const current = (address: string | null) => {
    const window = windows.get(keyOf(address));
    return window && now() - window.start < WINDOW_MS ? window : null;
  };

  return {
    check(address) {
      if (perMinute === 0) return null;
      const window = current(address);
      if (!window || window.failures < perMinute) return null;
      return { limit: perMinute, retryAfterSeconds: Math.max(1, Math.ceil((window.start + WINDOW_MS - now()) / 1000)) };
    },
    failed(address) {
      if (perMinute === 0) return;
      const window = current(address);
      if (window) {
        window.failures += 1;
        return;
      }
      const key = keyOf(address);
      windows.delete(key);
      windows.set(key, { start: now(), failures: 1 });
      if (windows.size > MAX_ADDRESSES) windows.delete(windows.keys().next().value!);
    },
  };
}
