/**
 * The row-level security policies as written, table by table: the owner sees
 * and changes only their rows, another user and anonymous see nothing, a
 * forged or missing claim sees nothing, and the service path sees all.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { asService, withUser, type DbIdentity } from "@/lib/db/client";
import { GENERATIONS_BUCKET } from "@/lib/storage/types";
import { openUploadWindow } from "@/lib/storage/upload-window";
import { seedGeneration, seedLegacyUser, seedTemplate, seedUser, type SeededUser } from "@/test/support";

let alice: SeededUser;
let bob: SeededUser;
let aliceGeneration: string;
let aliceDeletedGeneration: string;
let bobGeneration: string;
let systemTemplate: string;
let aliceTemplate: string;
let bobTemplate: string;

const forged: DbIdentity = { clerkUserId: "user_2doesnotexist" };
const emptyClaim: DbIdentity = { clerkUserId: "" };

beforeAll(async () => {
  alice = await seedUser();
  bob = await seedUser();
  aliceGeneration = await seedGeneration(alice.id);
  aliceDeletedGeneration = await seedGeneration(alice.id, { deletedAt: new Date() });
  bobGeneration = await seedGeneration(bob.id);
  systemTemplate = await seedTemplate(null, "System");
  aliceTemplate = await seedTemplate(alice.id, "Alice's");
  bobTemplate = await seedTemplate(bob.id, "Bob's");
  await asService(async (sql) => {
    for (const user of [alice, bob]) {
      await sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date)
                values (${user.id}, ${`sub_${user.id}`}, 'pro', 'active', now(), now() + interval '30 days')`;
    }
    await sql`insert into webhook_events (type, payload, provider, event_id) values ('user.created', '{}', 'clerk', 'msg_1')`;
  });
});

const ids = (rows: { id: string }[]) => rows.map((row) => row.id).sort();

describe("users", () => {
  it("lets a user read only their own row", async () => {
    const rows = await withUser(alice.identity, (sql) => sql<{ id: string }[]>`select id from users`);
    expect(ids(rows)).toEqual([alice.id]);
  });

  it("hides every row from anonymous, forged and empty claims", async () => {
    for (const identity of [null, forged, emptyClaim]) {
      const rows = await withUser(identity, (sql) => sql`select id from users`).catch((error: Error) => error);
      if (identity === null) expect((rows as Error).message).toMatch(/permission denied for table users/);
      else expect(rows).toEqual([]);
    }
  });

  it("never lets the API roles write users or read the retired password column", async () => {
    await expect(withUser(alice.identity, (sql) => sql`update users set tier = 'business' where id = ${alice.id}`)).rejects.toThrow(
      /permission denied for table users/,
    );
    await expect(withUser(alice.identity, (sql) => sql`insert into users (auth_id, email) values ('user_x', 'x@example.com')`)).rejects.toThrow(
      /permission denied for table users/,
    );
    await expect(withUser(alice.identity, (sql) => sql`select password from users`)).rejects.toThrow(/permission denied for table users/);
  });

  it("lets the service path see all", async () => {
    const rows = await asService((sql) => sql<{ id: string }[]>`select id from users where id in (${alice.id}, ${bob.id})`);
    expect(ids(rows)).toEqual([alice.id, bob.id].sort());
  });
});

describe("a legacy (Supabase Auth) user id as the JWT's sub", () => {
  it("opens nothing of the not-yet-linked row it names: not the row, its generations, templates or files", async () => {
    const legacy = await seedLegacyUser();
    const generation = await seedGeneration(legacy.id);
    await seedTemplate(legacy.id, "Legacy");
    const legacyFile = `${legacy.id}/generation-${generation}.png`;
    await openUploadWindow(GENERATIONS_BUCKET, legacyFile, new Date(Date.now() + 60_000));
    await asService((sql) => sql`insert into storage.objects (bucket_id, name) values (${GENERATIONS_BUCKET}, ${legacyFile})`);
    const asLegacy: DbIdentity = { clerkUserId: legacy.legacyAuthId };
    for (const query of ["select id from users", "select id from generations", "select id from templates where not is_system", "select name as id from storage.objects"]) {
      expect(await withUser(asLegacy, (sql) => sql.unsafe(query)), query).toEqual([]);
    }
    const [me] = await withUser(asLegacy, (sql) => sql<{ id: string | null }[]>`select private.requesting_user_id() as id`);
    expect(me!.id).toBeNull();
    await expect(
      withUser(asLegacy, (sql) => sql`insert into generations (user_id, input_content, output_format) values (${legacy.id}, 'x', 'carousel')`),
    ).rejects.toThrow(/row-level security policy/);
  });
});

describe("generations", () => {
  it("shows the owner their live generations only", async () => {
    const rows = await withUser(alice.identity, (sql) => sql<{ id: string }[]>`select id from generations`);
    expect(ids(rows)).toEqual([aliceGeneration]);
  });

  it("hides them from another user, anonymous, forged and empty claims", async () => {
    for (const identity of [bob.identity, forged, emptyClaim]) {
      const rows = await withUser(identity, (sql) => sql<{ id: string }[]>`select id from generations where user_id = ${alice.id}`);
      expect(rows).toEqual([]);
    }
    await expect(withUser(null, (sql) => sql`select id from generations`)).rejects.toThrow(/permission denied for table generations/);
  });

  it("lets the owner insert for themselves but not for someone else", async () => {
    const [created] = await withUser(alice.identity, (sql) => sql<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format) values (${alice.id}, 'hello', 'carousel') returning id`);
    expect(created?.id).toBeTruthy();
    await expect(
      withUser(alice.identity, (sql) => sql`insert into generations (user_id, input_content, output_format) values (${bob.id}, 'x', 'carousel')`),
    ).rejects.toThrow(/row-level security policy/);
  });

  it("lets the owner edit their rows; others change nothing; nobody hard-deletes or moves one", async () => {
    const updated = await withUser(alice.identity, (sql) => sql`update generations set bullet_points = '["mine"]' where id = ${aliceGeneration}`);
    expect(updated.count).toBe(1);
    const stolen = await withUser(bob.identity, (sql) => sql`update generations set bullet_points = '["bob"]' where id = ${aliceGeneration}`);
    expect(stolen.count).toBe(0);
    // Column grants: user_id is not a person's to write, nor the Canva design (a send sets it), and hard delete is nobody's (soft delete only).
    const moved = await withUser(alice.identity, (sql) => sql`update generations set user_id = ${bob.id} where id = ${aliceGeneration}`).catch((e: Error) => e);
    expect((moved as Error).message).toBe("permission denied for table generations");
    const designed = await withUser(alice.identity, (sql) => sql`update generations set canva_design_id = 'DAF_rls' where id = ${aliceGeneration}`).catch((e: Error) => e);
    expect((designed as Error).message).toBe("permission denied for table generations");
    const deleted = await withUser(bob.identity, (sql) => sql`delete from generations where id = ${aliceGeneration}`).catch((e: Error) => e);
    expect((deleted as Error).message).toBe("permission denied for table generations");
    const [row] = await asService((sql) => sql<{ bulletPoints: string[]; canvaDesignId: string | null; userId: string }[]>`
      select bullet_points, canva_design_id, user_id from generations where id = ${aliceGeneration}`);
    expect(row).toEqual({ bulletPoints: ["mine"], canvaDesignId: null, userId: alice.id });
  });

  it("soft-deletes through private.soft_delete_generation, for the owner only", async () => {
    const target = await seedGeneration(alice.id);
    const [byBob] = await withUser(bob.identity, (sql) => sql<{ id: string | null }[]>`select private.soft_delete_generation(${target}) as id`);
    expect(byBob?.id).toBeNull();
    const [byAlice] = await withUser(alice.identity, (sql) => sql<{ id: string | null }[]>`select private.soft_delete_generation(${target}) as id`);
    expect(byAlice?.id).toBe(target);
    const visible = await withUser(alice.identity, (sql) => sql`select id from generations where id = ${target}`);
    expect(visible).toEqual([]);
    const [stored] = await asService((sql) => sql<{ deletedAt: Date | null }[]>`select deleted_at from generations where id = ${target}`);
    expect(stored?.deletedAt).toBeInstanceOf(Date);
  });

  it("keeps soft-deleted rows out of updates too", async () => {
    const result = await withUser(alice.identity, (sql) => sql`update generations set status = 'failed' where id = ${aliceDeletedGeneration}`);
    expect(result.count).toBe(0);
  });

  it("evaluates the caller lookup once per statement (an InitPlan), not per row", async () => {
    const plan = await withUser(alice.identity, (sql) => sql<Record<string, string>[]>`explain select id from generations`);
    const text = plan.map((row) => Object.values(row).join("")).join("\n");
    expect(text).toMatch(/InitPlan/);
  });

  it("lets the service path see all, deleted included", async () => {
    const rows = await asService((sql) => sql<{ id: string }[]>`select id from generations where id in (${aliceGeneration}, ${aliceDeletedGeneration}, ${bobGeneration})`);
    expect(rows).toHaveLength(3);
  });
});

describe("templates", () => {
  it("shows system templates and one's own, never another user's", async () => {
    const rows = await withUser(alice.identity, (sql) => sql<{ id: string }[]>`select id from templates`);
    expect(ids(rows)).toEqual([systemTemplate, aliceTemplate].sort());
    expect(ids(rows)).not.toContain(bobTemplate);
  });

  it("shows forged and empty claims only the system templates; anonymous nothing", async () => {
    for (const identity of [forged, emptyClaim]) {
      const rows = await withUser(identity, (sql) => sql<{ id: string }[]>`select id from templates`);
      expect(ids(rows)).toEqual([systemTemplate]);
    }
    await expect(withUser(null, (sql) => sql`select id from templates`)).rejects.toThrow(/permission denied for table templates/);
  });

  it("keeps system templates and other users' templates read-only", async () => {
    for (const id of [systemTemplate, bobTemplate]) {
      const updated = await withUser(alice.identity, (sql) => sql`update templates set name = 'mine now' where id = ${id}`);
      expect(updated.count).toBe(0);
      const deleted = await withUser(alice.identity, (sql) => sql`delete from templates where id = ${id}`);
      expect(deleted.count).toBe(0);
    }
    await expect(
      withUser(alice.identity, (sql) => sql`insert into templates (user_id, name, type, content) values (null, 'fake system', 'carousel', '{}')`),
    ).rejects.toThrow(/row-level security policy/);
    const own = await withUser(alice.identity, (sql) => sql`update templates set name = 'Renamed' where id = ${aliceTemplate}`);
    expect(own.count).toBe(1);
  });

  it("hides a deleted user's orphaned template from every API role, and lets no one adopt or delete it", async () => {
    const [orphan] = await asService((sql) => sql<{ id: string }[]>`
      insert into templates (user_id, name, type, content, orphaned_at) values (null, 'A former user''s draft', 'carousel', '{}', now()) returning id`);
    for (const identity of [alice.identity, bob.identity, forged, emptyClaim]) {
      const rows = await withUser(identity, (sql) => sql<{ id: string }[]>`select id from templates where id = ${orphan!.id} or orphaned_at is not null`);
      expect(rows).toEqual([]);
      // user_id is not a column a person may write at all (column grants), so adopting is refused outright.
      await expect(
        withUser(identity, (sql) => sql`update templates set user_id = (select private.requesting_user_id()) where id = ${orphan!.id}`),
      ).rejects.toThrow(/^permission denied for table templates$/);
      expect((await withUser(identity, (sql) => sql`delete from templates where id = ${orphan!.id}`)).count).toBe(0);
    }
    await expect(withUser(null, (sql) => sql`select id from templates where id = ${orphan!.id}`)).rejects.toThrow(/permission denied for table templates/);
    expect(await asService((sql) => sql`select id from templates where id = ${orphan!.id}`)).toHaveLength(1);
  });

  it("lets no signed-in user create a system template or turn one of theirs into one", async () => {
    const attempts = [
      "insert into templates (user_id, is_system, name, type, content) values (null, true, 'fake system', 'carousel', '{}')",
      "insert into templates (user_id, is_system, name, type, content) values ((select private.requesting_user_id()), true, 'fake system', 'carousel', '{}')",
      "insert into templates (user_id, name, type, content, orphaned_at) values (null, 'fake orphan', 'carousel', '{}', now())",
    ];
    // is_system, orphaned_at and (for updates) user_id are not columns a person may write (column grants).
    for (const attempt of attempts) {
      await expect(withUser(alice.identity, (tx) => tx.unsafe(attempt))).rejects.toThrow(/^permission denied for table templates$/);
    }
    await expect(
      withUser(alice.identity, (tx) => tx`insert into templates (user_id, name, type, content) values (null, 'fake system', 'carousel', '{}')`),
    ).rejects.toThrow(/row-level security policy for table "templates"/);
    for (const change of ["is_system = true", "user_id = null", "user_id = null, is_system = true"]) {
      await expect(withUser(alice.identity, (tx) => tx.unsafe(`update templates set ${change} where id = '${aliceTemplate}'`))).rejects.toThrow(
        /^permission denied for table templates$/,
      );
    }
    const [still] = await asService((tx) => tx<{ isSystem: boolean; userId: string }[]>`select is_system, user_id from templates where id = ${aliceTemplate}`);
    expect(still).toEqual({ isSystem: false, userId: alice.id });
  });

  it("refuses, even on the service path, a row that is not exactly one of system, owned or orphan", async () => {
    const rows = [
      "(null, false, null)", // no owner, not system, not marked orphan
      `('${alice.id}', true, null)`, // owned and system
      `('${alice.id}', false, now())`, // owned and orphan
      "(null, true, now())", // system and orphan
    ];
    for (const values of rows) {
      await expect(
        asService((tx) => tx.unsafe(`insert into templates (user_id, is_system, orphaned_at, name, type, content) values ${values.slice(0, -1)}, 'x', 'carousel', '{}')`)),
      ).rejects.toThrow(/templates_system_owned_or_orphan_check/);
    }
  });

  it("lets a generation name only a system template or its owner's own, on every path", async () => {
    const [orphan] = await asService((sql) => sql<{ id: string }[]>`
      insert into templates (user_id, name, type, content, orphaned_at) values (null, 'Orphan', 'carousel', '{"secret": 1}', now()) returning id`);
    for (const template of [orphan!.id, bobTemplate]) {
      await expect(
        withUser(alice.identity, (sql) => sql`insert into generations (user_id, input_content, output_format, template_id)
          values ((select private.requesting_user_id()), 'x', 'carousel', ${template})`),
      ).rejects.toThrow(/is not available to this generation's owner/);
      // A person never re-points a generation (no UPDATE grant on template_id); the rule holds for the service path too.
      await expect(withUser(alice.identity, (sql) => sql`update generations set template_id = ${template} where id = ${aliceGeneration}`)).rejects.toThrow(
        /permission denied for table generations/,
      );
      await expect(asService((sql) => sql`update generations set template_id = ${template} where id = ${aliceGeneration}`)).rejects.toThrow(
        /generations_template_visible_check|is not available/,
      );
    }
    for (const template of [systemTemplate, aliceTemplate]) {
      const updated = await asService((sql) => sql`update generations set template_id = ${template} where id = ${aliceGeneration}`);
      expect(updated.count).toBe(1);
    }
    await asService((sql) => sql`update generations set template_id = null where id = ${aliceGeneration}`);
  });

  it("deletes a user's templates with them instead of publishing them as system templates", async () => {
    const leaving = await seedUser();
    const template = await seedTemplate(leaving.id, "Private");
    await asService((sql) => sql`delete from users where id = ${leaving.id}`);
    const rows = await asService((sql) => sql`select id from templates where id = ${template}`);
    expect(rows).toEqual([]);
  });
});

describe("subscriptions", () => {
  it("lets a user read only their own and write none", async () => {
    const rows = await withUser(alice.identity, (sql) => sql<{ userId: string }[]>`select user_id from subscriptions`);
    expect(rows.map((row) => row.userId)).toEqual([alice.id]);
    await expect(withUser(alice.identity, (sql) => sql`update subscriptions set status = 'active'`)).rejects.toThrow(/permission denied/);
    for (const identity of [forged, emptyClaim]) {
      expect(await withUser(identity, (sql) => sql`select id from subscriptions`)).toEqual([]);
    }
    await expect(withUser(null, (sql) => sql`select id from subscriptions`)).rejects.toThrow(/permission denied/);
  });
});

describe("webhook_events", () => {
  it("is closed to authenticated and anonymous callers, open to the service path", async () => {
    for (const identity of [alice.identity, null]) {
      await expect(withUser(identity, (sql) => sql`select id from webhook_events`)).rejects.toThrow(/permission denied for table webhook_events/);
    }
    const rows = await asService((sql) => sql`select id from webhook_events`);
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe("outbound webhook tables", () => {
  it("show each person only their own endpoints, messages, deliveries and attempts; forged and empty claims nothing; the service path all", async () => {
    const endpoints: Record<string, string> = {};
    for (const user of [alice, bob]) {
      const [row] = await asService((sql) => sql<{ id: string }[]>`
        insert into webhook_endpoints (user_id, url, events, secret_sealed)
        values (${user.id}, 'https://hooks.example.com/x', '{generation.completed}', 'enc:v1:k:iv:ct:tag') returning id`);
      endpoints[user.id] = row!.id;
      const [queued] = await withUser(user.identity, (sql) => sql<{ id: string }[]>`select private.send_test_webhook(${row!.id}) as id`);
      await asService((sql) => sql`
        insert into webhook_attempts (delivery_id, user_id, number, succeeded, response_status, duration_ms)
        values (${queued!.id}, ${user.id}, 1, true, 200, 5)`);
    }
    for (const table of ["webhook_endpoints", "webhook_messages", "webhook_deliveries", "webhook_attempts"]) {
      for (const user of [alice, bob]) {
        const rows = await withUser(user.identity, (sql) => sql<{ userId: string }[]>`select user_id from ${sql(table)}`);
        expect(rows.map((row) => row.userId), table).toEqual([user.id]);
      }
      for (const identity of [forged, emptyClaim]) expect(await withUser(identity, (sql) => sql`select user_id from ${sql(table)}`), table).toEqual([]);
      await expect(withUser(null, (sql) => sql`select user_id from ${sql(table)}`)).rejects.toThrow(/permission denied/);
      expect((await asService((sql) => sql`select user_id from ${sql(table)}`)).length, table).toBe(2);
    }
    expect(await withUser(bob.identity, (sql) => sql`delete from webhook_endpoints where id = ${endpoints[alice.id]!} returning id`)).toEqual([]);
    expect(await withUser(alice.identity, (sql) => sql`delete from webhook_endpoints where id = ${endpoints[alice.id]!} returning id`)).toHaveLength(1);
  });
});

describe("storage.objects in postora-generations", () => {
  const objectFor = (owner: SeededUser, generationId: string) => `${owner.id}/generation-${generationId}.png`;

  it("confines a signed-in user to the folder named by their users.id", async () => {
    const own = objectFor(alice, aliceGeneration);
    const soon = new Date(Date.now() + 60_000);
    await openUploadWindow(GENERATIONS_BUCKET, own, soon);
    await openUploadWindow(GENERATIONS_BUCKET, objectFor(bob, bobGeneration), soon);
    const inserted = await withUser(alice.identity, (sql) => sql`insert into storage.objects (bucket_id, name) values ('postora-generations', ${own})`);
    expect(inserted.count).toBe(1);
    await expect(
      withUser(alice.identity, (sql) => sql`insert into storage.objects (bucket_id, name) values ('postora-generations', ${objectFor(bob, bobGeneration)})`),
    ).rejects.toThrow(/row-level security policy/);
    await asService((sql) => sql`insert into storage.objects (bucket_id, name) values ('postora-generations', ${objectFor(bob, bobGeneration)})`);

    const aliceSees = await withUser(alice.identity, (sql) => sql<{ name: string }[]>`select name from storage.objects`);
    expect(aliceSees.map((row) => row.name)).toEqual([own]);
    // Supabase Storage sets storage.allow_delete_query for its own requests (its scope.ts); RLS then decides.
    const bobRemoves = await withUser(bob.identity, async (sql) => {
      await sql`select set_config('storage.allow_delete_query', 'true', true)`;
      return sql`delete from storage.objects where name = ${own}`;
    });
    expect(bobRemoves.count).toBe(0);
    // Without it a direct DELETE is refused outright (storage migration 0055, protect_objects_delete).
    await expect(withUser(alice.identity, (sql) => sql`delete from storage.objects where name = ${own}`)).rejects.toThrow(
      /Direct deletion from storage tables is not allowed/,
    );
    expect(await withUser(forged, (sql) => sql`select name from storage.objects`)).toEqual([]);
    expect(await withUser(null, (sql) => sql`select name from storage.objects`)).toEqual([]);
  });

  it("keeps the bucket private with the PNG (and, the server's, PDF) and size limits the adapters enforce", async () => {
    const [bucket] = await asService((sql) => sql<{ public: boolean; fileSizeLimit: string; allowedMimeTypes: string[] }[]>`
      select public, file_size_limit, allowed_mime_types from storage.buckets where id = 'postora-generations'`);
    expect(bucket).toEqual({ public: false, fileSizeLimit: "10485760", allowedMimeTypes: ["application/pdf", "image/png", "image/svg+xml"] });
  });
});
