/**
 * Shared helpers for tests: act as a user, seed rows through the service path.
 * One place, so every test means the same thing by "user A".
 */
import { createPublicKey, randomBytes, randomUUID } from "node:crypto";
import { signJwt } from "@clerk/backend/jwt";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { decodeGlobalID } from "@pothos/plugin-relay";
import { print } from "graphql";
import { Webhook } from "svix";
import { inject } from "vitest";
import { mintDevToken } from "@/lib/auth/dev-identity";
import { asService, type DbIdentity, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

export type SeededUser = { id: string; clerkUserId: string; email: string; identity: DbIdentity };

let counter = 0;

export type LegacyUser = { id: string; legacyAuthId: string; email: string; tier: string };

/**
 * A user from before Clerk, as production holds them: auth_id is their old
 * Supabase Auth UUID (a string since 20261125000000), with a password value.
 */
export async function seedLegacyUser(overrides: Partial<{ email: string; tier: string }> = {}): Promise<LegacyUser> {
  const legacyAuthId = randomUUID();
  const email = overrides.email ?? `legacy-${legacyAuthId.slice(0, 8)}@example.com`;
  const tier = overrides.tier ?? "free";
  const [row] = await asService(
    (sql) => sql<{ id: string }[]>`
      insert into users (auth_id, email, tier, password, created_at)
      values (${legacyAuthId}, ${email}, ${tier}, ${"$2a$10$" + randomBytes(20).toString("hex")}, now() - interval '400 days') returning id`,
  );
  return { id: row!.id, legacyAuthId, email, tier };
}

/** Inserts a user through the privileged path, as the Clerk webhook would. */
export async function seedUser(overrides: Partial<{ clerkUserId: string; email: string; tier: string }> = {}): Promise<SeededUser> {
  counter += 1;
  const suffix = `${process.pid}${counter}${Math.random().toString(36).slice(2, 8)}`;
  const clerkUserId = overrides.clerkUserId ?? `user_2test${suffix}`;
  const email = overrides.email ?? `person${suffix}@example.com`;
  const [row] = await asService(
    (sql) => sql<{ id: string }[]>`
      insert into users (auth_id, email, tier) values (${clerkUserId}, ${email}, ${overrides.tier ?? "free"}) returning id`,
  );
  return { id: row!.id, clerkUserId, email, identity: { clerkUserId, email } };
}

export async function seedGeneration(
  userId: string,
  values: Partial<{ inputContent: string; outputFormat: string; status: string; deletedAt: Date | null; createdAt: Date }> = {},
): Promise<string> {
  const [row] = await asService(
    (sql: Sql) => sql<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format, status, deleted_at, created_at)
      values (${userId}, ${values.inputContent ?? "Some raw text"}, ${values.outputFormat ?? "bullet_points"},
              ${values.status ?? "queued"}, ${values.deletedAt ?? null}, ${values.createdAt ?? new Date()})
      returning id`,
  );
  return row!.id;
}

/** A template owned by userId, or a system template (is_system) for null. */
export async function seedTemplate(userId: string | null, name = "Template"): Promise<string> {
  const [row] = await asService(
    (sql) => sql<{ id: string }[]>`
      insert into templates (user_id, is_system, name, type, content)
      values (${userId}, ${userId === null}, ${name}, 'carousel', ${sql.json({ slides: 3 })}) returning id`,
  );
  return row!.id;
}

// ---------------------------------------------------------------------
// Identity: "bearer token for user X", and Clerk-shaped tokens of our own
// ---------------------------------------------------------------------

/** `Bearer <token>` for a user, from the development identity: what `npm run token` prints. */
export async function bearerFor(user: { clerkUserId: string; email?: string | null }, expiresInSeconds?: number): Promise<string> {
  return `Bearer ${await mintDevToken(getEnv(), { clerkUserId: user.clerkUserId, email: user.email ?? null, expiresInSeconds })}`;
}

/** The users rows for a Clerk id, read past RLS (what is really stored). */
export async function usersByClerkId(clerkUserId: string) {
  return asService((sql) => sql<{ id: string; email: string; lastLogin: Date | null }[]>`
    select id, email, last_login from users where auth_id = ${clerkUserId}`);
}

/** A fresh Clerk-style user id, unique within the run. */
export function newClerkUserId(): string {
  return `user_2test${randomBytes(8).toString("hex")}`;
}

export type TestSigningKey = { privateKeyPem: string; publicKeyPem: string; kid: string };

let signingKeysHandedOut = 0;

/**
 * An RSA key standing in for a Clerk instance's: its public PEM is what CLERK_JWT_KEY would hold. Each call in a
 * file gets a different key (the run makes them once, test/global-setup.ts), none of them the development key.
 */
export function createTestSigningKey(): TestSigningKey {
  const [, ...instanceKeys] = inject("signingKeys");
  const privateKeyPem = instanceKeys[signingKeysHandedOut++];
  if (!privateKeyPem) throw new Error(`A test file may ask for ${instanceKeys.length} signing keys: raise SIGNING_KEYS in test/global-setup.ts.`);
  return {
    privateKeyPem,
    publicKeyPem: createPublicKey(privateKeyPem).export({ type: "spki", format: "pem" }).toString(),
    kid: `ins_test_${randomBytes(4).toString("hex")}`,
  };
}

/**
 * A session JWT signed with the given key. Defaults are a valid Clerk v2
 * session token for `sub`, issued now and good for a minute; pass claims
 * (exp, nbf, azp, ...) to break it, or `undefined` to drop one.
 */
export async function signSessionToken(key: TestSigningKey, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: "https://clerk.postora.test",
    sid: `sess_${randomBytes(8).toString("hex")}`,
    nbf: now - 10,
    exp: now + 60,
    v: 2,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return signJwt(payload, key.privateKeyPem, { algorithm: "RS256", header: { typ: "JWT", kid: key.kid } });
}

// ---------------------------------------------------------------------
// Clerk webhooks: requests signed by svix's own signer
// ---------------------------------------------------------------------

/** The endpoint secret tests configure (CLERK_WEBHOOK_SIGNING_SECRET): whsec_ + base64 of 32 bytes. */
export const TEST_CLERK_WEBHOOK_SECRET = `whsec_${Buffer.from("postora-test-clerk-webhook-key-32").toString("base64")}`;

export type ClerkEventInput = { type: string; data: Record<string, unknown> };

export type SignedWebhookOptions = {
  /** svix-id; a new one per call unless given (give the same one to replay). */
  msgId?: string;
  /** When svix signed it (svix-timestamp); now unless given. */
  signedAt?: Date;
  secret?: string;
  /** Replace the body after signing (tampering). */
  body?: string;
  /** Override or (with null) drop headers after signing. */
  headers?: Record<string, string | null>;
};

/** A POST to /api/webhooks/clerk exactly as svix would send it. */
export function signedClerkWebhook(event: ClerkEventInput, options: SignedWebhookOptions = {}): Request {
  const msgId = options.msgId ?? `msg_${randomBytes(12).toString("hex")}`;
  const signedAt = options.signedAt ?? new Date();
  const payload = JSON.stringify({
    object: "event",
    instance_id: "ins_test",
    event_attributes: { http_request: { client_ip: "127.0.0.1", user_agent: "vitest" } },
    timestamp: signedAt.getTime(),
    type: event.type,
    data: event.data,
  });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "svix-id": msgId,
    "svix-timestamp": String(Math.floor(signedAt.getTime() / 1000)),
    "svix-signature": new Webhook(options.secret ?? TEST_CLERK_WEBHOOK_SECRET).sign(msgId, signedAt, payload),
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return new Request("http://localhost/api/webhooks/clerk", { method: "POST", headers, body: options.body ?? payload });
}

/** Clerk's UserJSON, trimmed to what Postora reads plus enough to look real. The email is verified unless told otherwise. */
export function clerkUserJson(user: {
  id: string;
  email: string | null;
  updatedAt: number;
  publicMetadata?: Record<string, unknown>;
  externalId?: string | null;
  emailVerified?: boolean;
}): Record<string, unknown> {
  const emailId = `idn_${user.id.slice(5)}`;
  const verification = { object: "verification_otp", status: user.emailVerified === false ? "unverified" : "verified", strategy: "email_code", attempts: 1, expire_at: null };
  return {
    object: "user",
    id: user.id,
    external_id: user.externalId ?? null,
    first_name: "Test",
    last_name: "Person",
    primary_email_address_id: user.email ? emailId : null,
    email_addresses: user.email ? [{ object: "email_address", id: emailId, email_address: user.email, verification, linked_to: [] }] : [],
    public_metadata: user.publicMetadata ?? {},
    private_metadata: { secret: "never stored" },
    unsafe_metadata: {},
    created_at: user.updatedAt,
    updated_at: user.updatedAt,
    last_sign_in_at: null,
  };
}

/** Clerk's session webhook data (SessionWebhookEventJSON), optionally with the user embedded. */
export function clerkSessionJson(session: { userId: string; createdAt: number; user?: Record<string, unknown> | null }): Record<string, unknown> {
  return {
    object: "session",
    id: `sess_${randomBytes(8).toString("hex")}`,
    client_id: `client_${randomBytes(6).toString("hex")}`,
    user_id: session.userId,
    status: "active",
    created_at: session.createdAt,
    updated_at: session.createdAt,
    last_active_at: session.createdAt,
    expire_at: session.createdAt + 7 * 24 * 3600 * 1000,
    abandon_at: session.createdAt + 30 * 24 * 3600 * 1000,
    user: session.user ?? null,
  };
}

// ---------------------------------------------------------------------
// GraphQL over HTTP, in-process (createGraphQLServer().fetch)
// ---------------------------------------------------------------------

export type GraphQLBody<T = Record<string, unknown>> = {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
};

type FetchesGraphQL = { fetch(request: Request): Response | Promise<Response> };

/** POSTs one operation as a client would, with an Authorization header when given. */
export async function postGraphQL<T = Record<string, unknown>>(
  server: FetchesGraphQL,
  query: string,
  options: { authorization?: string | null; variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: GraphQLBody<T> }> {
  const response = await server.fetch(new Request("http://localhost/api/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...(options.authorization ? { authorization: options.authorization } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  }));
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody<T> };
}

/** POSTs one of the generated documents (graphql/documents, typed in graphql/generated): the response is typed by it. */
export function postDocument<Result, Variables>(
  server: FetchesGraphQL,
  document: TypedDocumentNode<Result, Variables>,
  options: { authorization?: string | null; variables?: Variables; headers?: Record<string, string> } = {},
) {
  return postGraphQL<Result>(server, print(document), {
    authorization: options.authorization,
    headers: options.headers,
    variables: options.variables as Record<string, unknown> | undefined,
  });
}

/** A complete, well-formed production configuration (nothing in it is real). */
export const PRODUCTION_ENV = {
  NODE_ENV: "production",
  DATABASE_URL: "postgres://postgres:secret@db.example.com:6543/postgres",
  NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: "pk_live_Y2xlcmsucG9zdG9yYS5hcHAk",
  CLERK_SECRET_KEY: "sk_live_abc",
  SUPABASE_URL: "https://abcd.supabase.co",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key-0123456789",
  APP_URL: "https://api.postora.app",
  DATA_ENCRYPTION_KEY: "k8cOqxJ9m2r1fN3vQ7wZ0aB4cD6eF8gH1iJ3kL5mN7o=",
} as const;

/** `id` is the users.id (for seeding rows and storage paths); `globalId` is Viewer.id as the API shows it. */
export type SignedInPerson = { clerkUserId: string; email: string; authorization: string; id: string; globalId: string };

/** A new person who has made their first request (so their users row exists), with their Bearer header. */
export async function signedInPerson(server: FetchesGraphQL): Promise<SignedInPerson> {
  const clerkUserId = newClerkUserId();
  const email = `${clerkUserId}@example.com`;
  const authorization = await bearerFor({ clerkUserId, email });
  const { body } = await postGraphQL<{ viewer: { id: string } }>(server, "{ viewer { id } }", { authorization });
  const globalId = body.data!.viewer.id;
  return { clerkUserId, email, authorization, id: decodeGlobalID(globalId).id, globalId };
}
