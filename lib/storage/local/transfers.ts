/**
 * The two things a signed URL does on the local storage server: receive an
 * upload (Supabase's uploadToSignedUrl) and open a download. Each checks its
 * token against exactly this bucket, path and operation first; the body
 * checks are body.ts, the bookkeeping objects.ts. server.ts turns these
 * into HTTP.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { asService } from "@/lib/db/client";
import { StorageRequestError } from "@/lib/storage/errors";
import type { LocalStorage } from "@/lib/storage/local/adapter";
import { readUpload, receiveInto } from "@/lib/storage/local/body";
import { errno } from "@/lib/storage/local/disk";
import { bucketRules, objectMetadata, recordObject, type ObjectMetadata } from "@/lib/storage/local/objects";
import { checkBucketName, checkObjectPath, InvalidObjectPathError } from "@/lib/storage/paths";
import { verifyToken, type TokenOperation } from "@/lib/storage/signing";

type SignedRequest = { bucket: string; path: string; token: string | null };

export type SignedUploadRequest = SignedRequest & { headers: Headers; body: ReadableStream<Uint8Array> | null };

type SignedDownloadFile = {
  body: ReadableStream<Uint8Array>;
  size: number;
  contentType: string;
  eTag: string | null;
  lastModified: Date;
  /** When the URL stops working: nothing should cache the bytes beyond it. */
  expiresAt: Date;
  /** The object's file name, for Content-Disposition. */
  fileName: string;
};

/** Checks the token against exactly this bucket, path and operation. */
async function authorise(storage: LocalStorage, request: SignedRequest, op: TokenOperation) {
  if (!request.token) {
    throw new StorageRequestError(400, "MissingParameter", "Missing Required Parameter token: use the signed URL exactly as the API returned it.");
  }
  const check = verifyToken(await storage.signingKey(), request.token);
  if (!check.ok) {
    if (check.reason === "expired") {
      const message =
        op === "upload"
          ? "This upload URL has expired: ask for a new one (createGenerationUploadUrl)."
          : "This download URL has expired: ask the API for a new one.";
      throw new StorageRequestError(400, "ExpiredToken", message);
    }
    if (check.reason === "signature") {
      throw new StorageRequestError(
        403,
        "SignatureDoesNotMatch",
        "The token's signature does not match: the URL was altered, or signed with another key (a different data folder, or a deleted storage-signing-key).",
      );
    }
    throw new StorageRequestError(400, "InvalidJWT", "The token is not a signed-URL token: use the signed URL exactly as the API returned it.");
  }
  if (check.claims.url !== `${request.bucket}/${request.path}`) {
    throw new StorageRequestError(403, "InvalidSignature", "The url do not match the signature: this token is valid for exactly one other object.");
  }
  if (check.claims.op !== op) {
    const wanted = op === "upload" ? "a signed upload URL" : "a signed download URL";
    throw new StorageRequestError(403, "AccessDenied", `This token was issued for ${check.claims.op === "upload" ? "uploading" : "downloading"}; use ${wanted}.`);
  }
  try {
    checkBucketName(request.bucket);
    checkObjectPath(request.path);
  } catch (error) {
    if (error instanceof InvalidObjectPathError) throw new StorageRequestError(400, "InvalidKey", error.message);
    throw error;
  }
  return { bucket: request.bucket, objectPath: request.path, expiresAt: new Date(check.claims.exp * 1000) };
}

/** PUT /object/upload/sign/<bucket>/<path>?token=...: Supabase's uploadToSignedUrl. */
export async function receiveSignedUpload(storage: LocalStorage, request: SignedUploadRequest): Promise<{ Key: string }> {
  const { bucket, objectPath } = await authorise(storage, request, "upload");
  const rules = await asService((sql) => bucketRules(sql, bucket), storage.db);
  const incoming = await readUpload(request.headers, request.body, rules);

  const partial = await storage.disk.partialFile();
  try {
    const { size, md5 } = await receiveInto(partial, incoming.stream, rules.fileSizeLimit, incoming.mimetype === "image/png");
    const metadata: ObjectMetadata = {
      eTag: `"${md5}"`,
      size,
      mimetype: incoming.mimetype,
      cacheControl: incoming.cacheControl,
      lastModified: new Date().toISOString(),
      contentLength: size,
      httpStatusCode: 200,
    };
    const target = storage.disk.fileFor(bucket, objectPath);
    // The file moves into place inside the transaction that records it: a
    // failed move rolls the row back, so a recorded object is a stored one.
    await asService(async (sql) => {
      await recordObject(sql, bucket, objectPath, metadata, randomUUID());
      await mkdir(path.dirname(target), { recursive: true });
      await rename(partial, target);
    }, storage.db);
  } finally {
    await unlink(partial).catch(() => {});
  }
  return { Key: `${bucket}/${objectPath}` };
}

/** GET /object/sign/<bucket>/<path>?token=...: a signed download URL. */
export async function openSignedDownload(storage: LocalStorage, request: SignedRequest): Promise<SignedDownloadFile> {
  const { bucket, objectPath, expiresAt } = await authorise(storage, request, "download");
  let handle;
  try {
    handle = await open(storage.disk.fileFor(bucket, objectPath), "r");
  } catch (error) {
    if (errno(error) === "ENOENT" || errno(error) === "ENOTDIR" || errno(error) === "EISDIR") {
      throw new StorageRequestError(404, "NoSuchKey", "Object not found: it was never uploaded or has been removed.", "not_found");
    }
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new StorageRequestError(404, "NoSuchKey", "Object not found: the path names a folder.", "not_found");
    const metadata = await asService((sql) => objectMetadata(sql, bucket, objectPath), storage.db);
    const stream = Readable.toWeb(handle.createReadStream()) as unknown as ReadableStream<Uint8Array>;
    return {
      body: stream,
      size: info.size,
      contentType: metadata?.mimetype ?? "application/octet-stream",
      eTag: metadata?.eTag ?? null,
      lastModified: info.mtime,
      expiresAt,
      fileName: path.posix.basename(objectPath),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
