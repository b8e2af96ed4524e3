/**
 * A person's Canva grant: connecting (OAuth 2.0 authorization code with
 * PKCE S256), using it (refreshing the access token when due), and letting
 * it go. Everything here runs on the service path: the tokens live sealed
 * in private.canva_accounts, which no API role can read
 * (supabase/migrations/20261207060000_canva_connections.sql).
 *
 *  - Connect: a fresh state and code verifier per attempt, stored server-side
 *    (the state as its hash, the verifier sealed), tied to the person, valid
 *    for ten minutes; the callback deletes the row it uses, so a state works
 *    once.
 *  - Refresh: Canva's refresh tokens are single-use and rotate. The refresh
 *    runs under the account row's lock and writes the new pair in the same
 *    transaction, so two concurrent refreshes never both spend the one
 *    token: the second waits, then finds fresh tokens.
 *  - A grant Canva no longer accepts marks the account disconnected, with a
 *    reason that asks the person to reconnect.
 *  - Disconnect (and a deleted Postora account, by cascade) deletes the row;
 *    a trigger keeps the sealed refresh token as a revocation owed, which
 *    revokeOwedGrants sends to Canva after the commit; another queues a
 *    canva_revoke job for it, which tries again until Canva is told.
 */
import { createHash, randomBytes } from "node:crypto";
import { asService, type Sql } from "@/lib/db/client";
import { PreconditionError } from "@/lib/errors";
import type { CanvaConfig } from "@/lib/env";
import type { Logger } from "@/lib/log";
import type { SecretBox } from "@/lib/secrets/box";
import { canvaClient, CanvaGrantError, type CanvaClient, type CanvaTokens } from "@/lib/canva/client";

export type CanvaDeps = {
  canva: CanvaConfig;
  box: SecretBox;
  log: Logger;
  /** The service-path pool (tests pass their own; default: the process's). */
  db?: Sql;
  /** Talks to Canva (default: a client for `canva`). */
  client?: CanvaClient;
};

/** How long a connect attempt may take between connectCanva and the callback. */
const ATTEMPT_TTL_MS = 10 * 60_000;
/** Refresh this long before the access token expires, so a request never starts with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

export const RECONNECT_REASON = "Canva no longer accepts Postora's access to your account (it was revoked or expired). Connect Canva again to continue.";

/** The person has no working Canva grant: what they read, and a code the client can branch on. */
export class CanvaNotConnectedError extends PreconditionError {
  constructor(message = "Connect your Canva account first (connectCanva).") {
    super(message, { reason: "CANVA_NOT_CONNECTED" });
  }
}

const clientOf = (deps: CanvaDeps): CanvaClient => deps.client ?? canvaClient(deps.canva);
const hash = (text: string) => createHash("sha256").update(text).digest("base64url");
const accessContext = (userId: string) => `canva:access:${userId}`;
const refreshContext = (userId: string) => `canva:refresh:${userId}`;

/** Starts a connect: stores a fresh state and verifier for this person and returns Canva's authorize URL. */
export async function startConnect(deps: CanvaDeps, userId: string): Promise<{ authorizeUrl: string; expiresAt: Date }> {
  const state = randomBytes(32).toString("base64url");
  // 64 random bytes: an 86-character verifier, within PKCE's 43 to 128.
  const verifier = randomBytes(64).toString("base64url");
  const stateHash = hash(state);
  const expiresAt = new Date(Date.now() + ATTEMPT_TTL_MS);
  await asService(async (sql) => {
    await sql`delete from private.canva_authorizations where expires_at <= now()`;
    await sql`
      insert into private.canva_authorizations (state_hash, user_id, code_verifier, expires_at)
      values (${stateHash}, ${userId}, ${deps.box.seal(verifier, `canva:verifier:${stateHash}`)}, ${expiresAt})`;
  }, deps.db);
  return { authorizeUrl: clientOf(deps).authorizeUrl(state, hash(verifier)), expiresAt };
}

export type ConnectResult = { status: "connected"; userId: string; displayName: string } | { status: "refused"; message: string };

