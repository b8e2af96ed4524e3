/**
 * The users rows seen lately, by Clerk id: every authenticated request needs
 * the caller's users.id, and remembering it saves a round trip per request.
 * Short-lived, because a user deleted through another instance should stop
 * resolving soon.
 */
const KNOWN_TTL_MS = 60_000;
const KNOWN_MAX = 10_000;
const known = new Map<string, { id: string; email: string; until: number }>();

/** Remembers a caller's users row for a while. */
export function remember(clerkUserId: string, user: { id: string; email: string }): void {
  if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value!);
  known.set(clerkUserId, { ...user, until: Date.now() + KNOWN_TTL_MS });
}

/** Drops a remembered user (on deletion, and for tests that change rows behind the cache's back). */
export function forgetUser(clerkUserId?: string): void {
  if (clerkUserId === undefined) known.clear();
  else known.delete(clerkUserId);
}

/** A remembered user, while it is fresh. */
export function recall(clerkUserId: string): { id: string; email: string } | null {
  const cached = known.get(clerkUserId);
  return cached && cached.until > Date.now() ? { id: cached.id, email: cached.email } : null;
}
