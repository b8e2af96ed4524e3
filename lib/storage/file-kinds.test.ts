/**
 * private.storage_file_kinds is the one list of what a bucket may hold: a
 * later migration adds a kind with one insert (as the header of
 * 20261207010100_storage_file_kinds.sql shows), and the bucket's limits,
 * the guard trigger and the sweep all follow, with no function replaced.
 */
import { describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { sweepOrphanedFiles } from "@/lib/storage/sweep";
import { GENERATIONS_BUCKET } from "@/lib/storage/types";
import { openUploadWindow } from "@/lib/storage/upload-window";
import { seedGeneration, seedUser } from "@/test/support";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const bucket = async () =>
  (await asService((sql) => sql<{ allowedMimeTypes: string[]; fileSizeLimit: string }[]>`
    select allowed_mime_types, file_size_limit from storage.buckets where id = ${GENERATIONS_BUCKET}`))[0]!;

/** A write as Supabase Storage records one: the row with the stored file's metadata. */
const record = (name: string, mimetype: string, size: number) =>
  asService((sql) => sql`
    insert into storage.objects (bucket_id, name, metadata) values (${GENERATIONS_BUCKET}, ${name}, ${sql.json({ mimetype, size })})`);

describe("file kinds", () => {
  it("set the bucket's limits: the types of every kind, the largest cap", async () => {
    // PNG images and slides, carousel PDFs (20261207060100, the first kind a later migration added), brand logos (20261208010000).
    expect(await bucket()).toEqual({ allowedMimeTypes: ["application/pdf", "image/png", "image/svg+xml"], fileSizeLimit: "10485760" });
  });

  it("a later migration adds a kind with one insert: bucket, guard and sweep follow", async () => {
    // The statement the migration header shows, for a kind no migration has added (a text export, say).
    await asService((sql) => sql`
      insert into private.storage_file_kinds (kind, bucket_id, name_pattern, live_query, content_types, max_bytes, writers, description)
      values ('generation-text', ${GENERATIONS_BUCKET}, ${`^(${UUID})/generation-(${UUID})\\.txt$`},
              'select exists (select 1 from public.generations g where g.id = ($1)[2]::uuid and g.user_id = ($1)[1]::uuid and g.deleted_at is null)',
              array['text/plain'], 26214400, array['person'], '<users.id>/generation-<generations.id>.txt')`);
    expect(await bucket()).toEqual({ allowedMimeTypes: ["application/pdf", "image/png", "image/svg+xml", "text/plain"], fileSizeLimit: "26214400" });

    const person = await seedUser();
    const live = await seedGeneration(person.id);
    const deleted = await seedGeneration(person.id);
    const textFile = `${person.id}/generation-${live}.txt`;
    const deadTextFile = `${person.id}/generation-${deleted}.txt`;
    for (const name of [textFile, deadTextFile]) await openUploadWindow(GENERATIONS_BUCKET, name, new Date(Date.now() + 60_000));
    // Per-kind limits hold on the write that records the file.
    await expect(record(textFile, "image/png", 100)).rejects.toThrow(`${textFile} must be text/plain, not image/png.`);
    await expect(record(textFile, "text/plain", 26214401)).rejects.toThrow(/may be at most 26214400 bytes/);
    await record(textFile, "text/plain", 2048);
    await record(deadTextFile, "text/plain", 2048);
    await asService((sql) => sql`update generations set deleted_at = now() where id = ${deleted}`);

    // The sweep asks the same table: the live file stays, the dead one goes.
    const result = await sweepOrphanedFiles({ storage: getLocalStorage(), log: logger.child({ source: "file-kinds-test" }) });
    expect(result.removed).toBe(1);
    const names = await asService((sql) => sql<{ name: string }[]>`select name from storage.objects where starts_with(name, ${person.id})`);
    expect(names.map(({ name }) => name)).toEqual([textFile]);

    // And taking the kind away narrows the bucket again.
    await asService((sql) => sql`delete from private.storage_file_kinds where kind = 'generation-text'`);
    expect(await bucket()).toEqual({ allowedMimeTypes: ["application/pdf", "image/png", "image/svg+xml"], fileSizeLimit: "10485760" });
  });

  it("keep SVG to the brand logo's name: the bucket accepts the type, a generation's image does not", async () => {
    const person = await seedUser();
    const generation = await seedGeneration(person.id);
    const image = `${person.id}/generation-${generation}.png`;
    const logo = `${person.id}/brand-logo`;
    for (const name of [image, logo]) await openUploadWindow(GENERATIONS_BUCKET, name, new Date(Date.now() + 60_000));
    await expect(record(image, "image/svg+xml", 100)).rejects.toThrow(`${image} must be image/png, not image/svg+xml.`);
    await expect(record(logo, "image/svg+xml", 524289)).rejects.toThrow(/may be at most 524288 bytes/);
    await record(logo, "image/svg+xml", 2048);
  });

  it("are the database's alone: API roles can neither read nor change them", async () => {
    const [grants] = await asService((sql) => sql<{ count: number }[]>`
      select count(*)::int as count from information_schema.role_table_grants
      where table_schema = 'private' and table_name = 'storage_file_kinds' and lower(grantee) in ('anon', 'authenticated', 'public')`);
    expect(grants!.count).toBe(0);
  });
});
