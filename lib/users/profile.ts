/**
 * What Postora keeps of a Clerk user, and the two places it comes from:
 * a webhook's user object (verified, but still parsed: it is outside input)
 * and Clerk's Backend API, asked on a user's first request (before any
 * webhook has told us about them). Both carry what links an existing
 * account to a Clerk user (lib/users/sync.ts): the external_id and whether
 * the primary email is verified. A session token carries neither.
 */
import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import { z } from "zod";
import type { Env } from "@/lib/env";

/** A snapshot of a Clerk user, as of `updatedAt`. */
export type ClerkProfile = {
  clerkUserId: string;
  email: string | null;
  /**
   * Whether Clerk has verified `email` (its verification status is "verified").
   * Absent means unknown, which counts as unverified.
   */
  emailVerified?: boolean;
  /**
   * Clerk's external_id: for users imported into Clerk (its user-migration
   * guide), the old system's user id. Absent or null: none.
   */
  externalId?: string | null;
  /** Clerk's public_metadata: readable by the user anyway, unlike private_metadata. */
  metadata: Record<string, unknown>;
  /** Clerk's updated_at for this snapshot: what orders out-of-order deliveries. */
  updatedAt: Date;
  lastSignInAt: Date | null;
};

const epochMs = z.number().int().nonnegative();

const userJson = z.object({
  id: z.string().min(1),
  primary_email_address_id: z.string().nullish(),
  external_id: z.string().nullish(),
  email_addresses: z
    .array(z.object({ id: z.string(), email_address: z.string(), verification: z.object({ status: z.string() }).nullish() }))
    .nullish(),
  public_metadata: z.record(z.string(), z.unknown()).nullish(),
  updated_at: epochMs,
  last_sign_in_at: epochMs.nullish(),
});

type EmailAddressJson = { id: string; email_address: string; verification?: { status: string } | null };

/** The primary address (else the first), and whether Clerk has verified it. */
function primaryEmail(addresses: EmailAddressJson[], primaryId: string | null | undefined): { email: string | null; verified: boolean } {
  const primary = addresses.find((address) => address.id === primaryId) ?? addresses[0];
  const email = primary?.email_address.trim();
  return email ? { email, verified: primary?.verification?.status === "verified" } : { email: null, verified: false };
}

function externalIdOf(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** Parses Clerk's UserJSON (webhook `data` of user.* events, `data.user` of session.*). */
export function profileFromUserJson(data: unknown): ClerkProfile {
  const user = userJson.parse(data);
  const { email, verified } = primaryEmail(user.email_addresses ?? [], user.primary_email_address_id);
  return {
    clerkUserId: user.id,
    email,
    emailVerified: verified,
    externalId: externalIdOf(user.external_id),
    metadata: user.public_metadata ?? {},
    updatedAt: new Date(user.updated_at),
    lastSignInAt: user.last_sign_in_at == null ? null : new Date(user.last_sign_in_at),
  };
}

/** Looks users up in Clerk; null in the development identity, which has no Clerk to ask. */
export type ClerkDirectory = {
  getProfile(clerkUserId: string): Promise<ClerkProfile | null>;
};

/** `apiUrl`: Clerk's Backend API, when not Clerk's own (tests point it at a local stand-in). */
export function clerkDirectoryFor(env: Env, apiUrl?: string): ClerkDirectory | null {
  const clerk = env.clerk;
  if (!clerk) return null;
  // Made on first use: most requests carry the email claim and never need it.
  let client: ReturnType<typeof createClerkClient> | undefined;
  return {
    async getProfile(clerkUserId) {
      client ??= createClerkClient({ secretKey: clerk.secretKey, publishableKey: clerk.publishableKey, apiUrl });
      try {
        const user = await client.users.getUser(clerkUserId);
        const address = user.primaryEmailAddress ?? user.emailAddresses[0] ?? null;
        return {
          clerkUserId: user.id,
          email: address?.emailAddress.trim() || null,
          emailVerified: address?.verification?.status === "verified",
          externalId: externalIdOf(user.externalId),
          metadata: (user.publicMetadata ?? {}) as Record<string, unknown>,
          updatedAt: new Date(user.updatedAt),
          lastSignInAt: user.lastSignInAt == null ? null : new Date(user.lastSignInAt),
        };
      } catch (error) {
        if (isClerkAPIResponseError(error) && error.status === 404) return null;
        throw error;
      }
    },
  };
}
