/**
 * Shared helpers for tests of account linking: legacy users with history,
 * Clerk profiles and a directory stand-in, and what a row and its link
 * record look like afterwards.
 */
import { asService } from "@/lib/db/client";
import type { ClerkDirectory, ClerkProfile } from "@/lib/users/profile";
import { seedGeneration, seedLegacyUser, type LegacyUser } from "@/test/support";

/** When the test profiles were last updated in Clerk. */
export const T0 = Date.parse("2026-12-01T07:00:00Z");

export function profile(clerkUserId: string, values: Partial<ClerkProfile>): ClerkProfile {
  return { clerkUserId, email: null, metadata: {}, updatedAt: new Date(T0), lastSignInAt: null, ...values };
}

/** Clerk's directory as the API sees it, with the profiles given; counts calls. */
export function directoryOf(...profiles: ClerkProfile[]): ClerkDirectory & { calls: number } {
  const directory = {
    calls: 0,
    getProfile: async (clerkUserId: string) => {
      directory.calls += 1;
      return profiles.find((candidate) => candidate.clerkUserId === clerkUserId) ?? null;
    },
  };
  return directory;
}

export type Snapshot = { authId: string; email: string; tier: string; generations: number; subscriptions: number };

export async function snapshot(userId: string): Promise<Snapshot | undefined> {
  const [row] = await asService((sql) => sql<Snapshot[]>`
    select u.auth_id, u.email, u.tier,
           (select count(*)::int from generations g where g.user_id = u.id) as generations,
           (select count(*)::int from subscriptions s where s.user_id = u.id) as subscriptions
    from users u where u.id = ${userId}`);
  return row;
}

export async function links(userId: string) {
  return asService((sql) => sql<{ clerkUserId: string; legacyAuthId: string; rule: string; matchedValue: string; linkedAt: Date }[]>`
    select clerk_user_id, legacy_auth_id, rule, matched_value, linked_at from user_account_links where user_id = ${userId}`);
}

/** A legacy user with two generations and a subscription: what linking must keep. */
export async function legacyWithHistory(overrides: Parameters<typeof seedLegacyUser>[0] = {}): Promise<LegacyUser> {
  const legacy = await seedLegacyUser({ tier: "pro", ...overrides });
  await seedGeneration(legacy.id, { status: "completed" });
  await seedGeneration(legacy.id);
  await asService((sql) => sql`
    insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date)
    values (${legacy.id}, ${`sub_${legacy.id.slice(0, 8)}`}, 'pro', 'active', now() - interval '10 days', now() + interval '20 days')`);
  return legacy;
}

