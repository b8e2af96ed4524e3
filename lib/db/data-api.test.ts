/**
 * The database defends itself against the Data API. Supabase's PostgREST
 * accepts a signed-in person's Clerk token and runs the SQL its URL
 * describes as `authenticated`, with the token's claims in
 * request.jwt.claims. These tests connect exactly that way (a raw
 * connection, set role + claims in one transaction, as PostgREST does),
 * try every write a person could send, and assert the exact refusal of
 * each; then show that the legitimate writes still work.
 *
 * Only public is exposed (supabase/config.toml), so a person reaches private
 * and storage only through policies, our functions and Supabase Storage;
 * they are tried here anyway, as the direct SQL our own resolvers could send.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateBrandOf } from "@/lib/brand/template-brand";
import { asService, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { FAMILIES } from "@/lib/render/fonts";
import { GENERATIONS_BUCKET, generationObjectPath } from "@/lib/storage/types";
import { openUploadWindow } from "@/lib/storage/upload-window";
import { seedGeneration, seedTemplate, seedUser, type SeededUser } from "@/test/support";

const raw = postgres(getEnv().databaseUrl!, { max: 2, prepare: false, onnotice: () => {} });
afterAll(() => raw.end({ timeout: 5 }));

/** A Clerk session token's claims, with the `role` claim Supabase's third-party auth requires. */
function clerkClaims(user: SeededUser | null): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  if (!user) return { role: "anon" };
  return {
    iss: "https://clerk.postora.test",
    sub: user.clerkUserId,
    azp: "http://localhost:3000",
    sid: `sess_${randomUUID().replace(/-/g, "")}`,
    iat: now,
    nbf: now - 5,
    exp: now + 60,
    v: 2,
    role: "authenticated",
    email: user.email,
  };
}

/** One Data API request: a transaction as the token's role with its claims, as PostgREST runs it. */
function dataApi<T>(user: SeededUser | null, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const claims = clerkClaims(user);
  return raw.begin(async (sql) => {
    await sql`select set_config('role', ${String(claims.role)}, true),
                     set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                     set_config('request.method', 'POST', true)`;
    return fn(sql as unknown as Sql);
  }) as Promise<T>;
}

/** The refusal a request gets: SQLSTATE and message, exactly. */
async function refusal(request: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await request;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error("expected the database to refuse this request, and it ran");
}

const denied = (what: string) => ({ code: "42501", message: `permission denied for ${what}` });
const urlGone = (name: string, what: string) => `${name}: this upload URL ${what}: ask for a new one (createGenerationUploadUrl).`;
const rlsViolation = (table: string) => ({ code: "42501", message: `new row violates row-level security policy for table "${table}"` });

let alice: SeededUser;
let bob: SeededUser;
let aliceQueued: string;
let aliceFailed: string;
let aliceDeleted: string;
let bobGeneration: string;
let aliceTemplate: string;
let bobTemplate: string;
let systemTemplate: string;