/** The callback: finds the attempt by state (once), exchanges the code, stores the grant. */
export async function finishConnect(deps: CanvaDeps, input: { state: string | null; code: string | null; error: string | null }): Promise<ConnectResult> {
  if (!input.state) return { status: "refused", message: "This link carries no state: start again with Connect Canva in Postora." };
  const stateHash = hash(input.state);
  const [attempt] = await asService(
    (sql) => sql<{ userId: string; codeVerifier: string; expiresAt: Date }[]>`
      delete from private.canva_authorizations where state_hash = ${stateHash} returning user_id, code_verifier, expires_at`,
    deps.db,
  );
  if (!attempt || attempt.expiresAt.getTime() <= Date.now()) {
    return { status: "refused", message: "This Canva sign-in has expired or was already used: start again with Connect Canva in Postora." };
  }
  if (input.error || !input.code) {
    return { status: "refused", message: input.error === "access_denied" ? "You did not allow Postora to use Canva; nothing was connected." : `Canva did not connect your account (${input.error ?? "no code"}). Try again.` };
  }
  const client = clientOf(deps);
  let tokens: CanvaTokens;
  try {
    tokens = await client.exchangeCode(input.code, deps.box.open(attempt.codeVerifier, `canva:verifier:${stateHash}`));
  } catch (error) {
    if (!(error instanceof CanvaGrantError)) throw error;
    return { status: "refused", message: "Canva did not accept this sign-in (the code expired or was used). Start again with Connect Canva." };
  }
  const { displayName } = await client.profile(tokens.accessToken);
  await asService(async (sql) => {
    // A grant already there is replaced; deleting it owes Canva its revocation (the trigger).
    await sql`delete from private.canva_accounts where user_id = ${attempt.userId}`;
    await sql`
      insert into private.canva_accounts (user_id, status, display_name, access_token, refresh_token, access_expires_at, scope)
      values (${attempt.userId}, 'connected', ${displayName}, ${deps.box.seal(tokens.accessToken, accessContext(attempt.userId))},
              ${deps.box.seal(tokens.refreshToken, refreshContext(attempt.userId))}, ${tokens.expiresAt}, ${tokens.scope})`;
  }, deps.db);
  await revokeOwedGrants(deps, attempt.userId);
  deps.log.info("canva connected", { userId: attempt.userId });
  return { status: "connected", userId: attempt.userId, displayName };
}

export type CanvaAccountState = { connected: boolean; displayName: string | null; reason: string | null };

export async function canvaAccountOf(deps: Pick<CanvaDeps, "db">, userId: string): Promise<CanvaAccountState> {
  const [row] = await asService(
    (sql) => sql<{ status: string; displayName: string | null; disconnectedReason: string | null }[]>`
      select status, display_name, disconnected_reason from private.canva_accounts where user_id = ${userId}`,
    deps.db,
  );
  if (!row) return { connected: false, displayName: null, reason: null };
  return { connected: row.status === "connected", displayName: row.displayName, reason: row.disconnectedReason };
}

/** Canva stopped accepting the grant: forget its tokens and say why. */
async function markDisconnected(deps: Pick<CanvaDeps, "db" | "log">, userId: string, reason = RECONNECT_REASON): Promise<void> {
  await asService(
    (sql) => sql`
      update private.canva_accounts
         set status = 'disconnected', access_token = null, refresh_token = null, access_expires_at = null,
             disconnected_reason = ${reason}, updated_at = now()
       where user_id = ${userId}`,
    deps.db,
  );
  deps.log.warn("canva grant no longer accepted; the account is marked disconnected", { userId });
}

type AccountRow = { status: string; accessToken: string | null; refreshToken: string | null; accessExpiresAt: Date | null };

