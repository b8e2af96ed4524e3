/**
 * The local adapter as the API uses it (FileStorage), on real Postgres and a
 * throwaway data folder: signed URLs, existence, removal of files and their
 * storage.objects rows, and the signing key's life on disk.
 */
import { mkdir, mkdtemp, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { StorageObjectNotFoundError } from "@/lib/storage/errors";
import { getStorage } from "@/lib/storage/index";
import { getLocalStorage, LocalStorage } from "@/lib/storage/local/adapter";
import { receiveSignedUpload } from "@/lib/storage/local/transfers";
import { uploadUrlTtlSeconds } from "@/lib/storage/upload-window";
import { InvalidObjectPathError } from "@/lib/storage/paths";
import { signingKeyPath } from "@/lib/storage/signing";
import { GENERATIONS_BUCKET, generationObjectPath } from "@/lib/storage/types";
import { seedGeneration, seedUser, type SeededUser } from "@/test/support";
import { pngOfSize, receiveTinyPng, streamOf, TINY_PNG } from "@/test/storage";

let alice: SeededUser;
let bob: SeededUser;

beforeAll(async () => {
  alice = await seedUser();
  bob = await seedUser();
});

const storage = () => getLocalStorage();

async function uploaded(owner: SeededUser, storageImpl: LocalStorage = storage()): Promise<string> {
  const objectPath = generationObjectPath(owner.id, await seedGeneration(owner.id));
  const { token } = await storageImpl.createSignedUploadUrl(objectPath);
  await receiveTinyPng(storageImpl, objectPath, token);
  return objectPath;
}

async function rowNames(prefix: string): Promise<string[]> {
  const rows = await asService((sql) => sql<{ name: string }[]>`
    select name from storage.objects where bucket_id = ${GENERATIONS_BUCKET} and starts_with(name, ${prefix}) order by name`);
  return rows.map((row) => row.name);
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("getStorage", () => {
  it("is the local adapter when Supabase is not configured, one per process", () => {
    expect(getEnv().supabase).toBeNull();
    expect(getStorage()).toBeInstanceOf(LocalStorage);
    expect(getStorage()).toBe(getStorage());
    expect(getStorage()).toBe(getLocalStorage());
  });
});

describe("signed URLs", () => {
  it("signs an upload for fifteen minutes (STORAGE_UPLOAD_URL_TTL_SECONDS), for one path, as a JWT like Supabase's", async () => {
    const objectPath = generationObjectPath(alice.id, await seedGeneration(alice.id));
    const before = Math.floor(Date.now() / 1000);
    const upload = await storage().createSignedUploadUrl(objectPath);
    expect(upload.path).toBe(objectPath);
    expect(upload.token.split(".")).toHaveLength(3);
    const claims = claimsOf(upload.token);
    expect(claims).toMatchObject({ url: `${GENERATIONS_BUCKET}/${objectPath}`, op: "upload" });
    expect(claims.exp).toBe((claims.iat as number) + uploadUrlTtlSeconds());
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(upload.expiresAt.getTime()).toBe((claims.exp as number) * 1000);
  });

  it("signs a download for the lifetime asked, only for a stored object", async () => {
    const objectPath = await uploaded(alice);
    const download = await storage().createSignedDownloadUrl(objectPath, 300);
    const claims = claimsOf(new URL(download.url).searchParams.get("token")!);
    expect(claims).toMatchObject({ url: `${GENERATIONS_BUCKET}/${objectPath}`, op: "download" });
    expect(claims.exp).toBe((claims.iat as number) + 300);

    const missing = generationObjectPath(alice.id, await seedGeneration(alice.id));
    await expect(storage().createSignedDownloadUrl(missing, 60)).rejects.toBeInstanceOf(StorageObjectNotFoundError);
    for (const bad of [0, -5, 1.5, Number.NaN]) {
      await expect(storage().createSignedDownloadUrl(objectPath, bad)).rejects.toThrow(/whole number of seconds/);
    }
  });

  it("refuses paths that could escape the bucket's folder or that Supabase would not accept", async () => {
    for (const bad of ["", "/abs.png", "a//b.png", "a/../../etc/passwd", "./a.png", "a/", "back\\slash.png", "a/b?.png", "nul\0.png"]) {
      await expect(storage().createSignedUploadUrl(bad)).rejects.toBeInstanceOf(InvalidObjectPathError);
      await expect(storage().exists(bad)).rejects.toBeInstanceOf(InvalidObjectPathError);
    }
    await expect(storage().removeFolder("")).rejects.toBeInstanceOf(InvalidObjectPathError);
    await expect(storage().removeFolder("..")).rejects.toBeInstanceOf(InvalidObjectPathError);
    await expect(storage().remove(["ok.png", "../x.png"])).rejects.toBeInstanceOf(InvalidObjectPathError);
  });
});

describe("files on disk", () => {
  it("keeps each object at <dataDir>/storage/<bucket>/<path>", async () => {
    const objectPath = await uploaded(alice);
    const file = path.join(getEnv().dataDir, "storage", GENERATIONS_BUCKET, ...objectPath.split("/"));
    expect((await stat(file)).size).toBe(TINY_PNG.length);
  });

  it("exists: true for an uploaded object, false otherwise", async () => {
    const objectPath = await uploaded(alice);
    expect(await storage().exists(objectPath)).toBe(true);
    expect(await storage().exists(`${alice.id}/generation-never-uploaded.png`)).toBe(false);
    // A folder is not an object.
    expect(await storage().exists(alice.id)).toBe(false);
  });

  it("remove deletes files and their rows, ignores missing ones, and leaves the rest", async () => {
    const owner = await seedUser();
    const first = await uploaded(owner);
    const second = await uploaded(owner);
    const kept = await uploaded(owner);
    await storage().remove([first, second, `${owner.id}/generation-never-uploaded.png`]);
    expect(await storage().exists(first)).toBe(false);
    expect(await storage().exists(second)).toBe(false);
    expect(await storage().exists(kept)).toBe(true);
    expect(await rowNames(owner.id)).toEqual([kept]);
    await storage().remove([]);
  });

  it("removeFolder deletes every file and row under the folder, nested ones too, and nothing else", async () => {
    const leaving = await seedUser();
    const own = [await uploaded(leaving), await uploaded(leaving)];
    // The database no longer accepts other names in this bucket; a nested file left from before still goes.
    const nested = `${leaving.id}/drafts/generation-nested.png`;
    await mkdir(path.join(getEnv().dataDir, "storage", GENERATIONS_BUCKET, leaving.id, "drafts"), { recursive: true });
    await writeFile(path.join(getEnv().dataDir, "storage", GENERATIONS_BUCKET, nested), TINY_PNG);
    const othersFile = await uploaded(bob);
    expect(await rowNames(leaving.id)).toHaveLength(2);
    expect(await storage().exists(nested)).toBe(true);

    await storage().removeFolder(leaving.id);
    for (const objectPath of [...own, nested]) expect(await storage().exists(objectPath)).toBe(false);
    expect(await rowNames(leaving.id)).toEqual([]);
    expect(await storage().exists(othersFile)).toBe(true);
    expect(await rowNames(bob.id)).toContain(othersFile);
    const bucketFolders = await readdir(path.join(getEnv().dataDir, "storage", GENERATIONS_BUCKET));
    expect(bucketFolders).not.toContain(leaving.id);

    // A folder that does not exist is already removed.
    await storage().removeFolder(`${leaving.id}-gone`);
  });

  it("bounds a multipart body without a declared length by counting what arrives", async () => {
    const objectPath = generationObjectPath(alice.id, await seedGeneration(alice.id));
    const { token } = await storage().createSignedUploadUrl(objectPath);
    const form = new FormData();
    form.append("cacheControl", "3600");
    form.append("", new Blob([pngOfSize(12 * 1024 * 1024)], { type: "image/png" }));
    const encoded = new Response(form);
    const body = streamOf(new Uint8Array(await encoded.arrayBuffer()));
    await expect(
      receiveSignedUpload(storage(), {
        bucket: GENERATIONS_BUCKET,
        path: objectPath,
        token,
        headers: new Headers({ "content-type": encoded.headers.get("content-type")! }),
        body,
      }),
    ).rejects.toMatchObject({ status: 413, code: "EntityTooLarge" });
    expect(await storage().exists(objectPath)).toBe(false);
  });
});

describe("the signing key", () => {
  it("is created once under the data folder, readable by its owner only", async () => {
    await storage().createSignedUploadUrl(`${alice.id}/key-check.png`);
    const info = await stat(signingKeyPath(getEnv().dataDir));
    expect(info.mode & 0o777).toBe(0o600);
  });

  it("is shared by adapters on the same data folder, and a different folder's key is refused", async () => {
    const objectPath = generationObjectPath(alice.id, await seedGeneration(alice.id));
    const sameFolder = new LocalStorage({ dataDir: getEnv().dataDir, appUrl: getEnv().appUrl });
    const { token } = await sameFolder.createSignedUploadUrl(objectPath);
    const accepted = await receiveTinyPng(storage(), objectPath, token);
    expect(accepted).toEqual({ Key: `${GENERATIONS_BUCKET}/${objectPath}` });

    const elsewhere = new LocalStorage({ dataDir: await mkdtemp(path.join(process.env.POSTORA_DATA_DIR!, "postora-other-key-")), appUrl: getEnv().appUrl });
    const foreign = await elsewhere.createSignedUploadUrl(objectPath);
    await expect(
      receiveSignedUpload(storage(), {
        bucket: GENERATIONS_BUCKET,
        path: objectPath,
        token: foreign.token,
        headers: new Headers({ "content-type": "image/png" }),
        body: new Blob([TINY_PNG]).stream(),
      }),
    ).rejects.toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });
});