beforeAll(async () => {
  alice = await seedUser();
  bob = await seedUser();
  aliceQueued = await seedGeneration(alice.id);
  aliceFailed = await seedGeneration(alice.id, { status: "failed" });
  aliceDeleted = await seedGeneration(alice.id, { deletedAt: new Date() });
  bobGeneration = await seedGeneration(bob.id);
  aliceTemplate = await seedTemplate(alice.id, "Alice's");
  bobTemplate = await seedTemplate(bob.id, "Bob's");
  systemTemplate = await seedTemplate(null, "System");
  await asService(async (sql) => {
    await sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date)
              values (${alice.id}, 'sub_alice', 'pro', 'active', now(), now() + interval '30 days')`;
    await sql`insert into webhook_events (type, payload, provider, event_id) values ('user.created', '{}', 'clerk', ${`msg_${randomUUID()}`})`;
  });
});

const generationRow = (id: string) =>
  asService(async (sql) => (await sql<{ status: string; userId: string; deletedAt: Date | null }[]>`
    select status, user_id, deleted_at from generations where id = ${id}`)[0]);

describe("what a signed-in person cannot do through the Data API", () => {
  it.each(["generations", "templates", "users", "subscriptions", "webhook_events", "clerk_deleted_users", "brand_kits"])(
    "truncate %s",
    async (table) => {
      expect(await refusal(dataApi(alice, (sql) => sql.unsafe(`truncate ${table}`)))).toEqual(denied(`table ${table}`));
    },
  );

  it("truncate several tables at once, or cascade", async () => {
    expect(await refusal(dataApi(alice, (sql) => sql`truncate templates, generations`))).toEqual(denied("table templates"));
    expect(await refusal(dataApi(alice, (sql) => sql`truncate users cascade`))).toEqual(denied("table users"));
  });

  it("hard-delete a generation, even their own (soft delete is the rule)", async () => {
    expect(await refusal(dataApi(alice, (sql) => sql`delete from generations where id = ${aliceQueued}`))).toEqual(denied("table generations"));
    expect(await refusal(dataApi(alice, (sql) => sql`delete from generations`))).toEqual(denied("table generations"));
    expect(await generationRow(aliceQueued)).toMatchObject({ deletedAt: null });
  });

  it("skip the pipeline: any status move but failed -> queued", async () => {
    for (const status of ["processing", "completed", "failed"]) {
      expect(await refusal(dataApi(alice, (sql) => sql`update generations set status = ${status} where id = ${aliceQueued}`))).toEqual({
        code: "42501",
        message: `A generation's status is set by the pipeline: you may only retry a failed one (failed -> queued), not move queued -> ${status}.`,
      });
    }
    expect(await refusal(dataApi(alice, (sql) => sql`update generations set status = 'completed' where id = ${aliceFailed}`))).toEqual({
      code: "42501",
      message: "A generation's status is set by the pipeline: you may only retry a failed one (failed -> queued), not move failed -> completed.",
    });
    expect(await generationRow(aliceQueued)).toMatchObject({ status: "queued" });
  });

  it("insert a generation that is not queued, or with the database's own columns", async () => {
    expect(
      await refusal(dataApi(alice, (sql) => sql`
        insert into generations (user_id, input_content, output_format, status) values (${alice.id}, 'x', 'carousel', 'completed')`)),
    ).toEqual({ code: "42501", message: "A new generation starts queued; completed is set by the pipeline." });
    for (const column of ["id", "created_at", "deleted_at", "bullet_points", "canva_design_id"]) {
      const value = column === "id" ? randomUUID() : column === "bullet_points" ? "[]" : column === "canva_design_id" ? "DAF_x" : new Date().toISOString();
      expect(
        await refusal(dataApi(alice, (sql) => sql.unsafe(
          `insert into generations (user_id, input_content, output_format, ${column}) values ($1, 'x', 'carousel', $2)`, [alice.id, value]))),
      ).toEqual(denied("table generations"));
    }
  });

  it("insert a generation for another user, or with another user's template", async () => {
    expect(
      await refusal(dataApi(alice, (sql) => sql`insert into generations (user_id, input_content, output_format) values (${bob.id}, 'x', 'carousel')`)),
    ).toEqual(rlsViolation("generations"));
    expect(
      await refusal(dataApi(alice, (sql) => sql`
        insert into generations (user_id, input_content, output_format, template_id) values (${alice.id}, 'x', 'carousel', ${bobTemplate})`)),
    ).toEqual({
      code: "23503",
      message: `template ${bobTemplate} is not available to this generation's owner: use a system template or one of your own`,
    });
  });

  it("change who owns a generation, when it was made, its id, or undelete it", async () => {
    const attempts = [
      sqlText`update generations set user_id = '${bob.id}' where id = '${aliceQueued}'`,
      sqlText`update generations set created_at = now() - interval '1 year' where id = '${aliceQueued}'`,
      sqlText`update generations set id = gen_random_uuid() where id = '${aliceQueued}'`,
      sqlText`update generations set deleted_at = null where id = '${aliceDeleted}'`,
      sqlText`update generations set deleted_at = now() where id = '${aliceQueued}'`,
      sqlText`update generations set input_content = 'rewritten', output_format = 'carousel' where id = '${aliceQueued}'`,
      sqlText`update generations set template_id = '${systemTemplate}' where id = '${aliceQueued}'`,
    ];
    for (const statement of attempts) {
      expect(await refusal(dataApi(alice, (sql) => sql.unsafe(statement)))).toEqual(denied("table generations"));
    }
    expect(await generationRow(aliceQueued)).toEqual({ status: "queued", userId: alice.id, deletedAt: null });
  });

  it("another user's generation: invisible, so nothing to change", async () => {
    const result = await dataApi(alice, (sql) => sql`update generations set bullet_points = '["x"]' where id = ${bobGeneration}`);
    expect(result.count).toBe(0);
    const [softDeleted] = await dataApi(alice, (sql) => sql<{ id: string | null }[]>`select private.soft_delete_generation(${bobGeneration}) as id`);
    expect(softDeleted?.id).toBeNull();
    expect(await generationRow(bobGeneration)).toMatchObject({ deletedAt: null });
  });

  it("write sequences: setval, nextval", async () => {
    expect(await refusal(dataApi(alice, (sql) => sql`select setval('webhook_events_id_seq', 1)`))).toEqual(denied("sequence webhook_events_id_seq"));
    expect(await refusal(dataApi(alice, (sql) => sql`select setval('subscriptions_id_seq', 1)`))).toEqual(denied("sequence subscriptions_id_seq"));
    expect(await refusal(dataApi(alice, (sql) => sql`select nextval('webhook_events_id_seq')`))).toEqual(denied("sequence webhook_events_id_seq"));
    expect(await refusal(dataApi(alice, (sql) => sql`alter sequence webhook_events_id_seq restart`))).toEqual({
      code: "42501",
      message: "must be owner of sequence webhook_events_id_seq",
    });
  });

  it("write another user's template, a system template, or a template for someone else", async () => {
    for (const id of [bobTemplate, systemTemplate]) {
      expect((await dataApi(alice, (sql) => sql`update templates set name = 'Mine now' where id = ${id}`)).count).toBe(0);
      expect((await dataApi(alice, (sql) => sql`delete from templates where id = ${id}`)).count).toBe(0);
    }
    expect(
      await refusal(dataApi(alice, (sql) => sql`insert into templates (user_id, name, type, content) values (${bob.id}, 'x', 'carousel', '{}')`)),
    ).toEqual(rlsViolation("templates"));
    expect(
      await refusal(dataApi(alice, (sql) => sql`insert into templates (user_id, name, type, content) values (null, 'System?', 'carousel', '{}')`)),
    ).toEqual(rlsViolation("templates"));
    const [bobs] = await asService((sql) => sql<{ name: string }[]>`select name from templates where id = ${bobTemplate}`);
    expect(bobs?.name).toBe("Bob's");
  });

  it("change a template's owner, type, id or creation time", async () => {
    for (const set of [`user_id = '${bob.id}'`, "user_id = null", "type = 'carousel'", "id = gen_random_uuid()", "created_at = now()"]) {
      expect(await refusal(dataApi(alice, (sql) => sql.unsafe(`update templates set ${set} where id = $1`, [aliceTemplate])))).toEqual(denied("table templates"));
    }
    expect(
      await refusal(dataApi(alice, (sql) => sql`insert into templates (id, user_id, name, type, content) values (${randomUUID()}, ${alice.id}, 'x', 'carousel', '{}')`)),
    ).toEqual(denied("table templates"));
  });

  it("write users: their tier, their own row, a new row, the retired password", async () => {
    const attempts = [
      sqlText`update users set tier = 'business' where id = '${alice.id}'`,
      sqlText`update users set auth_id = '${bob.clerkUserId}x' where id = '${alice.id}'`,
      sqlText`insert into users (auth_id, email) values ('user_2forged', 'forged@example.com')`,
      sqlText`delete from users where id = '${alice.id}'`,
      sqlText`select password from users`,
    ];
    for (const statement of attempts) {
      expect(await refusal(dataApi(alice, (sql) => sql.unsafe(statement)))).toEqual(denied("table users"));
    }
    const [row] = await asService((sql) => sql<{ tier: string }[]>`select tier from users where id = ${alice.id}`);
    expect(row?.tier).toBe("free");
  });

  it("write subscriptions, webhook_events, clerk_deleted_users", async () => {
    const attempts: [string, string][] = [
      [sqlText`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date) values ('${alice.id}', 'sub_free', 'business', 'active', now(), now() + interval '1 year')`, "subscriptions"],
      [sqlText`update subscriptions set plan = 'business', end_date = 'infinity' where user_id = '${alice.id}'`, "subscriptions"],
      [sqlText`delete from subscriptions where user_id = '${alice.id}'`, "subscriptions"],
      ["insert into webhook_events (type, payload) values ('forged', '{}')", "webhook_events"],
      ["update webhook_events set processed = true", "webhook_events"],
      ["delete from webhook_events", "webhook_events"],
      ["select id from webhook_events", "webhook_events"],
      ["insert into clerk_deleted_users (auth_id) values ('user_2someoneelse')", "clerk_deleted_users"],
      ["delete from clerk_deleted_users", "clerk_deleted_users"],
    ];
    for (const [statement, table] of attempts) {
      expect(await refusal(dataApi(alice, (sql) => sql.unsafe(statement)))).toEqual(denied(`table ${table}`));
    }
  });

  it("write API keys (another user's, revocation, the secret), account links, quota and rate-limit counters, or the job queue", async () => {
    const hash = (byte: string) => `'\\x${byte.repeat(32)}'`;
    await asService((sql) => sql.unsafe(`insert into api_keys (user_id, name, scopes, secret_hash) values ('${bob.id}', 'Bob''s key', '{read}', ${hash("ab")})`));
    const [bobKey] = await asService((sql) => sql<{ id: string }[]>`select id from api_keys where user_id = ${bob.id}`);
    const attempts: [string, { code: string; message: string }][] = [
      [`insert into api_keys (user_id, name, scopes, secret_hash) values ('${bob.id}', 'mine now', '{read,write}', ${hash("cd")})`, rlsViolation("api_keys")],
      [`insert into api_keys (id, user_id, name, scopes, secret_hash) values ('apikey_${"0".repeat(32)}', '${alice.id}', 'x', '{read}', ${hash("ef")})`, denied("table api_keys")],
      [`update api_keys set revoked_at = null`, denied("table api_keys")],
      [`update api_keys set scopes = '{read,write}'`, denied("table api_keys")],
      [`delete from api_keys`, denied("table api_keys")],
      [`truncate api_keys`, denied("table api_keys")],
      [`select secret_hash from api_keys`, denied("table api_keys")],
      [`insert into user_account_links (user_id, clerk_user_id, legacy_auth_id, rule, matched_value) values ('${bob.id}', '${alice.clerkUserId}', 'x', 'verified_email', 'x')`, denied("table user_account_links")],
      [`delete from user_account_links`, denied("table user_account_links")],
      [`update private.generation_counts set used = 0`, denied("table generation_counts")],
      [`delete from private.generation_counts`, denied("table generation_counts")],
      [`delete from private.rate_limit_counters`, denied("table rate_limit_counters")],
      // Resetting or inflating anyone's count (the limits are the caller's arguments) is the server's alone.
      [`select * from private.count_request('user:${alice.id}', 1000000, 1000000, 1000000)`, denied("function count_request")],
      // Opening a request's RLS context is the server's: a person's SQL already runs in one.
      [`select private.enter_request('authenticated', '{"sub":"${bob.clerkUserId}"}', 1000, 1000)`, denied("function enter_request")],
      [`delete from private.worker_heartbeats`, denied("table worker_heartbeats")],
      // Canva: the tokens, the connect attempts and the sends are the service path's alone; the design id is a send's to set.
      [`select access_token, refresh_token from private.canva_accounts`, denied("table canva_accounts")],
      [`update private.canva_accounts set status = 'connected'`, denied("table canva_accounts")],
      [`select code_verifier from private.canva_authorizations`, denied("table canva_authorizations")],
      [`insert into private.canva_authorizations (state_hash, user_id, code_verifier, expires_at) values ('x', '${alice.id}', 'enc:v1:x', 'infinity')`, denied("table canva_authorizations")],
      [`select refresh_token from private.canva_revocations`, denied("table canva_revocations")],
      [`delete from private.canva_revocations`, denied("table canva_revocations")],
      [`select * from private.canva_sends`, denied("table canva_sends")],
      [`update private.canva_sends set status = 'ready'`, denied("table canva_sends")],
      [`update generations set canva_design_id = 'DAF_x' where id = '${aliceQueued}'`, denied("table generations")],
      [`select private.owe_canva_revocation()`, denied("function owe_canva_revocation")],
      [`select * from graphile_worker.jobs`, denied("schema graphile_worker")],
      [`select graphile_worker.add_job('generate_post', '{}')`, denied("schema graphile_worker")],
    ];
    for (const [statement, expected] of attempts) {
      expect(await refusal(dataApi(alice, (sql) => sql.unsafe(statement))), statement).toEqual(expected);
    }
    // Revoking someone else's key by name changes nothing.
    await dataApi(alice, (sql) => sql`select private.revoke_api_key(${bobKey!.id})`);
    const [after] = await asService((sql) => sql<{ revokedAt: Date | null; scopes: string[] }[]>`select revoked_at, scopes from api_keys where id = ${bobKey!.id}`);
    expect(after).toEqual({ revokedAt: null, scopes: ["read"] });
    await asService((sql) => sql`delete from api_keys where id = ${bobKey!.id}`);
  });

  it("store a file in another user's folder, for a deleted generation, under another name, or twice through one URL", async () => {
    const bobsPath = generationObjectPath(bob.id, bobGeneration);
    const insert = (name: string) => dataApi(alice, (sql) => sql`insert into storage.objects (bucket_id, name) values (${GENERATIONS_BUCKET}, ${name})`);
    // No URL was signed for it: the database has no open window.
    expect(await refusal(insert(bobsPath))).toEqual({ code: "42501", message: urlGone(bobsPath, "has expired or was already used") });
    // Even while Bob's own upload window is open, his folder is not Alice's.
    await openUploadWindow(GENERATIONS_BUCKET, bobsPath, new Date(Date.now() + 60_000));
    expect(await refusal(insert(bobsPath))).toEqual(rlsViolation("objects"));

    const deletedPath = generationObjectPath(alice.id, aliceDeleted);
    await openUploadWindow(GENERATIONS_BUCKET, deletedPath, new Date(Date.now() + 60_000));
    expect(await refusal(insert(deletedPath))).toEqual({
      code: "42501",
      message: `Nothing live owns ${deletedPath}: it was deleted (or its user was), so its file cannot be stored.`,
    });
    for (const name of [`${alice.id}/avatar.png`, `${alice.id}/generation-${aliceQueued}.png.exe`, `${alice.id}/sub/generation-${aliceQueued}.png`]) {
      expect(await refusal(insert(name))).toEqual({
        code: "42501",
        message: `postora-generations holds only <users.id>/brand-logo, <users.id>/generation-<generations.id>.png, <users.id>/generation-<generations.id>.pdf, <users.id>/generation-<generations.id>-slide-<n>.png files, not ${name}.`,
      });
    }
    const ownPath = generationObjectPath(alice.id, aliceQueued);
    const expired = new Date(Date.now() - 1000);
    await openUploadWindow(GENERATIONS_BUCKET, ownPath, expired);
    expect(await refusal(insert(ownPath))).toEqual({ code: "42501", message: urlGone(ownPath, "has expired") });
    // A slide is written by Postora alone, whatever window is open.
    const slide = `${alice.id}/generation-${aliceQueued}-slide-2.png`;
    await openUploadWindow(GENERATIONS_BUCKET, slide, new Date(Date.now() + 60_000));
    expect(await refusal(insert(slide))).toEqual({
      code: "42501",
      message: `Only Postora writes <users.id>/generation-<generations.id>-slide-<n>.png files (${slide}).`,
    });

    await openUploadWindow(GENERATIONS_BUCKET, ownPath, new Date(Date.now() + 60_000));
    expect((await insert(ownPath)).count).toBe(1);
    const again = dataApi(alice, (sql) => sql`
      insert into storage.objects (bucket_id, name) values (${GENERATIONS_BUCKET}, ${ownPath})
      on conflict (bucket_id, name) do update set version = 'overwritten'`);
    expect(await refusal(again)).toEqual({ code: "42501", message: urlGone(ownPath, "was already used") });

    // A stored object is not a person's to change with their own token: no policy lets them update it.
    for (const set of ["bucket_id = 'elsewhere'", `owner_id = '${bob.clerkUserId}'`, `owner = '${randomUUID()}'`, "version = 'mine'"]) {
      expect((await dataApi(alice, (sql) => sql.unsafe(`update storage.objects set ${set} where name = $1`, [ownPath]))).count).toBe(0);
    }
    expect(await refusal(dataApi(alice, (sql) => sql`insert into storage.buckets (id, name, public) values ('open', 'open', true)`))).toEqual(
      rlsViolation("buckets"),
    );
  });

  it("call the database's own functions", async () => {
    for (const fn of ["guard_generation_write", "guard_template_update", "guard_generation_file_write", "guard_person_object_update"]) {
      expect(await refusal(dataApi(alice, (sql) => sql.unsafe(`select private.${fn}()`)))).toEqual(denied(`function ${fn}`));
    }
    expect(await refusal(dataApi(alice, (sql) => sql`select * from private.storage_upload_windows`))).toEqual(denied("table storage_upload_windows"));
    expect(
      await refusal(dataApi(alice, (sql) => sql`insert into private.storage_upload_windows (bucket_id, name, expires_at) values ('postora-generations', 'x', 'infinity')`)),
    ).toEqual(denied("table storage_upload_windows"));
  });

  it("anonymous: nothing at all", async () => {
    for (const table of ["generations", "templates", "users", "subscriptions"]) {
      expect(await refusal(dataApi(null, (sql) => sql.unsafe(`select * from ${table}`)))).toEqual(denied(`table ${table}`));
    }
    expect(
      await refusal(dataApi(null, (sql) => sql`insert into generations (user_id, input_content, output_format) values (${alice.id}, 'x', 'carousel')`)),
    ).toEqual(denied("table generations"));
    expect(await refusal(dataApi(null, (sql) => sql`select private.soft_delete_generation(${aliceQueued})`))).toEqual(denied("schema private"));
  });
});