/** A working access token for this person, refreshed under the row's lock when due. */
async function accessToken(deps: CanvaDeps, userId: string): Promise<string> {
  const due = (row: AccountRow) => !row.accessExpiresAt || row.accessExpiresAt.getTime() - REFRESH_MARGIN_MS <= Date.now();
  const read = (sql: Sql, lock: boolean) => sql<AccountRow[]>`
    select status, access_token, refresh_token, access_expires_at from private.canva_accounts
     where user_id = ${userId} ${lock ? sql`for update` : sql``}`;
  const [current] = await asService((sql) => read(sql, false), deps.db);
  if (!current || current.status !== "connected") throw new CanvaNotConnectedError(current ? RECONNECT_REASON : undefined);
  if (!due(current)) return deps.box.open(current.accessToken!, accessContext(userId));
  const outcome = await asService(async (sql) => {
    const [row] = await read(sql, true);
    if (!row || row.status !== "connected") return { refused: true as const };
    // Another refresh got here first while we waited for the lock: use what it stored.
    if (!due(row)) return { token: deps.box.open(row.accessToken!, accessContext(userId)) };
    try {
      const fresh = await clientOf(deps).refresh(deps.box.open(row.refreshToken!, refreshContext(userId)));
      await sql`
        update private.canva_accounts
           set access_token = ${deps.box.seal(fresh.accessToken, accessContext(userId))},
               refresh_token = ${deps.box.seal(fresh.refreshToken, refreshContext(userId))},
               access_expires_at = ${fresh.expiresAt}, updated_at = now()
         where user_id = ${userId}`;
      return { token: fresh.accessToken };
    } catch (error) {
      if (error instanceof CanvaGrantError) return { refused: true as const };
      throw error;
    }
  }, deps.db);
  if ("refused" in outcome) {
    await markDisconnected(deps, userId);
    throw new CanvaNotConnectedError(RECONNECT_REASON);
  }
  return outcome.token;
}

/**
 * Runs fn with a working access token. A grant Canva refuses (revoked at
 * Canva, say) marks the account disconnected and becomes CanvaNotConnectedError.
 */
export async function withCanvaAccess<T>(deps: CanvaDeps, userId: string, fn: (accessToken: string, client: CanvaClient) => Promise<T>): Promise<T> {
  const token = await accessToken(deps, userId);
  try {
    return await fn(token, clientOf(deps));
  } catch (error) {
    if (!(error instanceof CanvaGrantError)) throw error;
    await markDisconnected(deps, userId);
    throw new CanvaNotConnectedError(RECONNECT_REASON);
  }
}

/** Disconnects: deletes the grant (owing its revocation), then revokes it at Canva. */
export async function disconnect(deps: CanvaDeps, userId: string): Promise<void> {
  await asService((sql) => sql`delete from private.canva_accounts where user_id = ${userId}`, deps.db);
  await revokeOwedGrants(deps, userId);
}

type OwedRevocation = { id: string; userId: string; refreshToken: string };

/** Revokes one owed grant at Canva and deletes its row; a failure is recorded on the row and thrown. */
async function revokeOwed(deps: CanvaDeps, row: OwedRevocation): Promise<void> {
  try {
    await clientOf(deps).revoke(deps.box.open(row.refreshToken, refreshContext(row.userId)));
  } catch (error) {
    await asService((sql) => sql`update private.canva_revocations set last_error = ${String(error).slice(0, 500)} where id = ${row.id}`, deps.db);
    throw error;
  }
  await asService((sql) => sql`delete from private.canva_revocations where id = ${row.id}`, deps.db);
}

/**
 * Tells Canva to revoke every refresh token still owed a revocation (one
 * person's, or everyone's), deleting each once done. A failure stays owed,
 * with its error, for the job queued with it (revokeOwedGrant); it never
 * fails the caller.
 */
export async function revokeOwedGrants(deps: CanvaDeps, userId?: string): Promise<number> {
  const owed = await asService(
    (sql) => sql<OwedRevocation[]>`
      select id, user_id, refresh_token from private.canva_revocations ${userId ? sql`where user_id = ${userId}` : sql``} order by id limit 100`,
    deps.db,
  );
  let revoked = 0;
  for (const row of owed) {
    try {
      await revokeOwed(deps, row);
      revoked++;
    } catch (error) {
      deps.log.warn("could not revoke a Canva grant; it stays owed, and its job will try again", { userId: row.userId, error });
    }
  }
  return revoked;
}

/**
 * The canva_revoke job's one attempt (lib/canva/revoke-task.ts): revokes this
 * owed grant at Canva and deletes it. Throws when Canva could not be told,
 * so the queue tries again later; "gone" when nothing is owed any more (the
 * server's own attempt after the commit got there first).
 */
export async function revokeOwedGrant(deps: CanvaDeps, revocationId: string): Promise<"revoked" | "gone"> {
  const [row] = await asService(
    (sql) => sql<OwedRevocation[]>`select id, user_id, refresh_token from private.canva_revocations where id = ${revocationId}`,
    deps.db,
  );
  if (!row) return "gone";
  await revokeOwed(deps, row);
  deps.log.info("an owed Canva revocation was sent", { userId: row.userId });
  return "revoked";
}
