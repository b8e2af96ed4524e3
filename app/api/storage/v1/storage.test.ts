/**
 * The local storage server through its route handlers, with real Requests:
 * what a browser or supabase-js sends to a signed URL, and what it gets back.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { createClient } from "@supabase/supabase-js";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { GET, PUT } from "@/app/api/storage/v1/[...path]/route";
import { asService, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { uploadUrlTtlSeconds } from "@/lib/storage/upload-window";
import { noRealtimeTransport } from "@/lib/storage/supabase";
import { GENERATIONS_BUCKET, generationObjectPath } from "@/lib/storage/types";
import { seedGeneration, seedUser, type SeededUser } from "@/test/support";
import { pngOfSize, storageFetch, streamOf, TINY_PNG } from "@/test/storage";

const TEN_MIB = 10 * 1024 * 1024;

let alice: SeededUser;
let bob: SeededUser;

beforeAll(async () => {
  alice = await seedUser();
  bob = await seedUser();
});

afterEach(() => {
  vi.useRealTimers();
});

const storage = () => getLocalStorage();

async function newObjectPath(owner: SeededUser = alice): Promise<string> {
  return generationObjectPath(owner.id, await seedGeneration(owner.id));
}

function put(url: string, body: BodyInit | null, headers: Record<string, string> = { "content-type": "image/png" }): Promise<Response> {
  return storageFetch(url, { method: "PUT", headers, body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** Swaps the path in a signed URL, keeping its token. */
function retarget(url: string, objectPath: string): string {
  const parsed = new URL(url);
  parsed.pathname = parsed.pathname.replace(/(\/object\/(?:upload\/)?sign\/[^/]+\/).*$/, `$1${objectPath}`);
  return parsed.toString();
}

async function storedRows(objectPath: string) {
  return asService((sql) => sql<{ name: string; metadata: Record<string, unknown> }[]>`
    select name, metadata from storage.objects where bucket_id = ${GENERATIONS_BUCKET} and name = ${objectPath}`);
}

async function partialFiles(): Promise<string[]> {
  return readdir(path.join(getEnv().dataDir, "storage", ".partial")).catch(() => []);
}