describe("what a signed-in person can still do", () => {
  it("create a generation (queued), edit its results, retry a failed one, soft-delete one", async () => {
    const [created] = await dataApi(alice, (sql) => sql<{ id: string; status: string }[]>`
      insert into generations (user_id, input_content, output_format, template_id)
      values ((select private.requesting_user_id()), 'Raw text', 'carousel', ${systemTemplate}) returning id, status`);
    expect(created?.status).toBe("queued");
    const [explicit] = await dataApi(alice, (sql) => sql<{ status: string }[]>`
      insert into generations (user_id, input_content, output_format, status, template_id)
      values (${alice.id}, 'Raw text', 'bullet_points', 'queued', ${aliceTemplate}) returning status`);
    expect(explicit?.status).toBe("queued");

    const edited = await dataApi(alice, (sql) => sql`
      update generations set bullet_points = '["One"]' where id = ${created!.id}`);
    expect(edited.count).toBe(1);
    const retried = await dataApi(alice, (sql) => sql`update generations set status = 'queued' where id = ${aliceFailed}`);
    expect(retried.count).toBe(1);
    expect(await generationRow(aliceFailed)).toMatchObject({ status: "queued" });

    const [deleted] = await dataApi(alice, (sql) => sql<{ id: string }[]>`select private.soft_delete_generation(${created!.id}) as id`);
    expect(deleted?.id).toBe(created!.id);
    expect(await dataApi(alice, (sql) => sql`select id from generations where id = ${created!.id}`)).toEqual([]);
    expect((await generationRow(created!.id))?.deletedAt).toBeInstanceOf(Date);
    const [usage] = await dataApi(alice, (sql) => sql<{ count: number }[]>`
      select private.generations_created_between(now() - interval '1 hour', now() + interval '1 hour') as count`);
    expect(usage?.count).toBeGreaterThanOrEqual(2);
  });

  it("create, rename, edit and delete their own templates", async () => {
    const [template] = await dataApi(alice, (sql) => sql<{ id: string }[]>`
      insert into templates (user_id, name, type, content) values (${alice.id}, 'Draft', 'carousel', '{"slides": 2}') returning id`);
    const renamed = await dataApi(alice, (sql) => sql`update templates set name = 'Final', content = '{"slides": 3}' where id = ${template!.id}`);
    expect(renamed.count).toBe(1);
    const removed = await dataApi(alice, (sql) => sql`delete from templates where id = ${template!.id}`);
    expect(removed.count).toBe(1);
  });

  it("read their own account and subscription", async () => {
    const [me] = await dataApi(alice, (sql) => sql<{ id: string; tier: string }[]>`select id, tier from users`);
    expect(me).toEqual({ id: alice.id, tier: "free" });
    const subscriptions = await dataApi(alice, (sql) => sql<{ plan: string }[]>`select plan from subscriptions`);
    expect(subscriptions).toEqual([{ plan: "pro" }]);
  });

  it("the service path (the pipeline) moves a generation along; impossible moves are refused there too", async () => {
    const id = await seedGeneration(alice.id);
    for (const status of ["processing", "queued", "processing", "completed"]) {
      await asService((sql) => sql`update generations set status = ${status} where id = ${id}`);
    }
    expect(await refusal(asService((sql) => sql`update generations set status = 'queued' where id = ${id}`))).toEqual({
      code: "23514",
      message: "A generation cannot move completed -> queued.",
    });
    expect(await refusal(asService((sql) => sql`update generations set user_id = ${bob.id} where id = ${id}`))).toEqual({
      code: "42501",
      message: "A generation's id, user_id and created_at never change.",
    });
    expect(await refusal(asService((sql) => sql`update templates set user_id = ${bob.id} where id = ${aliceTemplate}`))).toEqual({
      code: "42501",
      message: "A template's id, user_id and created_at never change.",
    });
  });
});

