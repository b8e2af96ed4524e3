/**
 * Provisioning on a first request: the caller's users row, created (or an
 * existing account linked) when webhooks have not caught up with a sign-in.
 */
import { asService } from "@/lib/db/client";
import { AppError, PreconditionError, UnauthenticatedError } from "@/lib/errors";
import { logger } from "@/lib/log";
import { recall, remember } from "@/lib/users/known";
import { legacyAccountsRemain, type LinkRule } from "@/lib/users/link";
import type { ClerkDirectory, ClerkProfile } from "@/lib/users/profile";
import { upsertUser } from "@/lib/users/sync";

const log = logger.child({ source: "users" });

export type ProvisionedUser = {
  id: string;
  email: string;
  created: boolean;
  /** Set when this request linked an existing (pre-Clerk) account to the caller: by which rule. */
  linkedBy?: LinkRule;
};

/**
 * The caller's users row, created (or an existing account linked) if this
 * is their first request: webhooks can lag behind a sign-in.
 *
 * A session token's `email` claim does not say whether Clerk verified the
 * address, and carries no external_id, so it can never link an existing
 * account. On a first request, when Clerk is configured and accounts from
 * before Clerk remain unlinked (or the token has no email), the profile is
 * fetched from Clerk's Backend API (one call per Clerk user, ever: later
 * requests find the row) and linking uses its external_id and verified
 * email. Otherwise (no legacy rows left, or the development identity) the
 * token's email only fills a new row. A new or linked user's last_login is now: this request
 * is their sign-in as far as we can tell.
 */
export async function provisionUser(
  caller: { clerkUserId: string; email: string | null },
  directory: ClerkDirectory | null,
): Promise<ProvisionedUser> {
  const cached = recall(caller.clerkUserId);
  if (cached) return { ...cached, created: false };

  const [existing] = await asService(
    (sql) => sql<{ id: string | null; email: string | null; deleted: boolean }[]>`
      select u.id, u.email, exists (select 1 from clerk_deleted_users d where d.auth_id = ${caller.clerkUserId}) as deleted
      from (values (1)) as one left join users u on u.auth_id = ${caller.clerkUserId}`,
  );
  if (existing?.id && existing.email) {
    remember(caller.clerkUserId, { id: existing.id, email: existing.email });
    return { id: existing.id, email: existing.email, created: false };
  }
  if (existing?.deleted) throw deletedAccount();

  // Clerk is asked when the token has no email, and while any account from before Clerk is still unlinked: only
  // then can this user be one of them. (Once none is left, a new user costs no call to Clerk.)
  let profile: ClerkProfile | null = null;
  if (directory && (!caller.email || (await legacyAccountsRemain()))) {
    try {
      profile = await directory.getProfile(caller.clerkUserId);
    } catch (error) {
      log.error("could not fetch a new user's profile from Clerk", { clerkUserId: caller.clerkUserId, error });
      throw new AppError("SERVICE_UNAVAILABLE", "Postora could not reach Clerk to set up your account just now. Retry in a moment.");
    }
  }
  // Null: Clerk has no such user (deleted since the token was issued); the token's email can still fill a new row.
  const email = profile?.email ?? caller.email;
  if (!email) {
    throw new PreconditionError(
      `Postora has no email address for Clerk user ${caller.clerkUserId}, so it cannot create their account. ` +
        (directory
          ? 'Add the `email` claim to Clerk\'s session token (Clerk dashboard > Sessions > Customize session token: {"email": "{{user.primary_email_address}}"}), or give the user a primary email address in Clerk.'
          : "Mint the development token with an email: `npm run token -- --user <id> --email <address>`."),
      { clerkUserId: caller.clerkUserId },
    );
  }

  const signedInAt = new Date();
  const result = await asService(
    (sql) =>
      upsertUser(sql, {
        clerkUserId: caller.clerkUserId,
        email: email,
        // A profile from Clerk is versioned and may carry metadata and what links an
        // existing account; a token's email claim only fills a new row.
        metadata: profile?.metadata ?? null,
        profileUpdatedAt: profile?.updatedAt ?? null,
        externalId: profile?.externalId ?? null,
        emailVerified: profile?.emailVerified ?? false,
        lastLoginIfCreated: signedInAt,
      }),
  );
  if (result.status === "deleted") throw deletedAccount();
  if (result.status === "created") log.info("provisioned a user on their first request", { clerkUserId: caller.clerkUserId, userId: result.id });
  // Another request or a webhook may have written the row first: result holds what is stored.
  const user = { id: result.id, email: result.email };
  remember(caller.clerkUserId, user);
  return { ...user, created: result.status === "created", ...(result.status === "linked" ? { linkedBy: result.rule } : {}) };
}

function deletedAccount(): UnauthenticatedError {
  return new UnauthenticatedError("This account was deleted. Sign up again to use Postora.");
}
