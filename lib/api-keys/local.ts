/**
 * API keys of the development identity: Clerk's API keys, done offline in
 * Postgres (supabase/migrations/20261204000000_local_api_keys.sql). Same
 * secret prefix (ak_), same scopes, same rules: the secret is shown once and
 * stored only as its SHA-256; only the owner lists, uses or revokes a key.
 *
 * Managing keys runs as the owner under RLS (withUser); verifying a secret
 * runs on the service path, because nobody is known to be calling yet.
 * Nothing here works in production: each entry point refuses when
 * NODE_ENV=production, whatever else is configured.
 */
import { createHash, randomBytes } from "node:crypto";
import { DevIdentityInProductionError } from "@/lib/auth/dev-identity";
import { postoraScopes, type Scope } from "@/lib/auth/scopes";
import { asService, withUser, type Sql } from "@/lib/db/client";
import type { Env } from "@/lib/env";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { MAX_LIVE_KEYS, validCreateInput, type ApiKey, type ApiKeyOwner, type ApiKeyService } from "@/lib/api-keys/types";
import { forgetMachineCredential } from "@/lib/auth/verdict-cache";

/** Clerk's API key secrets start with ak_; so do ours, so clients and the verifier's routing cannot tell them apart. */
const API_KEY_SECRET_PREFIX = "ak_";
const LOCAL_ID = /^apikey_[0-9a-f]{32}$/;

function newSecret(): string {
  return `${API_KEY_SECRET_PREFIX}${randomBytes(32).toString("hex")}`;
}

export function secretHash(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

type KeyRow = { id: string; name: string; scopes: string[]; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

const toApiKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  scopes: postoraScopes(row.scopes),
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  revoked: row.revokedAt !== null,
});

function refuseInProduction(env: Env): void {
  if (env.isProduction || !env.devIdentity) throw new DevIdentityInProductionError();
}

export function createLocalApiKeys(env: Env): ApiKeyService {
  refuseInProduction(env);
  const asOwner = <T>(owner: ApiKeyOwner, fn: (sql: Sql) => Promise<T>) =>
    withUser({ clerkUserId: owner.clerkUserId, email: owner.email ?? null }, fn);

  return {
    provider: "local",

    list: (owner) =>
      asOwner(owner, async (sql) => {
        const rows = await sql<KeyRow[]>`
          select id, name, scopes, created_at, last_used_at, revoked_at from api_keys
          where user_id = ${owner.userId} and revoked_at is null
          order by created_at desc, id`;
        return rows.map(toApiKey);
      }),

    create: async (owner, input) => {
      const { name, scopes } = validCreateInput(input);
      const secret = newSecret();
      return asOwner(owner, async (sql) => {
        const [count] = await sql<{ live: number }[]>`
          select count(*)::int as live from api_keys where user_id = ${owner.userId} and revoked_at is null`;
        if (count!.live >= MAX_LIVE_KEYS) {
          throw new PreconditionError(`You already have ${MAX_LIVE_KEYS} API keys. Revoke one you no longer use, then create the new one.`, {
            limit: MAX_LIVE_KEYS,
          });
        }
        const [row] = await sql<KeyRow[]>`
          insert into api_keys (user_id, name, scopes, secret_hash)
          values (${owner.userId}, ${name}, ${scopes as Scope[]}, ${secretHash(secret)})
          returning id, name, scopes, created_at, last_used_at, revoked_at`;
        return { apiKey: toApiKey(row!), secret };
      });
    },

    revoke: (owner, id) => {
      if (!LOCAL_ID.test(id)) return Promise.reject(new NotFoundError("API key", id));
      return asOwner(owner, async (sql) => {
        await sql`select private.revoke_api_key(${id})`;
        // Revoked now or before: either way the key is the owner's and revoked. Anyone else's is invisible.
        const [row] = await sql<KeyRow[]>`
          select id, name, scopes, created_at, last_used_at, revoked_at from api_keys where id = ${id}`;
        if (!row) throw new NotFoundError("API key", id);
        return toApiKey(row);
      }).then((key) => {
        // Once committed, the verifier's remembered verdict goes too (lib/auth/verdict-cache.ts).
        forgetMachineCredential(id);
        return key;
      });
    },
  };
}

/** Who a local API key belongs to, as its verifier found it. */
type LocalKeyCredential = {
  keyId: string;
  clerkUserId: string;
  email: string;
  scopes: Scope[];
  /** True when this request wrote last_used_at (at most once a minute per key). */
  touched: boolean;
};

export type LocalKeyLookup = { status: "valid"; key: LocalKeyCredential } | { status: "unknown" } | { status: "revoked"; keyId: string; revokedAt: Date };

/**
 * Looks a secret up by its hash and, for a live key, records the use:
 * last_used_at moves at most once a minute per key, so a busy key costs one
 * write a minute, not one per request. One statement, one round trip.
 */
export function createLocalApiKeyVerifier(env: Env): (secret: string) => Promise<LocalKeyLookup> {
  refuseInProduction(env);
  return (secret) =>
    asService(async (sql) => {
      const [row] = await sql<{ id: string; scopes: string[]; revokedAt: Date | null; authId: string; email: string; touched: boolean }[]>`
        with key as (
          select k.id, k.scopes, k.revoked_at, u.auth_id, u.email
          from api_keys k join users u on u.id = k.user_id
          where k.secret_hash = ${secretHash(secret)}
        ), touched as (
          update api_keys set last_used_at = now()
          where id = (select id from key where revoked_at is null)
            and (last_used_at is null or last_used_at < now() - interval '1 minute')
          returning id
        )
        select key.id, key.scopes, key.revoked_at, key.auth_id, key.email, exists (select 1 from touched) as touched from key`;
      if (!row) return { status: "unknown" };
      if (row.revokedAt) return { status: "revoked", keyId: row.id, revokedAt: row.revokedAt };
      return {
        status: "valid",
        key: { keyId: row.id, clerkUserId: row.authId, email: row.email, scopes: postoraScopes(row.scopes), touched: row.touched },
      };
    });
}