describe("a signed upload and download round trip", () => {
  it("stores real PNG bytes PUT to the upload URL and serves the same bytes at the download URL", async () => {
    const objectPath = await newObjectPath();
    const upload = await storage().createSignedUploadUrl(objectPath);
    expect(upload.url).toBe(`${getEnv().appUrl}/api/storage/v1/object/upload/sign/${GENERATIONS_BUCKET}/${objectPath}?token=${upload.token}`);

    // The route handler itself, called as Next.js calls it.
    const params = (...prefix: string[]) => ({ params: Promise.resolve({ path: [...prefix, GENERATIONS_BUCKET, ...objectPath.split("/")] }) });
    const uploaded = await PUT(new Request(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG }), params("object", "upload", "sign"));
    expect(uploaded.status).toBe(200);
    expect(await uploaded.json()).toEqual({ Key: `${GENERATIONS_BUCKET}/${objectPath}` });
    expect(uploaded.headers.get("access-control-allow-origin")).toBe("*");

    const download = await storage().createSignedDownloadUrl(objectPath, 60);
    expect(download.url).toMatch(new RegExp(`/api/storage/v1/object/sign/${GENERATIONS_BUCKET}/${objectPath}\\?token=`));
    const downloaded = await GET(new Request(download.url), params("object", "sign"));
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get("content-type")).toBe("image/png");
    expect(downloaded.headers.get("cache-control")).toMatch(/^private, max-age=(5\d|60)$/);
    expect(downloaded.headers.get("content-length")).toBe(String(TINY_PNG.length));
    expect(downloaded.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await bytesOf(downloaded)).toEqual(TINY_PNG);
  });

  it("works unchanged through supabase-js's uploadToSignedUrl, for a Blob (multipart) and for raw bytes", async () => {
    const supabase = createClient(`${getEnv().appUrl}/api`, "local-anon-key", {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Node 20 has no WebSocket for the Realtime client supabase-js builds eagerly; a browser has one.
      realtime: { transport: noRealtimeTransport },
      global: { fetch: storageFetch },
    });
    const bucket = supabase.storage.from(GENERATIONS_BUCKET);

    const asBlob = await newObjectPath();
    const blobUpload = await storage().createSignedUploadUrl(asBlob);
    const fromBlob = await bucket.uploadToSignedUrl(asBlob, blobUpload.token, new Blob([TINY_PNG], { type: "image/png" }));
    expect(fromBlob.error).toBeNull();
    expect(fromBlob.data).toEqual({ path: asBlob, fullPath: `${GENERATIONS_BUCKET}/${asBlob}` });

    const asBytes = await newObjectPath();
    const bytesUpload = await storage().createSignedUploadUrl(asBytes);
    const fromBytes = await bucket.uploadToSignedUrl(asBytes, bytesUpload.token, TINY_PNG, { contentType: "image/png" });
    expect(fromBytes.error).toBeNull();
    expect(fromBytes.data?.fullPath).toBe(`${GENERATIONS_BUCKET}/${asBytes}`);

    for (const objectPath of [asBlob, asBytes]) {
      const response = await storageFetch((await storage().createSignedDownloadUrl(objectPath, 60)).url);
      expect(await bytesOf(response)).toEqual(TINY_PNG);
      const [row] = await storedRows(objectPath);
      expect(row?.metadata).toMatchObject({ size: TINY_PNG.length, mimetype: "image/png" });
    }
    expect((await storedRows(asBlob))[0]?.metadata).toMatchObject({ cacheControl: "max-age=3600" });
  });

  it("reports refusals to supabase-js as Supabase does: status and statusCode on the error", async () => {
    const supabase = createClient(`${getEnv().appUrl}/api`, "local-anon-key", {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Node 20 has no WebSocket for the Realtime client supabase-js builds eagerly; a browser has one.
      realtime: { transport: noRealtimeTransport },
      global: { fetch: storageFetch },
    });
    const objectPath = await newObjectPath();
    const { token } = await storage().createSignedUploadUrl(objectPath);
    const bucket = supabase.storage.from(GENERATIONS_BUCKET);

    const wrongType = await bucket.uploadToSignedUrl(objectPath, token, new Blob(["hello"], { type: "text/plain" }));
    expect(wrongType.error).toMatchObject({ status: 415, statusCode: "415", message: expect.stringMatching(/mime type text\/plain is not supported/) });

    const tooBig = await bucket.uploadToSignedUrl(objectPath, token, new Blob([pngOfSize(TEN_MIB + 1)], { type: "image/png" }));
    expect(tooBig.error).toMatchObject({ status: 413, statusCode: "413" });

    // storage-js's default content type for raw bytes is text/plain: Supabase refuses that too.
    const unlabelled = await bucket.uploadToSignedUrl(objectPath, token, TINY_PNG);
    expect(unlabelled.error).toMatchObject({ status: 415 });
    expect(await storedRows(objectPath)).toEqual([]);
  });

  it("replaces the file when the same path is uploaded again", async () => {
    const objectPath = await newObjectPath();
    const other = pngOfSize(100);
    expect((await put((await storage().createSignedUploadUrl(objectPath)).url, TINY_PNG)).status).toBe(200);
    expect((await put((await storage().createSignedUploadUrl(objectPath)).url, other)).status).toBe(200);
    const response = await storageFetch((await storage().createSignedDownloadUrl(objectPath, 60)).url);
    expect(await bytesOf(response)).toEqual(other);
    expect(await storedRows(objectPath)).toHaveLength(1);
  });

  it("answers a browser's CORS preflight", async () => {
    const { url } = await storage().createSignedUploadUrl(await newObjectPath());
    const response = await storageFetch(url, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "PUT", "access-control-request-headers": "x-upsert, apikey" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-methods")).toBe("PUT, OPTIONS");
    expect(response.headers.get("access-control-allow-headers")).toBe("x-upsert, apikey");
  });
});

describe("the one route", () => {
  it("answers paths outside the signed-URL protocol with a Supabase-shaped 404", async () => {
    const { url } = await storage().createSignedUploadUrl(await newObjectPath());
    const base = url.slice(0, url.indexOf("/object/"));
    for (const stray of [`${base}/object/list/${GENERATIONS_BUCKET}`, `${base}/object/sign/${GENERATIONS_BUCKET}`, `${base}/bucket`, `${base}/object/upload/sign`]) {
      const response = await storageFetch(stray);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ statusCode: "404", code: "NotFound", message: expect.stringMatching(/No local storage route/) });
    }
  });

  it("answers 405 to the other method on a signed URL, and changes nothing", async () => {
    const objectPath = await newObjectPath();
    const upload = await storage().createSignedUploadUrl(objectPath);
    const getUpload = await storageFetch(upload.url);
    expect(getUpload.status).toBe(405);
    expect(getUpload.headers.get("allow")).toBe("PUT, OPTIONS");
    await put(upload.url, TINY_PNG);
    const download = await storage().createSignedDownloadUrl(objectPath, 60);
    const putDownload = await put(download.url, pngOfSize(64));
    expect(putDownload.status).toBe(405);
    expect(await putDownload.json()).toMatchObject({ statusCode: "405", message: "Use GET for this signed URL." });
    expect(await bytesOf(await storageFetch(download.url))).toEqual(TINY_PNG);
  });

  it("answers a download's preflight for GET", async () => {
    const objectPath = await newObjectPath();
    await put((await storage().createSignedUploadUrl(objectPath)).url, TINY_PNG);
    const { url } = await storage().createSignedDownloadUrl(objectPath, 60);
    const response = await storageFetch(url, { method: "OPTIONS", headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" } });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, OPTIONS");
  });
});

