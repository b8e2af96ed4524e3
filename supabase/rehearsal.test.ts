/**
 * The production cut-over, rehearsed: a database shaped like production
 * (the old schema, legacy rows, no migration history) is migrated by our
 * runner the way the README says, then checked table by table, and the
 * legacy users sign in through Clerk (the real authenticator and GraphQL
 * endpoint, with a directory stand-in for Clerk's Backend API) and see
 * exactly what is theirs.
 *
 * This file's app configuration points at the rehearsal database, so it is
 * created and migrated before anything reads the configuration.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { decodeGlobalID } from "@pothos/plugin-relay";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAuthenticator } from "@/lib/auth/caller";
import { createTokenVerifier, verifierConfigFor } from "@/lib/auth/verify";
import { asService, closePool, withUser, type DbIdentity } from "@/lib/db/client";
import { migrate, MigrationRefusedError, standInsFile } from "@/lib/db/migrate";
import { getEnv } from "@/lib/env";
import type { ClerkProfile } from "@/lib/users/profile";
import { bearerFor, postGraphQL, type GraphQLBody } from "@/test/support";

// ---------------------------------------------------------------------
// The production-shaped database, migrated as the README says
// ---------------------------------------------------------------------

const adminUrl = inject("postgresAdminUrl");
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const databaseName = `rehearsal_${randomBytes(6).toString("hex")}`;
await admin.unsafe(`create database ${databaseName}`);
const rehearsalUrl = Object.assign(new URL(adminUrl), { pathname: `/${databaseName}` }).toString();
const fixture = (name: string) => readFile(new URL(`./tests/fixtures/${name}`, import.meta.url), "utf8");

const direct = postgres(rehearsalUrl, { max: 1, onnotice: () => {} });
await direct.unsafe(await readFile(standInsFile, "utf8"));
await direct.unsafe(await fixture("seed-schema.sql"));
await direct.unsafe(await fixture("legacy-production-data.sql"));

/** Every table the old schema holds, as jsonb rows by primary key: what must survive the migration. */
const TABLES = ["users", "generations", "subscriptions", "templates", "webhook_events", "storage.objects"] as const;
type TableRows = Record<string, Record<string, unknown>>;

async function tableRows(table: string): Promise<TableRows> {
  const rows = await direct.unsafe<{ id: string; row: Record<string, unknown> }[]>(`select id::text as id, to_jsonb(t) as row from ${table} t`);
  return Object.fromEntries(rows.map(({ id, row }) => [id, row]));
}

const before: Record<string, TableRows> = {};
for (const table of TABLES) before[table] = await tableRows(table);

// The operator's first `npm run db:migrate` stops and says what to do; they do it.
const firstAttempt = await migrate(rehearsalUrl).catch((error: unknown) => error);
const applied = await migrate(rehearsalUrl, { baselineApplied: true });

const after: Record<string, TableRows> = {};
for (const table of TABLES) after[table] = await tableRows(table);

// Only now may the app read its configuration: this file's database is the rehearsal.
process.env.DATABASE_URL = rehearsalUrl;
const { createGraphQLServer } = await import("@/graphql/yoga");

afterAll(async () => {
  await closePool();
  await direct.end();
  await admin.unsafe(`drop database if exists ${databaseName} with (force)`);
  await admin.end();
});

// ---------------------------------------------------------------------
// The legacy people, and Clerk as it knows them after the import
// ---------------------------------------------------------------------

const ada = { id: "0a0a0a0a-0000-4000-8000-00000000000a", legacyAuthId: "6f1c2b7e-3d4a-4e5f-9a8b-1c2d3e4f5a6b", email: "ada@lovelace.example", clerkUserId: "user_2AdaLovelace" };
const ben = { id: "0b0b0b0b-0000-4000-8000-00000000000b", legacyAuthId: "a3e9d1f0-7b2c-4c8d-8e1f-2a3b4c5d6e7f", email: "ben@example.org", clerkUserId: "user_2BenFresh" };
const cleo = { id: "0c0c0c0c-0000-4000-8000-00000000000c", legacyAuthId: "c7b8a9d0-1e2f-4a3b-9c4d-5e6f7a8b9c0d", email: "cleo@studio.example", clerkUserId: "user_2CleoStudio" };
const dan = { id: "0d0d0d0d-0000-4000-8000-00000000000d", legacyAuthId: "d4c3b2a1-9f8e-4d7c-8b6a-5f4e3d2c1b0a" };
const eve = { id: "0e0e0e0e-0000-4000-8000-00000000000e", legacyAuthId: "e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9", email: "eve@example.com", clerkUserId: "user_2EveUnverified" };
const ORPHANS = ["3f000000-0000-4000-8000-000000000001", "3f000000-0000-4000-8000-000000000002"];