describe("the privileges themselves", () => {
  const apiRoles = ["anon", "authenticated"];

  /** A statement as an API role, always rolled back: a TRUNCATE that got through must not wipe the test's data. */
  async function asRole(role: string, statement: string): Promise<{ code: string; message: string } | "ran"> {
    const rolledBack = new Error("rolled back");
    try {
      await raw.begin(async (sql) => {
        await sql`select set_config('role', ${role}, true)`;
        await sql.unsafe(statement);
        throw rolledBack;
      });
    } catch (error) {
      if (error === rolledBack) return "ran";
      return { code: (error as { code: string }).code, message: (error as Error).message };
    }
    return "ran";
  }

  it("refuse TRUNCATE on every table an API role can see, in any schema, storage's included", async () => {
    // Every table anon or authenticated holds any privilege on, table-wide or on a column.
    const tables = await asService((sql) => sql<{ table: string; schema: string }[]>`
      select format('%I.%I', n.nspname, c.relname) as table, n.nspname as schema
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
         and exists (select 1 from unnest(${apiRoles}::text[]) as r(role)
                      where has_table_privilege(r.role, c.oid, 'select,insert,update,delete,truncate,references,trigger')
                         or has_any_column_privilege(r.role, c.oid, 'select,insert,update,references'))
       order by 1`);
    const names = tables.map((row) => row.table);
    // The door test is only as good as its list: the tables people reach must be on it.
    expect(names).toEqual(expect.arrayContaining(["public.generations", "public.templates", "public.users", "storage.objects", "storage.buckets"]));
    for (const { table, schema } of tables) {
      // service_role keeps Supabase's grants on our own tables (it is the service key); storage's refuse it too.
      for (const role of schema === "storage" ? [...apiRoles, "service_role"] : apiRoles) {
        // CASCADE, so a foreign key (storage.objects on storage.buckets) cannot be what refuses it.
        const outcome = await asRole(role, `truncate ${table} cascade`);
        expect(outcome, `${role}: truncate ${table}`).not.toBe("ran");
        expect(outcome, `${role}: truncate ${table}`).toMatchObject({ code: "42501" });
      }
    }
    for (const table of ["objects", "buckets"]) {
      expect(await asRole("authenticated", `truncate storage.${table} cascade`)).toEqual({
        code: "42501",
        message: `permission denied for table ${table}: TRUNCATE is not allowed through the API; delete objects through Supabase Storage.`,
      });
    }
    // The database's owner (Supabase's postgres, our migrations) still may.
    const [owner] = await asService((sql) => sql<{ may: boolean }[]>`select has_table_privilege(current_user, 'storage.objects', 'truncate') as may`);
    expect(owner!.may).toBe(true);
  });

  it("let no API role, service_role included, read or write the retired users.password; service_role keeps the other columns", async () => {
    for (const role of [...apiRoles, "service_role"]) {
      const [column] = await asService((sql) => sql<{ any: boolean }[]>`
        select has_column_privilege(${role}, 'public.users', 'password', 'select') or has_column_privilege(${role}, 'public.users', 'password', 'insert')
            or has_column_privilege(${role}, 'public.users', 'password', 'update') or has_column_privilege(${role}, 'public.users', 'password', 'references') as any`);
      expect(column!.any, role).toBe(false);
      expect(await asRole(role, "select password from public.users"), role).toEqual(denied("table users"));
    }
    expect(await asRole("service_role", "select id, auth_id, email, tier, metadata from public.users")).toBe("ran");
    expect(await asRole("service_role", `update public.users set last_login = now() where id = '${alice.id}'`)).toBe("ran");
  });

  it("grant no API role TRUNCATE, REFERENCES or TRIGGER on any table, nor anything on any sequence, in public or private", async () => {
    const rows = await asService((sql) => sql<{ object: string; grantee: string; privilege: string }[]>`
      select c.oid::regclass::text as object, acl.grantee::regrole::text as grantee, acl.privilege_type as privilege
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) acl
       where n.nspname in ('public', 'private')
         and acl.grantee in (select oid from pg_roles where rolname = any(${apiRoles}))
         and (c.relkind = 'S' or acl.privilege_type in ('TRUNCATE', 'REFERENCES', 'TRIGGER'))
       order by 1, 2, 3`);
    expect(rows).toEqual([]);
  });

  it("give anon nothing on any table, and authenticated no table-wide INSERT or UPDATE (columns only)", async () => {
    const rows = await asService((sql) => sql<{ object: string; grantee: string; privilege: string }[]>`
      select c.oid::regclass::text as object, acl.grantee::regrole::text as grantee, acl.privilege_type as privilege
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        cross join lateral aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) acl
       where n.nspname in ('public', 'private') and c.relkind in ('r', 'p', 'v', 'm')
         and ((acl.grantee = 'anon'::regrole) or (acl.grantee = 'authenticated'::regrole and acl.privilege_type in ('INSERT', 'UPDATE')))
       order by 1, 2, 3`);
    expect(rows).toEqual([]);
  });

  it("keep row-level security on for every table in public and private", async () => {
    const rows = await asService((sql) => sql<{ table: string }[]>`
      select c.oid::regclass::text as table from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'private') and c.relkind in ('r', 'p') and not c.relrowsecurity`);
    expect(rows).toEqual([]);
  });

  it("let PUBLIC and anon execute no function in public or private", async () => {
    const rows = await asService((sql) => sql<{ fn: string; grantee: string }[]>`
      select p.oid::regprocedure::text as fn, coalesce(acl.grantee::regrole::text, 'PUBLIC') as grantee
        from pg_proc p
        join pg_namespace n on n.oid = p.pronamespace
        cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) acl
       where n.nspname in ('public', 'private')
         and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
         and (acl.grantee = 0 or acl.grantee = 'anon'::regrole)
       order by 1`);
    expect(rows).toEqual([]);
  });

  it("start a table, sequence or function a later migration creates with nothing for anon or authenticated", async () => {
    const probe = `probe_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    try {
      await asService((sql) => sql.unsafe(`
        create table public.${probe} (id bigserial primary key);
        create function public.${probe}_fn() returns int language sql as 'select 1';`));
      const [privileges] = await asService((sql) => sql<Record<string, boolean>[]>`
        select has_table_privilege('authenticated', ${`public.${probe}`}, 'select,insert,update,delete,truncate,references,trigger') as authenticated_table,
               has_table_privilege('anon', ${`public.${probe}`}, 'select,insert,update,delete,truncate,references,trigger') as anon_table,
               has_sequence_privilege('authenticated', ${`public.${probe}_id_seq`}, 'usage,select,update') as authenticated_sequence,
               has_sequence_privilege('anon', ${`public.${probe}_id_seq`}, 'usage,select,update') as anon_sequence,
               has_table_privilege('service_role', ${`public.${probe}`}, 'select,insert,update,delete') as service_role_table,
               exists (select 1 from pg_proc p, aclexplode(p.proacl) acl
                        where p.oid = ${`public.${probe}_fn()`}::regprocedure
                          and acl.grantee in ('anon'::regrole, 'authenticated'::regrole)) as api_roles_function`);
      expect(privileges).toEqual({
        authenticatedTable: false,
        anonTable: false,
        authenticatedSequence: false,
        anonSequence: false,
        // Supabase's service_role keeps its default grants.
        serviceRoleTable: true,
        apiRolesFunction: false,
      });
    } finally {
      await asService((sql) => sql.unsafe(`drop table if exists public.${probe}; drop function if exists public.${probe}_fn();`));
    }
  });
});

/** A statement with values interpolated as literals, for statements sent as text (all values here are ids we made). */
function sqlText(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((text, part, index) => text + part + (index < values.length ? values[index]!.replace(/'/g, "''") : ""), "");
}

describe("outbound webhooks through the Data API", () => {
  let aliceEndpoint: string;
  let aliceDelivery: string;
  beforeAll(async () => {
    aliceEndpoint = randomUUID();
    await asService((sql) => sql`
      insert into webhook_endpoints (id, user_id, url, events, secret_sealed)
      values (${aliceEndpoint}, ${alice.id}, 'https://hooks.example.com/alice', '{generation.completed}', 'enc:v1:k:iv:ct:tag')`);
    const [row] = await dataApi(alice, (sql) => sql<{ id: string }[]>`select private.send_test_webhook(${aliceEndpoint}) as id`);
    aliceDelivery = row!.id;
  });

  it("never lets anyone read a sealed signing secret, not even its owner", async () => {
    expect(await refusal(dataApi(alice, (sql) => sql`select secret_sealed from webhook_endpoints`))).toEqual(denied("table webhook_endpoints"));
    expect(await refusal(dataApi(alice, (sql) => sql`select * from webhook_endpoints`))).toEqual(denied("table webhook_endpoints"));
    expect(await dataApi(alice, (sql) => sql`select id, url from webhook_endpoints`)).toEqual([{ id: aliceEndpoint, url: "https://hooks.example.com/alice" }]);
    // The secret before a rotation neither: only when it stops signing is readable, and only the rotation writes it.
    expect(await refusal(dataApi(alice, (sql) => sql`select previous_secret_sealed from webhook_endpoints`))).toEqual(denied("table webhook_endpoints"));
    expect(await dataApi(alice, (sql) => sql`select previous_secret_expires_at from webhook_endpoints`)).toEqual([{ previous_secret_expires_at: null }]);
    expect(
      await refusal(dataApi(alice, (sql) => sql`update webhook_endpoints set previous_secret_sealed = 'enc:v1:x', previous_secret_expires_at = now() + interval '1 year'`)),
    ).toEqual(denied("table webhook_endpoints"));
  });

  it("hides a person's endpoints, messages, deliveries and attempts from everyone else, and lets them change nothing of them", async () => {
    for (const table of ["webhook_endpoints", "webhook_messages", "webhook_deliveries", "webhook_attempts"]) {
      expect(await dataApi(bob, (sql) => sql.unsafe(`select id from ${table}`)), table).toEqual([]);
      expect(await refusal(dataApi(null, (sql) => sql.unsafe(`select id from ${table}`)))).toEqual(denied(`table ${table}`));
    }
    expect(await dataApi(bob, (sql) => sql`update webhook_endpoints set url = 'https://evil.example.com/' where id = ${aliceEndpoint} returning id`)).toEqual([]);
    expect(await dataApi(bob, (sql) => sql`delete from webhook_endpoints where id = ${aliceEndpoint} returning id`)).toEqual([]);
    expect(await dataApi(bob, (sql) => sql`select private.send_test_webhook(${aliceEndpoint}) as id`)).toEqual([{ id: null }]);
    expect(await dataApi(bob, (sql) => sql`select private.redeliver_webhook(${aliceDelivery}) as id`)).toEqual([{ id: null }]);
    expect(await dataApi(bob, (sql) => sql`select private.rotate_webhook_secret(${aliceEndpoint}, 'enc:v1:bob', 24) as rotated`)).toEqual([{ rotated: false }]);
    const [endpoint] = await asService((sql) => sql<{ url: string; secretSealed: string; previousSecretSealed: string | null }[]>`
      select url, secret_sealed, previous_secret_sealed from webhook_endpoints where id = ${aliceEndpoint}`);
    expect(endpoint).toEqual({ url: "https://hooks.example.com/alice", secretSealed: "enc:v1:k:iv:ct:tag", previousSecretSealed: null });
    const deliveries = await asService((sql) => sql`select id from webhook_deliveries where endpoint_id = ${aliceEndpoint}`);
    expect(deliveries).toHaveLength(1);
  });

  it("refuses an endpoint for someone else, a change of owner, and any write to messages, deliveries or attempts", async () => {
    expect(
      await refusal(dataApi(alice, (sql) => sql`
        insert into webhook_endpoints (user_id, url, events, secret_sealed) values (${bob.id}, 'https://x.example.com/', '{generation.failed}', 'enc:v1:a')`)),
    ).toEqual(rlsViolation("webhook_endpoints"));
    expect(await refusal(dataApi(alice, (sql) => sql`update webhook_endpoints set user_id = ${bob.id} where id = ${aliceEndpoint}`))).toEqual(denied("table webhook_endpoints"));
    expect(await refusal(dataApi(alice, (sql) => sql`update webhook_endpoints set last_success_at = now() where id = ${aliceEndpoint}`))).toEqual(denied("table webhook_endpoints"));
    expect(
      await refusal(dataApi(alice, (sql) => sql`insert into webhook_messages (id, user_id, type, payload) values (${`msg_${"0".repeat(32)}`}, ${alice.id}, 'webhook.test', '{}')`)),
    ).toEqual(denied("table webhook_messages"));
    expect(await refusal(dataApi(alice, (sql) => sql`update webhook_deliveries set status = 'succeeded'`))).toEqual(denied("table webhook_deliveries"));
    expect(await refusal(dataApi(alice, (sql) => sql`delete from webhook_attempts`))).toEqual(denied("table webhook_attempts"));
    expect(
      await refusal(dataApi(alice, (sql) => sql`select private.queue_webhook_message(${bob.id}, ${`msg_${"1".repeat(32)}`}, 'webhook.test', '{}'::jsonb)`)),
    ).toEqual(denied("function queue_webhook_message"));
    expect(await refusal(dataApi(alice, (sql) => sql`select private.generation_webhook_event()`))).toEqual(denied("function generation_webhook_event"));
  });

  it("lets the owner manage their endpoint and read its deliveries", async () => {
    expect(await dataApi(alice, (sql) => sql`select id, status from webhook_deliveries`)).toEqual([{ id: aliceDelivery, status: "pending" }]);
    expect(await dataApi(alice, (sql) => sql`update webhook_endpoints set events = '{generation.failed}' where id = ${aliceEndpoint} returning events`)).toEqual([
      { events: ["generation.failed"] },
    ]);
    expect(await dataApi(alice, (sql) => sql`select private.redeliver_webhook(${aliceDelivery}) as id`)).toEqual([{ id: aliceDelivery }]);
    expect(await dataApi(alice, (sql) => sql`delete from webhook_endpoints where id = ${aliceEndpoint} returning id`)).toEqual([{ id: aliceEndpoint }]);
  });
});

describe("brand kits through the Data API", () => {
  // The Data API's rows keep the database's column names (no camelCase, unlike our pool).
  const kitOf = (user: SeededUser) =>
    asService(async (sql) => (await sql<{ backgroundColor: string; textColor: string }[]>`select background_color, text_color from brand_kits where user_id = ${user.id}`)[0]);
  const insertKit = (as: SeededUser, owner: SeededUser, background = "#ffffff", accent = "#1d4ed8") =>
    dataApi(as, (sql) => sql`
      insert into brand_kits (user_id, display_name, background_color, accent_color) values (${owner.id}, 'Kit', ${background}, ${accent}) returning text_color`);

  it("lets a person set, change and delete their own kit; the database picks the text colour", async () => {
    expect(await insertKit(alice, alice)).toEqual([{ text_color: "#111111" }]);
    expect(await dataApi(alice, (sql) => sql`update brand_kits set background_color = '#0f172a', accent_color = '#38bdf8' returning text_color`)).toEqual([{ text_color: "#ffffff" }]);
    expect(await dataApi(alice, (sql) => sql`select display_name from brand_kits`)).toEqual([{ display_name: "Kit" }]);
    expect(await dataApi(alice, (sql) => sql`delete from brand_kits returning display_name`)).toEqual([{ display_name: "Kit" }]);
    expect(await kitOf(alice)).toBeUndefined();
  });

  it("refuses colours under WCAG's contrast floors, whoever writes them", async () => {
    expect(await refusal(insertKit(alice, alice, "#777777"))).toEqual({
      code: "23514",
      message: "backgroundColor #777777: neither white nor near-black text reaches 4.5:1 on it (WCAG AA); choose a lighter or darker background.",
    });
    expect(await refusal(insertKit(alice, alice, "#ffffff", "#eeeeee"))).toEqual({
      code: "23514",
      message: "accentColor #eeeeee: contrast 1.16:1 with the background #ffffff, under 3:1; choose an accent further from the background.",
    });
    expect(await kitOf(alice)).toBeUndefined();
  });

  it("hides a kit from everyone else and refuses a kit for someone else, a change of owner or a chosen text colour", async () => {
    await insertKit(alice, alice);
    expect(await dataApi(bob, (sql) => sql`select user_id from brand_kits`)).toEqual([]);
    expect(await dataApi(bob, (sql) => sql`update brand_kits set display_name = 'Bob was here' returning user_id`)).toEqual([]);
    expect(await dataApi(bob, (sql) => sql`delete from brand_kits returning user_id`)).toEqual([]);
    expect(await refusal(dataApi(null, (sql) => sql`select user_id from brand_kits`))).toEqual(denied("table brand_kits"));
    expect(await refusal(insertKit(bob, alice))).toEqual(rlsViolation("brand_kits"));
    expect(await refusal(dataApi(alice, (sql) => sql`update brand_kits set user_id = ${bob.id}`))).toEqual(denied("table brand_kits"));
    expect(await refusal(dataApi(alice, (sql) => sql`update brand_kits set text_color = '#111111'`))).toEqual(denied("table brand_kits"));
    expect(await refusal(dataApi(alice, (sql) => sql`select private.contrast_ratio('#ffffff', '#000000')`))).toEqual(denied("function contrast_ratio"));
    expect(await kitOf(alice)).toEqual({ backgroundColor: "#ffffff", textColor: "#111111" });
  });
});

describe("a template's brand override through the Data API", () => {
  const insertTemplate = (content: Record<string, unknown>) =>
    dataApi(alice, (sql) => sql`insert into templates (user_id, name, type, content) values (${alice.id}, 'Branded', 'carousel', ${sql.json(content as never)}) returning id`);
  const brandRefusal = (brand: unknown) => refusal(insertTemplate({ slides: 3, brand }));

  it("takes what the API takes: any bundled family, #rrggbb colours, or no brand at all", async () => {
    for (const fontFamily of Object.keys(FAMILIES)) {
      const brand = { backgroundColor: "#FEF3C7", accentColor: "#b45309", fontFamily };
      expect(templateBrandOf({ brand }).problems).toEqual([]);
      expect(await insertTemplate({ slides: 3, brand })).toHaveLength(1);
    }
    expect(await insertTemplate({ slides: 3, brand: null })).toHaveLength(1);
    expect(await insertTemplate({ slides: 3 })).toHaveLength(1);
  });

  it("refuses what the API refuses, naming the field", async () => {
    const check = (message: string) => ({ code: "23514", message });
    expect(await brandRefusal("acme")).toEqual(check("content.brand: must be an object holding backgroundColor, accentColor or fontFamily."));
    expect(await brandRefusal({ shadow: true, glow: 1 })).toEqual(check("content.brand: unknown key(s) glow, shadow; it may hold backgroundColor, accentColor and fontFamily."));
    expect(await brandRefusal({ backgroundColor: "red" })).toEqual(check("content.brand.backgroundColor: must be a #rrggbb colour."));
    expect(await brandRefusal({ accentColor: " #b45309" })).toEqual(check("content.brand.accentColor: must be a #rrggbb colour."));
    expect(await brandRefusal({ accentColor: null })).toEqual(check("content.brand.accentColor: must be a #rrggbb colour."));
    expect(await brandRefusal({ fontFamily: "comic" })).toEqual(check("content.brand.fontFamily: must be one of sans, serif, rounded, mono."));
    // The API's own check agrees on every one of these.
    for (const brand of ["acme", { shadow: true }, { backgroundColor: "red" }, { accentColor: " #b45309" }, { accentColor: null }, { fontFamily: "comic" }]) {
      expect(templateBrandOf({ brand }).problems).not.toEqual([]);
    }
  });

  it("leaves a row written before the rule renamable", async () => {
    const [legacy] = await asService((sql) => sql<{ id: string }[]>`
      insert into templates (user_id, name, type, content) values (${alice.id}, 'Old', 'carousel', '{"slides": 3}') returning id`);
    await asService((sql) => sql`alter table templates disable trigger templates_brand_shape`);
    try {
      await asService((sql) => sql`update templates set content = '{"slides": 3, "brand": "acme"}' where id = ${legacy!.id}`);
    } finally {
      await asService((sql) => sql`alter table templates enable trigger templates_brand_shape`);
    }
    expect(await dataApi(alice, (sql) => sql`update templates set name = 'Renamed' where id = ${legacy!.id} returning name`)).toEqual([{ name: "Renamed" }]);
  });
});
