/**
 * The Supabase adapter without a live Supabase: fetch is replaced by a small
 * stand-in that records what storage-js sends and answers in the shapes
 * Supabase Storage's routes answer with (supabase/storage src/http/routes/object).
 * This proves our requests, URL handling, paging and error mapping. Whatever
 * touches the database (signing, uploads, the sweep) runs against the
 * stand-in of the real server (test/supabase-storage.ts); only
 * npm run test:storage-contract proves the real server accepts it.
 */
import { describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { StorageObjectNotFoundError, SupabaseStorageError } from "@/lib/storage/errors";
import { InvalidObjectPathError } from "@/lib/storage/paths";
import { SupabaseStorage } from "@/lib/storage/supabase";
import { sweepOrphanedFiles } from "@/lib/storage/sweep";
import { GENERATIONS_BUCKET, generationObjectPath } from "@/lib/storage/types";
import { uploadUrlTtlSeconds } from "@/lib/storage/upload-window";
import { logger } from "@/lib/log";
import { TINY_PNG } from "@/test/storage";
import { seedGeneration, seedUser } from "@/test/support";
import { STAND_IN_PROJECT, STAND_IN_SERVICE_KEY, supabaseStorageStandIn } from "@/test/supabase-storage";

const PROJECT = "https://abcd.supabase.co";
const SERVICE_KEY = "service-role-key-for-tests-0123456789";
const API = `${PROJECT}/storage/v1`;

type Recorded = { method: string; url: string; headers: Headers; body: unknown };

const fakeJwt = (claims: Record<string, unknown>) =>
  `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2lnbmF0dXJl`;

/** Supabase's error body, sent over HTTP 400 the way its error handler does for client errors. */
const supabaseError = (statusCode: string, error: string, message: string, status = 400) =>
  Response.json({ statusCode, code: error, error, message }, { status });

/** A bucket held in memory, answering the storage API routes storage-js calls. */
function fakeSupabase(options: { objects?: string[]; answer?: (request: Recorded) => Response | undefined | Promise<Response | undefined> } = {}) {
  const objects = new Set(options.objects ?? []);
  const requests: Recorded[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const text = request.method === "HEAD" || request.method === "GET" ? "" : await request.text();
    const recorded: Recorded = { method: request.method, url: request.url, headers: request.headers, body: text ? JSON.parse(text) : null };
    requests.push(recorded);
    const custom = await options.answer?.(recorded);
    if (custom) return custom;
    const route = decodeURIComponent(request.url.slice(API.length).split("?")[0]!);
    const body = recorded.body as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);

    if (request.method === "POST" && route.startsWith(`/object/sign/${GENERATIONS_BUCKET}/`)) {
      const name = route.slice(`/object/sign/${GENERATIONS_BUCKET}/`.length);
      if (!objects.has(name)) return supabaseError("404", "not_found", "Object not found");
      const token = fakeJwt({ url: `${GENERATIONS_BUCKET}/${name}`, exp: now + (body.expiresIn as number) });
      return Response.json({ signedURL: `/object/sign/${GENERATIONS_BUCKET}/${name}?token=${token}` });
    }
    if (request.method === "HEAD" && route.startsWith(`/object/${GENERATIONS_BUCKET}/`)) {
      return new Response(null, { status: objects.has(route.slice(`/object/${GENERATIONS_BUCKET}/`.length)) ? 200 : 400 });
    }
    if (request.method === "DELETE" && route === `/object/${GENERATIONS_BUCKET}`) {
      const prefixes = body.prefixes as string[];
      if (prefixes.length > 1000) return supabaseError("400", "InvalidRequest", "body/prefixes must NOT have more than 1000 items");
      const removed = prefixes.filter((name) => objects.delete(name));
      return Response.json(removed.map((name) => ({ name, id: `id-${name}` })));
    }
    if (request.method === "POST" && route === `/object/list/${GENERATIONS_BUCKET}`) {
      const prefix = `${body.prefix as string}/`;
      const children = new Map<string, boolean>();
      for (const name of objects) {
        if (!name.startsWith(prefix)) continue;
        const rest = name.slice(prefix.length);
        const slash = rest.indexOf("/");
        children.set(slash === -1 ? rest : rest.slice(0, slash), slash === -1);
      }
      const page = [...children.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .slice(body.offset as number, (body.offset as number) + (body.limit as number))
        .map(([name, isFile]) => ({ name, id: isFile ? `id-${name}` : null, metadata: isFile ? { size: 1 } : null }));
      return Response.json(page);
    }
    return supabaseError("404", "not_found", `fake Supabase has no route for ${request.method} ${route}`);
  };
  return { fetch, requests, objects };
}

const adapter = (fake: ReturnType<typeof fakeSupabase>) => new SupabaseStorage({ url: PROJECT, serviceRoleKey: SERVICE_KEY, fetch: fake.fetch });

describe("SupabaseStorage (storage-js wire format, no live Supabase)", () => {
  it("asks for an upsert-able signed upload URL with the service key, and reports when the database's upload window closes", async () => {
    // Signing needs the database (the server test-inserts the row): the stand-in of the real server answers it.
    const standIn = supabaseStorageStandIn();
    const person = await seedUser();
    const path = generationObjectPath(person.id, await seedGeneration(person.id));
    const requests: Request[] = [];
    const storage = new SupabaseStorage({
      url: STAND_IN_PROJECT,
      serviceRoleKey: STAND_IN_SERVICE_KEY,
      fetch: (input, init) => {
        requests.push(new Request(input, init));
        return standIn.fetch(input, init);
      },
    });
    const upload = await storage.createSignedUploadUrl(path);
    await standIn.close();
    const [request] = requests;
    expect(request).toMatchObject({ method: "POST", url: `${STAND_IN_PROJECT}/storage/v1/object/upload/sign/${GENERATIONS_BUCKET}/${path}` });
    expect(request!.headers.get("x-upsert")).toBe("true");
    expect(request!.headers.get("authorization")).toBe(`Bearer ${STAND_IN_SERVICE_KEY}`);
    expect(request!.headers.get("apikey")).toBe(STAND_IN_SERVICE_KEY);
    expect(upload.url).toBe(`${STAND_IN_PROJECT}/storage/v1/object/upload/sign/${GENERATIONS_BUCKET}/${path}?token=${upload.token}`);
    expect(upload.path).toBe(path);
    // The token says two hours (hosted); the window the database enforces closes after STORAGE_UPLOAD_URL_TTL_SECONDS.
    expect(Math.abs(upload.expiresAt.getTime() - (Date.now() + uploadUrlTtlSeconds() * 1000))).toBeLessThan(5_000);
    const [window] = await asService((sql) => sql<{ expiresAt: Date }[]>`
      select expires_at from private.storage_upload_windows where bucket_id = ${GENERATIONS_BUCKET} and name = ${path}`);
    expect(window?.expiresAt.getTime()).toBe(upload.expiresAt.getTime());
  });

  it("signs downloads for the lifetime asked and turns Supabase's 'Object not found' into StorageObjectNotFoundError", async () => {
    const fake = fakeSupabase({ objects: ["u1/generation-g1.png"] });
    const storage = adapter(fake);
    const download = await storage.createSignedDownloadUrl("u1/generation-g1.png", 120);
    expect(fake.requests[0]).toMatchObject({ method: "POST", url: `${API}/object/sign/${GENERATIONS_BUCKET}/u1/generation-g1.png`, body: { expiresIn: 120 } });
    expect(download.url).toMatch(new RegExp(`^${API}/object/sign/${GENERATIONS_BUCKET}/u1/generation-g1\\.png\\?token=`));
    expect(Math.abs(download.expiresAt.getTime() - (Date.now() + 120_000))).toBeLessThan(5_000);

    await expect(storage.createSignedDownloadUrl("u1/missing.png", 60)).rejects.toBeInstanceOf(StorageObjectNotFoundError);
    await expect(storage.createSignedDownloadUrl("u1/generation-g1.png", 0)).rejects.toThrow(RangeError);
  });

  it("checks existence with a HEAD request: true on 200, false on 400/404", async () => {
    const fake = fakeSupabase({ objects: ["u1/here.png"] });
    const storage = adapter(fake);
    expect(await storage.exists("u1/here.png")).toBe(true);
    expect(await storage.exists("u1/gone.png")).toBe(false);
    expect(fake.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `HEAD ${API}/object/${GENERATIONS_BUCKET}/u1/here.png`,
      `HEAD ${API}/object/${GENERATIONS_BUCKET}/u1/gone.png`,
    ]);
  });

  it("sweeps: removes through Supabase exactly the files no live generation owns", async () => {
    const standIn = supabaseStorageStandIn();
    const storage = new SupabaseStorage({ url: STAND_IN_PROJECT, serviceRoleKey: STAND_IN_SERVICE_KEY, fetch: standIn.fetch });
    const person = await seedUser();
    const live = await seedGeneration(person.id);
    const deleted = await seedGeneration(person.id);
    const cover = generationObjectPath(person.id, live);
    const orphan = generationObjectPath(person.id, deleted);
    // Uploaded through signed URLs while the generations lived; the server records each in storage.objects.
    for (const name of [cover, orphan]) {
      const { url } = await storage.createSignedUploadUrl(name);
      expect((await standIn.fetch(url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG })).status).toBe(200);
    }
    await asService((sql) => sql`update generations set deleted_at = now() where id = ${deleted}`);
    const result = await sweepOrphanedFiles({ storage, log: logger.child({ source: "sweep-test" }) });
    await standIn.close();
    expect(result.removed).toBe(1);
    expect([...standIn.files.keys()].filter((key) => key.includes(person.id))).toEqual([`${GENERATIONS_BUCKET}/${cover}`]);
  });

  it("removes paths in batches of at most 1,000 and does nothing for none", async () => {
    const names = Array.from({ length: 1001 }, (_, i) => `u1/generation-${i}.png`);
    const fake = fakeSupabase({ objects: names });
    await adapter(fake).remove(names);
    await adapter(fake).remove([]);
    expect(fake.requests.map((r) => (r.body as { prefixes: string[] }).prefixes.length)).toEqual([1000, 1]);
    expect(fake.objects.size).toBe(0);
  });

  it("empties a folder page by page, sub-folders included, and touches nothing outside it", async () => {
    const inFolder = Array.from({ length: 2500 }, (_, i) => `u1/generation-${String(i).padStart(4, "0")}.png`);
    const fake = fakeSupabase({ objects: [...inFolder, "u1/drafts/a.png", "u1/drafts/deeper/b.png", "u10/keep.png", "u2/keep.png"] });
    await adapter(fake).removeFolder("u1");
    expect([...fake.objects].sort()).toEqual(["u10/keep.png", "u2/keep.png"]);
    const lists = fake.requests.filter((r) => r.url.endsWith(`/object/list/${GENERATIONS_BUCKET}`));
    expect(lists.every((r) => (r.body as { offset: number }).offset === 0)).toBe(true);
    expect(lists.map((r) => (r.body as { prefix: string }).prefix)).toContain("u1/drafts/deeper");
  });

  it("stops instead of looping when removal makes no progress", async () => {
    const fake = fakeSupabase({
      objects: ["u1/stuck.png"],
      answer: (request) => (request.method === "DELETE" ? Response.json([]) : undefined),
    });
    await expect(adapter(fake).removeFolder("u1")).rejects.toThrow(/did not remove the files under "postora-generations\/u1\/"/);
  });

  it("explains failures: a wrong key, a missing bucket, an unreachable project", async () => {
    const forbidden = fakeSupabase({ answer: () => supabaseError("403", "Unauthorized", "invalid signature") });
    const wrongKey = await adapter(forbidden).createSignedUploadUrl("u1/a.png").catch((error: unknown) => error);
    expect(wrongKey).toBeInstanceOf(SupabaseStorageError);
    expect((wrongKey as Error).message).toMatch(/could not create a signed upload URL for "postora-generations\/u1\/a\.png": invalid signature \(HTTP 400, code 403\)\./);
    expect((wrongKey as Error).message).toMatch(/SUPABASE_SERVICE_ROLE_KEY/);

    // The database's guard refuses with 403 too: its message is the whole story, no hint about the key.
    const guarded = fakeSupabase({ answer: () => supabaseError("403", "AccessDenied", "u1/a.png: this upload URL has expired: ask for a new one.") });
    const refused = (await adapter(guarded).createSignedDownloadUrl("u1/a.png", 60).catch((error: unknown) => error)) as Error;
    expect(refused.message).toBe(
      'Supabase Storage could not create a signed download URL for "postora-generations/u1/a.png": u1/a.png: this upload URL has expired: ask for a new one (HTTP 400, code 403).',
    );

    const noBucket = fakeSupabase({ answer: () => supabaseError("404", "Bucket not found", "Bucket not found") });
    await expect(adapter(noBucket).createSignedDownloadUrl("u1/a.png", 60)).rejects.toThrow(/Apply supabase\/migrations/);

    const offline = fakeSupabase({
      answer: () => {
        throw new TypeError("fetch failed");
      },
    });
    await expect(adapter(offline).remove(["u1/a.png"])).rejects.toThrow(/Check SUPABASE_URL/);
    await expect(adapter(offline).exists("u1/a.png")).rejects.toThrow(/could not check whether a file exists/);
  });

  it("validates paths before any request, exactly as the local adapter does", async () => {
    const fake = fakeSupabase();
    const storage = adapter(fake);
    await expect(storage.createSignedUploadUrl("/leading.png")).rejects.toBeInstanceOf(InvalidObjectPathError);
    await expect(storage.remove(["a/../b.png"])).rejects.toBeInstanceOf(InvalidObjectPathError);
    await expect(storage.removeFolder("")).rejects.toBeInstanceOf(InvalidObjectPathError);
    expect(fake.requests).toEqual([]);
  });
});