const clerk: ClerkProfile[] = [
  // Imported with Clerk's migration guide: external_id is the old Supabase Auth id.
  { clerkUserId: ada.clerkUserId, email: ada.email, emailVerified: true, externalId: ada.legacyAuthId, metadata: {}, updatedAt: new Date(), lastSignInAt: null },
  // Signed up again in Clerk with the same address, verified.
  { clerkUserId: ben.clerkUserId, email: ben.email, emailVerified: true, externalId: null, metadata: {}, updatedAt: new Date(), lastSignInAt: null },
  // Imported with external_id = users.id.
  { clerkUserId: cleo.clerkUserId, email: cleo.email, emailVerified: true, externalId: cleo.id, metadata: {}, updatedAt: new Date(), lastSignInAt: null },
  // Signed up with her address but has not verified it yet.
  { clerkUserId: eve.clerkUserId, email: eve.email, emailVerified: false, externalId: null, metadata: {}, updatedAt: new Date(), lastSignInAt: null },
];

const server = createGraphQLServer({
  authenticate: createAuthenticator({
    verifier: async () => createTokenVerifier(await verifierConfigFor(getEnv())),
    directory: { getProfile: async (clerkUserId) => clerk.find((profile) => profile.clerkUserId === clerkUserId) ?? null },
  }),
});

type ViewerData = {
  viewer: {
    id: string;
    email: string;
    tier: string;
    generations: { edges: { node: { id: string; status: string; hasFile: boolean } }[] };
    templates: { edges: { node: { id: string } }[] };
    subscription: { plan: string; status: string } | null;
  };
  templates: { edges: { node: { id: string; isSystem: boolean } }[] };
};
const VIEWER = `{
  viewer {
    id email tier
    generations(first: 20) { edges { node { id status hasFile } } }
    templates(first: 20) { edges { node { id } } }
    subscription { plan status }
  }
  templates(first: 20) { edges { node { id isSystem } } }
}`;

async function signIn(person: { clerkUserId: string; email: string }): Promise<{ status: number; body: GraphQLBody<ViewerData> }> {
  // The token carries the email claim the README's session-token template adds.
  return postGraphQL<ViewerData>(server, VIEWER, { authorization: await bearerFor(person) });
}

const rawIds = (edges: { node: { id: string } }[]) => edges.map((edge) => decodeGlobalID(edge.node.id).id).sort();

// ---------------------------------------------------------------------
// The migration
// ---------------------------------------------------------------------

describe("migrating the production-shaped database", () => {
  it("first stops (baseline not recorded), then applies every later migration", () => {
    expect(firstAttempt).toBeInstanceOf(MigrationRefusedError);
    expect(applied.length).toBeGreaterThanOrEqual(6);
    expect(applied[0]).not.toBe("20250601000000");
  });

  it("keeps every row of every table, and every value it had", () => {
    for (const table of TABLES) {
      const old = before[table]!;
      const now = after[table]!;
      expect(Object.keys(now).sort(), table).toEqual(Object.keys(old).sort());
      for (const [id, row] of Object.entries(old)) {
        // New columns may have been added; every old column keeps its value (auth_id as the same text).
        const kept = Object.fromEntries(Object.keys(row).map((column) => [column, now[id]![column]]));
        expect(kept, `${table} ${id}`).toEqual(row);
      }
    }
    expect(Object.keys(before.users!)).toHaveLength(5);
    expect(Object.keys(before.generations!)).toHaveLength(7);
    expect(Object.keys(before["storage.objects"]!)).toHaveLength(4);
    expect(Object.keys(before.webhook_events!)).toHaveLength(3);
  });

  it("keeps the bucket private, now with the PNG (and carousel PDF), 10 MiB limits", async () => {
    const [bucket] = await direct`select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'postora-generations'`;
    expect(bucket).toEqual({ public: false, file_size_limit: "10485760", allowed_mime_types: ["application/pdf", "image/png", "image/svg+xml"] });
  });

  it("classifies the deleted users' templates as orphans and makes nothing a system template", () => {
    for (const id of ORPHANS) expect(after.templates![id]).toMatchObject({ user_id: null, is_system: false, orphaned_at: expect.any(String) });
    expect(Object.values(after.templates!).filter((row) => row.is_system)).toEqual([]);
  });
});

// ---------------------------------------------------------------------
// Legacy people signing in through Clerk
// ---------------------------------------------------------------------

