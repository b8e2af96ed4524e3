/**
 * A short memory of what a machine credential (API key, opaque OAuth access
 * token) was found to be, so the same credential is looked up at most once
 * per window: one Clerk Backend API call (or one database read, locally)
 * per key per window, not per request, and never twice for the same unknown
 * key. Concurrent requests with the same credential share one lookup.
 *
 * The window (MACHINE_TOKEN_CACHE_SECONDS, default 30, at most 60) is how
 * long a key revoked elsewhere (Clerk's dashboard) may keep working on an
 * instance that saw it just before. Revoking through this server's own
 * revokeApiKey forgets the key at once (forgetMachineCredential). Only
 * verdicts on the credential are kept: a failure to verify (Clerk or the
 * database unreachable) is not.
 *
 * Credentials are kept by their SHA-256, never as themselves; entries are
 * bounded, oldest dropped first. Each entry also remembers, for an hour,
 * that the credential was valid: the failed-authentication gate
 * (lib/auth/failed-auth-gate.ts) lets such a credential through, so a
 * customer's working key is not refused because its address is shared with
 * someone guessing keys.
 */
import { createHash } from "node:crypto";
import { AppError } from "@/lib/errors";

const MAX_ENTRIES = 10_000;
const KNOWN_GOOD_MS = 60 * 60 * 1000;

type Entry<T> = { verdict: Promise<T>; expiresAt: number; keyId: string | null };

export type VerdictCache<T> = {
  /** The credential's verdict: remembered, being looked up, or looked up now. */
  verify(token: string): Promise<T>;
  /** Whether the credential was found valid within the last hour (a reason to let it past the gate). */
  knownGood(token: string): boolean;
};

const caches = new Set<{ forget(keyId: string): void }>();

/** Forgets every verdict on a credential by its id (never the secret): revokeApiKey calls this. */
export function forgetMachineCredential(keyId: string): void {
  for (const cache of caches) cache.forget(keyId);
}

const digest = (token: string) => createHash("sha256").update(token).digest("base64url");

export function createVerdictCache<T>(options: {
  lookup: (token: string) => Promise<T>;
  /** Seconds a verdict is kept; 0 keeps none (every request looks its credential up). */
  ttlSeconds: number;
  /** The credential's id in a valid verdict, so a revocation can forget it. */
  keyIdOf: (verdict: T) => string | null;
  now?: () => number;
}): VerdictCache<T> {
  const { lookup, keyIdOf } = options;
  const now = options.now ?? Date.now;
  const ttlMs = Math.min(60, Math.max(0, options.ttlSeconds)) * 1000;
  const entries = new Map<string, Entry<T>>();
  const good = new Map<string, { until: number; keyId: string | null }>();

  const bounded = <V>(map: Map<string, V>) => {
    if (map.size <= MAX_ENTRIES) return;
    // Insertion order: the oldest goes first.
    for (const key of map.keys()) {
      map.delete(key);
      if (map.size <= MAX_ENTRIES) break;
    }
  };

  caches.add({
    forget(keyId) {
      for (const [key, entry] of entries) if (entry.keyId === keyId) entries.delete(key);
      for (const [key, entry] of good) if (entry.keyId === keyId) good.delete(key);
    },
  });

  return {
    verify(token) {
      const key = digest(token);
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now()) return cached.verdict;
      entries.delete(key);
      const entry: Entry<T> = { verdict: lookup(token), expiresAt: now() + ttlMs, keyId: null };
      if (ttlMs > 0) {
        entries.set(key, entry);
        bounded(entries);
      }
      entry.verdict.then(
        (verdict) => {
          entry.keyId = keyIdOf(verdict);
          good.delete(key);
          good.set(key, { until: now() + KNOWN_GOOD_MS, keyId: entry.keyId });
          bounded(good);
        },
        (error: unknown) => {
          // Only a verdict on the credential is kept; "could not verify just now" is retried by the next request.
          if (!(error instanceof AppError) || error.code !== "UNAUTHENTICATED") entries.delete(key);
        },
      );
      return entry.verdict;
    },
    knownGood(token) {
      const entry = good.get(digest(token));
      return entry !== undefined && entry.until > now();
    },
  };
}