describe("storage.objects", () => {
  it("records an upload with Supabase's metadata, visible under RLS to its owner only", async () => {
    const objectPath = await newObjectPath(alice);
    expect((await put((await storage().createSignedUploadUrl(objectPath)).url, TINY_PNG)).status).toBe(200);

    const [row] = await storedRows(objectPath);
    expect(row?.metadata).toEqual({
      eTag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      size: TINY_PNG.length,
      mimetype: "image/png",
      cacheControl: "no-cache",
      lastModified: expect.any(String),
      contentLength: TINY_PNG.length,
      httpStatusCode: 200,
    });

    const visible = (identity: SeededUser["identity"] | null) =>
      withUser(identity, (sql) => sql<{ name: string }[]>`select name from storage.objects where name = ${objectPath}`);
    expect((await visible(alice.identity)).map((r) => r.name)).toEqual([objectPath]);
    expect(await visible(bob.identity)).toEqual([]);
    expect(await visible(null)).toEqual([]);
  });
});

describe("refusals", () => {
  it("refuses an expired upload or download URL", async () => {
    const uploadPath = await newObjectPath();
    const downloadPath = await newObjectPath();
    await put((await storage().createSignedUploadUrl(downloadPath)).url, TINY_PNG);
    const upload = await storage().createSignedUploadUrl(uploadPath);
    const download = await storage().createSignedDownloadUrl(downloadPath, 60);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    const lateDownload = await storageFetch(download.url);
    expect(lateDownload.status).toBe(400);
    expect(await lateDownload.json()).toMatchObject({ statusCode: "400", code: "ExpiredToken" });

    vi.setSystemTime(Date.now() + uploadUrlTtlSeconds() * 1000);
    const lateUpload = await put(upload.url, TINY_PNG);
    expect(lateUpload.status).toBe(400);
    expect(await lateUpload.json()).toMatchObject({ code: "ExpiredToken", message: expect.stringMatching(/expired/) });
    vi.useRealTimers();
    expect(await storedRows(uploadPath)).toEqual([]);
  });

  it("refuses tampered tokens: an altered signature, an altered payload, no token", async () => {
    const objectPath = await newObjectPath();
    const other = await newObjectPath();
    const { url, token } = await storage().createSignedUploadUrl(objectPath);
    const [header, payload, signature] = token.split(".") as [string, string, string];

    const flipped = signature.slice(0, -1) + (signature.endsWith("A") ? "B" : "A");
    const alteredSignature = await put(url.replace(token, `${header}.${payload}.${flipped}`), TINY_PNG);
    expect(alteredSignature.status).toBe(403);
    expect(await alteredSignature.json()).toMatchObject({ statusCode: "403", code: "SignatureDoesNotMatch" });

    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, url: `${GENERATIONS_BUCKET}/${other}` })).toString("base64url");
    const forged = await put(retarget(url, other).replace(token, `${header}.${forgedPayload}.${signature}`), TINY_PNG);
    expect(forged.status).toBe(403);

    const noneAlg = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const algSwap = await put(url.replace(token, `${noneAlg}.${payload}.`), TINY_PNG);
    expect(algSwap.status).toBe(400);
    expect(await algSwap.json()).toMatchObject({ code: "InvalidJWT" });

    const missing = await put(url.replace(/\?token=.*$/, ""), TINY_PNG);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: "MissingParameter" });
    expect(await storedRows(objectPath)).toEqual([]);
    expect(await storedRows(other)).toEqual([]);
  });

  it("binds a token to one exact bucket and path", async () => {
    const mine = await newObjectPath(alice);
    const theirs = await newObjectPath(bob);
    const { url } = await storage().createSignedUploadUrl(mine);

    for (const target of [retarget(url, theirs), retarget(url, `${mine}.png`), retarget(url, `${alice.id}/other.png`)]) {
      const response = await put(target, TINY_PNG);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: "InvalidSignature" });
    }
    const otherBucket = await put(url.replace(`/sign/${GENERATIONS_BUCKET}/`, "/sign/another-bucket/"), TINY_PNG);
    expect(otherBucket.status).toBe(403);
    expect(await storedRows(theirs)).toEqual([]);

    // Downloads too: a download token for one object opens no other.
    await put(url, TINY_PNG);
    await put((await storage().createSignedUploadUrl(theirs)).url, pngOfSize(64));
    const download = await storage().createSignedDownloadUrl(mine, 60);
    expect((await storageFetch(retarget(download.url, theirs))).status).toBe(403);
  });

  it("keeps upload and download tokens apart", async () => {
    const objectPath = await newObjectPath();
    const upload = await storage().createSignedUploadUrl(objectPath);
    await put(upload.url, TINY_PNG);
    const download = await storage().createSignedDownloadUrl(objectPath, 60);

    const uploadTokenToDownload = await storageFetch(download.url.replace(/token=.*$/, `token=${upload.token}`));
    expect(uploadTokenToDownload.status).toBe(403);
    expect(await uploadTokenToDownload.json()).toMatchObject({ code: "AccessDenied" });

    const downloadToken = new URL(download.url).searchParams.get("token")!;
    const downloadTokenToUpload = await put(upload.url.replace(/token=.*$/, `token=${downloadToken}`), pngOfSize(64));
    expect(downloadTokenToUpload.status).toBe(403);
    expect(await downloadTokenToUpload.json()).toMatchObject({ code: "AccessDenied" });
    expect(await bytesOf(await storageFetch(download.url))).toEqual(TINY_PNG);
  });

  it("refuses content types the bucket does not allow, before reading the body", async () => {
    const objectPath = await newObjectPath();
    const { url } = await storage().createSignedUploadUrl(objectPath);
    for (const type of ["image/jpeg", "text/plain;charset=UTF-8", "application/octet-stream"]) {
      const response = await put(url, TINY_PNG, { "content-type": type });
      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({
        statusCode: "415",
        code: "InvalidMimeType",
        error: "invalid_mime_type",
        message: expect.stringContaining("this bucket accepts application/pdf, image/png"),
      });
    }
    const noType = await put(url, new Blob([TINY_PNG]).stream(), {});
    expect(noType.status).toBe(415);
    expect(await storedRows(objectPath)).toEqual([]);
  });

  it("refuses bytes that are not a PNG even when labelled image/png", async () => {
    const objectPath = await newObjectPath();
    const { url } = await storage().createSignedUploadUrl(objectPath);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01]);
    for (const body of [jpeg, new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"), TINY_PNG.subarray(0, 8), new Uint8Array()]) {
      const response = await put(url, body);
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ code: "InvalidMimeType", message: expect.stringMatching(/not a PNG/) });
    }
    expect(await storedRows(objectPath)).toEqual([]);
    expect(await storage().exists(objectPath)).toBe(false);
  });

  it("accepts a file of exactly the bucket's limit and refuses one byte more, declared or streamed", async () => {
    const objectPath = await newObjectPath();
    const { url } = await storage().createSignedUploadUrl(objectPath);

    const declared = await put(url, pngOfSize(TEN_MIB + 1), { "content-type": "image/png", "content-length": String(TEN_MIB + 1) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ statusCode: "413", code: "EntityTooLarge", message: expect.stringMatching(/10 MiB/) });
    // The unread rest of the body must not be taken for the client's next request.
    expect(declared.headers.get("connection")).toBe("close");

    // A declared length over the limit is refused without reading a byte of the body.
    let pulled = false;
    const untouched = new ReadableStream<Uint8Array>({ pull: () => void (pulled = true) }, { highWaterMark: 0 });
    const early = await put(url, untouched, { "content-type": "image/png", "content-length": String(TEN_MIB * 2) });
    expect(early.status).toBe(413);
    expect(pulled).toBe(false);

    const streamed = await put(url, streamOf(pngOfSize(TEN_MIB + 1)));
    expect(streamed.status).toBe(413);
    expect(await storedRows(objectPath)).toEqual([]);
    expect(await partialFiles()).toEqual([]);

    const atLimit = await put(url, streamOf(pngOfSize(TEN_MIB)));
    expect(atLimit.status).toBe(200);
    expect((await storedRows(objectPath))[0]?.metadata).toMatchObject({ size: TEN_MIB });
  });

  it("answers 404 for a download of a removed object", async () => {
    const objectPath = await newObjectPath();
    await put((await storage().createSignedUploadUrl(objectPath)).url, TINY_PNG);
    const { url } = await storage().createSignedDownloadUrl(objectPath, 60);
    await storage().remove([objectPath]);
    const response = await storageFetch(url);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: "404", code: "NoSuchKey" });
  });
});
