/**
 * What Postora keeps of a Clerk user, and the two places it comes from:
 * a webhook's user object (verified, but still parsed: it is outside input)
 * and Clerk's Backend API, asked only when neither the session token nor a
 * webhook has told us a user's email yet.
 */
import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import { z } from "zod";
import type { Env } from "@/lib/env";

/** A snapshot of a Clerk user, as of `updatedAt`. */
export type ClerkProfile = {
  clerkUserId: string;
  email: string | null;
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
  email_addresses: z.array(z.object({ id: z.string(), email_address: z.string() })).nullish(),
  public_metadata: z.record(z.string(), z.unknown()).nullish(),
  updated_at: epochMs,
  last_sign_in_at: epochMs.nullish(),
});

function primaryEmail(addresses: { id: string; email_address: string }[], primaryId: string | null | undefined): string | null {
  const primary = addresses.find((address) => address.id === primaryId) ?? addresses[0];
  const email = primary?.email_address.trim();
  return email ? email : null;
}

/** Parses Clerk's UserJSON (webhook `data` of user.* events, `data.user` of session.*). */
export function profileFromUserJson(data: unknown): ClerkProfile {
  const user = userJson.parse(data);
  return {
    clerkUserId: user.id,
    email: primaryEmail(user.email_addresses ?? [], user.primary_email_address_id),
    metadata: user.public_metadata ?? {},
    updatedAt: new Date(user.updated_at),
    lastSignInAt: user.last_sign_in_at == null ? null : new Date(user.last_sign_in_at),
  };
}

/** Looks users up in Clerk; null in the development identity, which has no Clerk to ask. */
export type ClerkDirectory = {
  getProfile(clerkUserId: string): Promise<ClerkProfile | null>;
};

export function clerkDirectoryFor(env: Env): ClerkDirectory | null {
  const clerk = env.clerk;
  if (!clerk) return null;
  // Made on first use: most requests carry the email claim and never need it.
  let client: ReturnType<typeof createClerkClient> | undefined;
  return {
    async getProfile(clerkUserId) {
      client ??= createClerkClient({ secretKey: clerk.secretKey, publishableKey: clerk.publishableKey });
      try {
        const user = await client.users.getUser(clerkUserId);
        return {
          clerkUserId: user.id,
          email: user.primaryEmailAddress?.emailAddress ?? user.emailAddresses[0]?.emailAddress ?? null,
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
