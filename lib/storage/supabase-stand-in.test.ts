/**
 * The Supabase adapter against the stand-in for the real Supabase Storage
 * server (test/supabase-storage.ts): every route does to storage.objects
 * what supabase/storage (commit 4fa61fba) does, so the guard trigger, the
 * policies and the delete guard decide here exactly as they do there. Each
 * test names the part of the real server it leans on; npm run
 * test:storage-contract runs the same flows against the server itself.
 */
import { afterAll, describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { SupabaseStorageError } from "@/lib/storage/errors";
import { SupabaseStorage } from "@/lib/storage/supabase";
import { GENERATIONS_BUCKET, generationObjectPath, generationSlidePath, RENDERED_SOURCE } from "@/lib/storage/types";
import { uploadUrlTtlSeconds } from "@/lib/storage/upload-window";
import { TINY_PNG } from "@/test/storage";
import { seedGeneration, seedUser, type SeededUser } from "@/test/support";
import { signStandInJwt, STAND_IN_PROJECT, STAND_IN_SERVICE_KEY, supabaseStorageStandIn } from "@/test/supabase-storage";

const hosted = supabaseStorageStandIn();
const selfHosted = supabaseStorageStandIn({ uploadUrlLifetimeSeconds: 60 });
afterAll(async () => {
  await hosted.close();
  await selfHosted.close();
});

const adapter = (standIn = hosted) => new SupabaseStorage({ url: STAND_IN_PROJECT, serviceRoleKey: STAND_IN_SERVICE_KEY, fetch: standIn.fetch });

/** A browser's PUT to a signed upload URL (supabase-js uploadToSignedUrl sends the bytes with x-upsert). */
const put = (url: string, standIn = hosted) =>
  standIn.fetch(url, { method: "PUT", headers: { "content-type": "image/png", "x-upsert": "true" }, body: TINY_PNG });

async function livePath(owner: SeededUser): Promise<string> {
  return generationObjectPath(owner.id, await seedGeneration(owner.id));
}

const openWindows = async (name: string) =>
  (await asService((sql) => sql<{ count: number }[]>`
    select count(*)::int as count from private.storage_upload_windows
    where name = ${name} and used_by_transaction is null and expires_at > now()`))[0]!.count;

const row = async (name: string) =>
  (await asService((sql) => sql<{ ownerId: string | null; userMetadata: Record<string, unknown> | null }[]>`
    select owner_id, user_metadata from storage.objects where bucket_id = ${GENERATIONS_BUCKET} and name = ${name}`))[0];

describe("Supabase Storage, as the real server treats our database", () => {
  it("signs an upload URL: the window is open before the server's test insert (uploader.ts canUpload, pg.ts testPermission)", async () => {
    const person = await seedUser();
    const path = await livePath(person);
    const before = hosted.writes.length;
    const upload = await adapter().createSignedUploadUrl(path);
    expect(upload.url).toMatch(new RegExp(`/storage/v1/object/upload/sign/${GENERATIONS_BUCKET}/`));
    // One test upsert as service_role with the service key's claims, rolled back: nothing stored, the window still open.
    expect(hosted.writes.slice(before)).toEqual([{ statement: "upsert", role: "service_role", claims: '{"role":"service_role"}', rolledBack: true }]);
    expect(await row(path)).toBeUndefined();
    expect(await openWindows(path)).toBe(1);
    // Hosted URLs last two hours; ours closes at STORAGE_UPLOAD_URL_TTL_SECONDS, the earlier.
    expect(Math.abs(upload.expiresAt.getTime() - (Date.now() + uploadUrlTtlSeconds() * 1000))).toBeLessThan(5_000);
  });

  it("an upload fires the guard twice (the test, then INSERT ... ON CONFLICT DO UPDATE), both as service_role (uploadSignedObject.ts asSuperUser)", async () => {
    const path = await livePath(await seedUser());
    const { url } = await adapter().createSignedUploadUrl(path);
    const before = hosted.writes.length;
    expect((await put(url)).status).toBe(200);
    expect(hosted.writes.slice(before).map(({ statement, role, rolledBack }) => [statement, role, rolledBack])).toEqual([
      ["upsert", "service_role", true],
      ["upsert", "service_role", false],
    ]);
    // A signed URL the service key signed writes no owner (StoragePgDB.upsertObject: owner_id is the token's sub).
    expect(await row(path)).toEqual({ ownerId: null, userMetadata: null });
  });

  it("a used URL never uploads again, and a refusal carries the server's own message (error-handler.ts, AccessDenied)", async () => {
    const path = await livePath(await seedUser());
    const first = await adapter().createSignedUploadUrl(path);
    const second = await adapter().createSignedUploadUrl(path);
    expect((await put(first.url)).status).toBe(200);
    for (const url of [first.url, second.url]) {
      const again = await put(url);
      expect(again.status).toBe(400);
      expect(await again.json()).toEqual({
        statusCode: "403",
        code: "AccessDenied",
        error: "Unauthorized",
        message: `${path}: this upload URL was already used: ask for a new one (createGenerationUploadUrl).`,
      });
    }
  });

  it("refuses to sign for a deleted generation with the database's reason, and no hint about the key", async () => {
    const person = await seedUser();
    const generation = await seedGeneration(person.id);
    await asService((sql) => sql`update generations set deleted_at = now() where id = ${generation}`);
    const path = generationObjectPath(person.id, generation);
    const error = (await adapter().createSignedUploadUrl(path).catch((caught: unknown) => caught)) as SupabaseStorageError;
    expect(error).toBeInstanceOf(SupabaseStorageError);
    expect(error.message).toBe(
      `Supabase Storage could not create a signed upload URL for "${GENERATIONS_BUCKET}/${path}": ` +
        `Nothing live owns ${path}: it was deleted (or its user was), so its file cannot be stored (HTTP 400, code 403).`,
    );
    // The window opened for it is closed again.
    expect(await openWindows(path)).toBe(0);
  });

  it("an upload that outlives its URL is told so; a self-hosted server's 60 s URLs close the window with them", async () => {
    const path = await livePath(await seedUser());
    const upload = await adapter(selfHosted).createSignedUploadUrl(path);
    // UPLOAD_SIGNED_URL_EXPIRATION_TIME=60 (getSignedUploadURL.ts): the token decides, and the window follows it.
    expect(Math.abs(upload.expiresAt.getTime() - (Date.now() + 60_000))).toBeLessThan(5_000);
    const [window] = await asService((sql) => sql<{ expiresAt: Date }[]>`select expires_at from private.storage_upload_windows where name = ${path}`);
    expect(window!.expiresAt.getTime()).toBe(upload.expiresAt.getTime());
    // A slow connection: the token was good when the upload began, the window closed before the row was written.
    await asService((sql) => sql`update private.storage_upload_windows set expires_at = now() - interval '1 second' where name = ${path}`);
    const late = await put(upload.url, selfHosted);
    expect((await late.json()).message).toBe(`${path}: this upload URL has expired: ask for a new one (createGenerationUploadUrl).`);
  });

  it("a URL whose window is gone (swept, or from before the deploy and expired) is refused with a way forward", async () => {
    const path = await livePath(await seedUser());
    const { url } = await adapter().createSignedUploadUrl(path);
    await asService((sql) => sql`delete from private.storage_upload_windows where name = ${path}`);
    expect((await (await put(url)).json()).message).toBe(
      `${path}: this upload URL has expired or was already used: ask for a new one (createGenerationUploadUrl).`,
    );
  });

  it("putRendered 'kept': the 409 happens in the server's rolled-back test insert, and Postora closes its own window at once", async () => {
    const path = await livePath(await seedUser());
    const { url } = await adapter().createSignedUploadUrl(path);
    expect((await put(url)).status).toBe(200);
    expect(await adapter().putRendered(path, TINY_PNG)).toBe("kept");
    expect(await asService((sql) => sql`select 1 from private.storage_upload_windows where name = ${path} and server_key is not null`)).toHaveLength(0);
    // The reproduction from issue 20: the used URL does not upload again.
    expect((await put(url)).status).toBe(400);
  });

  it("putRendered writes through its own keyed window, never stores the key, and leaves a person's pending URL open", async () => {
    const person = await seedUser();
    const generation = await seedGeneration(person.id);
    const cover = generationObjectPath(person.id, generation);
    const slide = generationSlidePath(person.id, generation, 2);
    const pending = await adapter().createSignedUploadUrl(cover);
    expect(await adapter().putRendered(cover, TINY_PNG)).toBe("written");
    expect(await adapter().putRendered(slide, TINY_PNG)).toBe("written");
    expect((await row(cover))!.userMetadata).toEqual({ source: RENDERED_SOURCE });
    // The person's URL was not used by the render: their upload replaces it.
    expect((await put(pending.url)).status).toBe(200);
    expect((await row(cover))!.userMetadata).toBeNull();
    // Re-rendering replaces only the pipeline's own file: the person's stays.
    expect(await adapter().putRendered(cover, TINY_PNG)).toBe("kept");
    expect(await adapter().putRendered(slide, TINY_PNG)).toBe("written");
    // A slide is the server's alone: a person's URL for it is refused at signing.
    await expect(adapter().createSignedUploadUrl(generationSlidePath(person.id, generation, 3))).rejects.toThrow(/Only Postora writes/);
  });

  it("a person's own token: inserts into their folder with owner_id = sub, never overwrites (no update policy)", async () => {
    const person = await seedUser();
    const path = await livePath(person);
    const token = signStandInJwt({ sub: person.clerkUserId, role: "authenticated", aud: "authenticated" }, "person-token-secret");
    const own = (upsert: boolean) =>
      hosted.fetch(`${STAND_IN_PROJECT}/storage/v1/object/${GENERATIONS_BUCKET}/${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "image/png", "x-upsert": String(upsert) },
        body: TINY_PNG,
      });
    // Their window comes from a URL Postora signed (createGenerationUploadUrl).
    await adapter().createSignedUploadUrl(path);
    const before = hosted.writes.length;
    expect((await own(false)).status).toBe(200);
    expect(hosted.writes.slice(before).map(({ role }) => role)).toEqual(["authenticated", "service_role"]);
    expect((await row(path))!.ownerId).toBe(person.clerkUserId);
    await adapter().createSignedUploadUrl(path);
    const overwrite = await own(true);
    expect(overwrite.status).toBe(400);
    expect((await overwrite.json()).message).toMatch(/row-level security/);
  });

  it("removes through the server, which may delete rows directly only because it sets storage.allow_delete_query (migration 0055)", async () => {
    const path = await livePath(await seedUser());
    const { url } = await adapter().createSignedUploadUrl(path);
    await put(url);
    await adapter().remove([path]);
    expect(await row(path)).toBeUndefined();
    expect(hosted.files.has(`${GENERATIONS_BUCKET}/${path}`)).toBe(false);
    // Anyone else's DELETE is refused, even as the service role (the stand-ins' protect_delete, as 0055's).
    for (const table of ["objects", "buckets"]) {
      await expect(asService((sql) => sql`delete from ${sql("storage")}.${sql(table)} where false`)).rejects.toThrow(
        /Direct deletion from storage tables is not allowed/,
      );
    }
  });
});