describe("legacy users signing in through Clerk", () => {
  let adaView: ViewerData["viewer"];
  let benView: ViewerData["viewer"];
  let cleoView: ViewerData["viewer"];

  beforeAll(async () => {
    const responses = await Promise.all([signIn(ada), signIn(ben), signIn(cleo)]);
    for (const response of responses) expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
    [adaView, benView, cleoView] = responses.map((response) => response.body.data!.viewer) as [typeof adaView, typeof adaView, typeof adaView];
  });

  it("get their own account back: same row, tier and subscription", () => {
    const account = (view: typeof adaView) => ({ ...view, id: decodeGlobalID(view.id).id });
    expect(account(adaView)).toMatchObject({ id: ada.id, email: ada.email, tier: "PRO", subscription: { plan: "pro", status: "active" } });
    expect(account(benView)).toMatchObject({ id: ben.id, email: ben.email, tier: "FREE" });
    expect(account(cleoView)).toMatchObject({ id: cleo.id, email: cleo.email, tier: "BUSINESS", subscription: { plan: "business", status: "active" } });
  });

  it("see exactly their own live generations, with the files they had", () => {
    expect(rawIds(adaView.generations.edges)).toEqual(["1a000000-0000-4000-8000-000000000001", "1a000000-0000-4000-8000-000000000002"]);
    expect(rawIds(benView.generations.edges)).toEqual(["1b000000-0000-4000-8000-000000000001", "1b000000-0000-4000-8000-000000000002"]);
    expect(rawIds(cleoView.generations.edges)).toEqual(["1c000000-0000-4000-8000-000000000001"]);
    const files = (view: typeof adaView) => view.generations.edges.filter((edge) => edge.node.hasFile).map((edge) => decodeGlobalID(edge.node.id).id);
    expect(files(adaView)).toEqual(["1a000000-0000-4000-8000-000000000001"]);
    expect(files(benView)).toEqual(["1b000000-0000-4000-8000-000000000001"]);
    expect(files(cleoView)).toEqual([]);
  });

  it("see their own templates and never an orphan", async () => {
    expect(rawIds(adaView.templates.edges)).toEqual(["3a000000-0000-4000-8000-000000000001"]);
    expect(rawIds(cleoView.templates.edges)).toEqual(["3c000000-0000-4000-8000-000000000001"]);
    for (const person of [ada, ben, cleo]) {
      const { body } = await signIn(person);
      const visible = rawIds(body.data!.templates.edges);
      for (const orphan of ORPHANS) expect(visible).not.toContain(orphan);
      expect(body.data!.templates.edges.every((edge) => !edge.node.isSystem)).toBe(true);
    }
  });

  it("are linked once each, by the rule Clerk vouched with, and the link is recorded", async () => {
    const links = await asService((sql) => sql<{ userId: string; clerkUserId: string; legacyAuthId: string; rule: string }[]>`
      select user_id, clerk_user_id, legacy_auth_id, rule from user_account_links order by user_id`);
    expect(links).toEqual([
      { userId: ada.id, clerkUserId: ada.clerkUserId, legacyAuthId: ada.legacyAuthId, rule: "external_id_auth_id" },
      { userId: ben.id, clerkUserId: ben.clerkUserId, legacyAuthId: ben.legacyAuthId, rule: "verified_email" },
      { userId: cleo.id, clerkUserId: cleo.clerkUserId, legacyAuthId: cleo.legacyAuthId, rule: "external_id_user_id" },
    ]);
    const [users] = await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from users`);
    expect(users!.count).toBe(5);
  });

  it("with an unverified email: CONFLICT saying to verify it, and Eve's row stays as it was", async () => {
    const { body } = await signIn(eve);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: "CONFLICT", reason: "email-not-verified", email: eve.email }, message: expect.stringContaining(`verify ${eve.email} in your Clerk account`) });
    expect(body.errors?.[0]?.message).not.toMatch(/delet/i);
    const [row] = await asService((sql) => sql<{ authId: string }[]>`select auth_id from users where id = ${eve.id}`);
    expect(row!.authId).toBe(eve.legacyAuthId);
  });

  it("leaves a user who has not signed in untouched", async () => {
    const [row] = await asService((sql) => sql<{ authId: string }[]>`select auth_id from users where id = ${dan.id}`);
    expect(row!.authId).toBe(dan.legacyAuthId);
  });
});

// ---------------------------------------------------------------------
// What no API role can read
// ---------------------------------------------------------------------

describe("after the cut-over, through the API roles", () => {
  const signedIn: DbIdentity = { clerkUserId: ada.clerkUserId, email: ada.email };
  const stranger: DbIdentity = { clerkUserId: "user_2NobodyAtAll" };

  it("the retired password values are unreadable by anon and authenticated, and still stored", async () => {
    for (const identity of [null, signedIn, stranger]) {
      for (const query of ["select password from users", "select * from users", "select to_jsonb(u) from users u"]) {
        await expect(withUser(identity, (sql) => sql.unsafe(query)), `${query} as ${identity?.clerkUserId ?? "anon"}`).rejects.toThrow(
          /permission denied for table users/,
        );
      }
    }
    const stored = await asService((sql) => sql<{ password: string }[]>`select password from users where password like '$2a$10$%'`);
    expect(stored).toHaveLength(5);
  });

  it("the orphaned templates are invisible to every signed-in user and closed to anonymous", async () => {
    for (const identity of [signedIn, stranger, { clerkUserId: ben.clerkUserId }, { clerkUserId: dan.legacyAuthId }]) {
      const rows = await withUser(identity, (sql) => sql`select id from templates where user_id is null or orphaned_at is not null`);
      expect(rows).toEqual([]);
    }
    await expect(withUser(null, (sql) => sql`select id from templates`)).rejects.toThrow(/permission denied for table templates/);
  });

  it("a legacy Supabase Auth id in a token's sub reaches nothing", async () => {
    const legacy: DbIdentity = { clerkUserId: dan.legacyAuthId };
    expect(await withUser(legacy, (sql) => sql`select id from users`)).toEqual([]);
    expect(await withUser(legacy, (sql) => sql`select id from generations`)).toEqual([]);
    expect(await withUser(legacy, (sql) => sql`select name from storage.objects`)).toEqual([]);
  });
});
