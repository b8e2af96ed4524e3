/**
 * The local storage adapter: the embedded default when Supabase is not
 * configured. Files live under <dataDir>/storage/<bucket>/<path>.
 *
 * It serves Supabase Storage's own signed-URL routes under
 * `${appUrl}/api/storage/v1`, so the client side is identical on both:
 * a PUT of the raw bytes or supabase-js's `uploadToSignedUrl` (multipart)
 * to the upload URL answers `{ Key }`, and a GET of the download URL answers
 * the bytes. Like Supabase it enforces the bucket's storage.buckets row
 * (allowed_mime_types, file_size_limit) and records each upload in
 * storage.objects, which is what GraphQL reads under RLS to know a file exists.
 *
 * Stricter than Supabase on purpose: a token is bound to one operation as well
 * as one path, and a file labelled image/png must start like a PNG.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { asService, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { StorageObjectNotFoundError, StorageRequestError } from "@/lib/storage/errors";
import { checkBucketName, checkFolderPath, checkObjectPath, encodeObjectPath, InvalidObjectPathError } from "@/lib/storage/paths";
import { loadSigningKey, signToken, verifyToken, type TokenOperation } from "@/lib/storage/signing";
import { GENERATIONS_BUCKET, RENDERED_SOURCE, type FileStorage, type PutRenderedResult, type SignedDownload, type SignedUpload } from "@/lib/storage/types";

/** Where the local server mirrors Supabase's `/storage/v1` (see app/api/storage/v1). */
export const LOCAL_STORAGE_API_PATH = "/api/storage/v1";
/** Supabase's signed upload URLs last two hours and cannot be given another lifetime; ours match. */
export const SIGNED_UPLOAD_TTL_SECONDS = 2 * 60 * 60;
/** Supabase's default global upload limit, for a bucket whose row sets none. */
const DEFAULT_FILE_SIZE_LIMIT = 50 * 1024 * 1024;
/** Room for multipart boundaries and small fields around the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;
/** A PNG starts with its 8-byte signature, then the IHDR chunk (length 13). */
const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

export type SignedUploadRequest = {
  bucket: string;
  path: string;
  token: string | null;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
};

export type SignedDownloadRequest = { bucket: string; path: string; token: string | null };

export type SignedDownloadFile = {
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

type BucketRules = { fileSizeLimit: number; allowedMimeTypes: string[] | null };

type ObjectMetadata = {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
};

type Incoming = { mimetype: string; cacheControl: string; stream: ReadableStream<Uint8Array> };

export type LocalStorageOptions = {
  dataDir: string;
  /** The public base URL of this API; signed URLs point at it. */
  appUrl: string;
  bucket?: string;
  /** The pool storage.objects is written through (tests pass their own). */
  db?: Sql;
};

const mimeEssence = (contentType: string | null | undefined) => (contentType ?? "").split(";")[0]!.trim().toLowerCase();

function mimeAllowed(mimetype: string, allowed: string[] | null): boolean {
  if (!allowed || allowed.length === 0) return true;
  return allowed.some((entry) => {
    const rule = entry.trim().toLowerCase();
    return rule.endsWith("/*") ? mimetype.startsWith(rule.slice(0, -1)) : rule === mimetype;
  });
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

const tooLarge = (limit: number) =>
  new StorageRequestError(
    413,
    "EntityTooLarge",
    `The object exceeded the maximum allowed size: this bucket accepts files up to ${formatBytes(limit)} (${limit} bytes).`,
    "Payload too large",
  );

const unsupportedType = (mimetype: string, allowed: string[] | null) =>
  new StorageRequestError(
    415,
    "InvalidMimeType",
    `mime type ${mimetype || "(none)"} is not supported: this bucket accepts ${allowed?.join(", ")}. ` +
      "Send the file with its Content-Type (a File or Blob carries it; for raw bytes pass contentType).",
    "invalid_mime_type",
  );

const notPng = () =>
  new StorageRequestError(
    415,
    "InvalidMimeType",
    "The file is labelled image/png but its bytes are not a PNG (no PNG signature and IHDR chunk at the start). Upload the PNG file itself.",
    "invalid_mime_type",
  );

function contentLength(headers: Headers): number | null {
  const value = headers.get("content-length");
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Reads a multipart body while counting bytes, so an endless body cannot fill memory. */
async function readBoundedForm(body: ReadableStream<Uint8Array>, contentType: string, maxBytes: number, limit: number): Promise<FormData> {
  let seen = 0;
  let exceeded = false;
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          exceeded = true;
          throw tooLarge(limit);
        }
        controller.enqueue(chunk);
      },
    }),
  );
  try {
    return await new Response(counted, { headers: { "content-type": contentType } }).formData();
  } catch (error) {
    if (exceeded) throw tooLarge(limit);
    throw new StorageRequestError(400, "InvalidRequest", `The multipart body could not be read: ${(error as Error).message}.`);
  }
}

export class LocalStorage implements FileStorage {
  readonly bucket: string;
  readonly baseUrl: string;
  private readonly root: string;
  private readonly dataDir: string;
  private readonly db: Sql | undefined;
  private key: Promise<Buffer> | undefined;

  constructor(options: LocalStorageOptions) {
    this.bucket = options.bucket ?? GENERATIONS_BUCKET;
    checkBucketName(this.bucket);
    this.dataDir = options.dataDir;
    this.root = path.join(options.dataDir, "storage");
    this.baseUrl = `${options.appUrl.replace(/\/$/, "")}${LOCAL_STORAGE_API_PATH}`;
    this.db = options.db;
  }

  // ---------------------------------------------------------------------
  // FileStorage: what the API calls
  // ---------------------------------------------------------------------

  async createSignedUploadUrl(objectPath: string): Promise<SignedUpload> {
    checkObjectPath(objectPath);
    const { token, expiresAt } = await this.sign("upload", this.bucket, objectPath, SIGNED_UPLOAD_TTL_SECONDS);
    const url = `${this.baseUrl}/object/upload/sign/${this.bucket}/${encodeObjectPath(objectPath)}?token=${token}`;
    return { url, token, path: objectPath, expiresAt };
  }

  async createSignedDownloadUrl(objectPath: string, expiresInSeconds: number): Promise<SignedDownload> {
    checkObjectPath(objectPath);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) {
      throw new RangeError(`expiresInSeconds must be a whole number of seconds, at least 1 (got ${expiresInSeconds}).`);
    }
    // Supabase refuses to sign a URL for a missing object; so do we, so callers see the same behaviour on both.
    if (!(await this.exists(objectPath))) throw new StorageObjectNotFoundError(this.bucket, objectPath);
    const { token, expiresAt } = await this.sign("download", this.bucket, objectPath, expiresInSeconds);
    return { url: `${this.baseUrl}/object/sign/${this.bucket}/${encodeObjectPath(objectPath)}?token=${token}`, expiresAt };
  }

  async exists(objectPath: string): Promise<boolean> {
    const file = this.fileFor(this.bucket, objectPath);
    try {
      return (await stat(file)).isFile();
    } catch (error) {
      if (errno(error) === "ENOENT" || errno(error) === "ENOTDIR") return false;
      throw error;
    }
  }

  async putRendered(objectPath: string, png: Uint8Array): Promise<PutRenderedResult> {
    const target = this.fileFor(this.bucket, objectPath);
    await mkdir(path.join(this.root, ".partial"), { recursive: true });
    const partial = path.join(this.root, ".partial", `${randomUUID()}`);
    try {
      const handle = await open(partial, "w");
      try {
        await handle.writeFile(png);
      } finally {
        await handle.close();
      }
      const metadata: ObjectMetadata = {
        eTag: `"${createHash("md5").update(png).digest("hex")}"`,
        size: png.byteLength,
        mimetype: "image/png",
        cacheControl: "no-cache",
        lastModified: new Date().toISOString(),
        contentLength: png.byteLength,
        httpStatusCode: 200,
      };
      // The row's lock decides between us and a person's upload landing at the
      // same moment (receiveSignedUpload upserts the same row): we replace only
      // an absent object or our own earlier rendering, and move the file while
      // holding the lock, so the file on disk always matches the row.
      return await asService(async (sql) => {
        const written = await sql`
          insert into storage.objects (bucket_id, name, metadata, user_metadata, version)
          values (${this.bucket}, ${objectPath}, ${sql.json(metadata)}, ${sql.json({ source: RENDERED_SOURCE })}, ${randomUUID()})
          on conflict (bucket_id, name) do update
            set metadata = excluded.metadata, user_metadata = excluded.user_metadata, version = excluded.version,
                updated_at = now(), last_accessed_at = now()
            where storage.objects.user_metadata ->> 'source' = ${RENDERED_SOURCE}
          returning id`;
        if (written.length === 0) return "kept" as const;
        await mkdir(path.dirname(target), { recursive: true });
        await rename(partial, target);
        return "written" as const;
      }, this.db);
    } finally {
      await unlink(partial).catch(() => {});
    }
  }

  async remove(paths: string[]): Promise<void> {
    const files = paths.map((objectPath) => this.fileFor(this.bucket, objectPath));
    if (files.length === 0) return;
    // Rows and files go together: if a file cannot be deleted the rows come back,
    // so storage.objects never claims less than the disk holds.
    await asService(async (sql) => {
      await sql`delete from storage.objects where bucket_id = ${this.bucket} and name in ${sql(paths)}`;
      for (const file of files) {
        await unlink(file).catch((error: unknown) => {
          if (errno(error) !== "ENOENT") throw error;
        });
        await this.pruneEmptyFolders(this.bucket, path.dirname(file));
      }
    }, this.db);
  }

  async removeFolder(folder: string): Promise<void> {
    checkFolderPath(folder);
    const directory = this.fileFor(this.bucket, folder);
    await asService(async (sql) => {
      await sql`delete from storage.objects where bucket_id = ${this.bucket} and starts_with(name, ${`${folder}/`})`;
      await rm(directory, { recursive: true, force: true });
      await this.pruneEmptyFolders(this.bucket, path.dirname(directory));
    }, this.db);
  }

  // ---------------------------------------------------------------------
  // The server side of the signed URLs (app/api/storage/v1 delegates here)
  // ---------------------------------------------------------------------

  /** PUT /object/upload/sign/<bucket>/<path>?token=...: Supabase's uploadToSignedUrl. */
  async receiveSignedUpload(request: SignedUploadRequest): Promise<{ Key: string }> {
    const { bucket, objectPath } = await this.authorise(request, "upload");
    const rules = await this.bucketRules(bucket);
    const declared = contentLength(request.headers);
    const contentType = request.headers.get("content-type");
    const body = request.body ?? new Blob([]).stream();

    let incoming: Incoming;
    if (mimeEssence(contentType) === "multipart/form-data") {
      if (declared !== null && declared > rules.fileSizeLimit + MULTIPART_OVERHEAD) throw tooLarge(rules.fileSizeLimit);
      const form = await readBoundedForm(body, contentType!, rules.fileSizeLimit + MULTIPART_OVERHEAD, rules.fileSizeLimit);
      const file = [...form.values()].find((value): value is File => typeof value !== "string");
      if (!file) {
        throw new StorageRequestError(
          400,
          "InvalidRequest",
          "No file provided: send the file as a multipart form field (supabase-js does this for a File or Blob) or the raw bytes as the body.",
          "no_file_provided",
        );
      }
      const mimetype = mimeEssence(file.type) || "application/octet-stream";
      if (!mimeAllowed(mimetype, rules.allowedMimeTypes)) throw unsupportedType(mimetype, rules.allowedMimeTypes);
      if (file.size > rules.fileSizeLimit) throw tooLarge(rules.fileSizeLimit);
      const cacheSeconds = form.get("cacheControl");
      const cacheControl = typeof cacheSeconds === "string" && /^\d+$/.test(cacheSeconds) ? `max-age=${cacheSeconds}` : "no-cache";
      incoming = { mimetype, cacheControl, stream: file.stream() };
    } else {
      // Decided from the headers alone, before a byte of the body is read.
      const mimetype = mimeEssence(contentType) || "application/octet-stream";
      if (!mimeAllowed(mimetype, rules.allowedMimeTypes)) throw unsupportedType(mimetype, rules.allowedMimeTypes);
      if (declared !== null && declared > rules.fileSizeLimit) throw tooLarge(rules.fileSizeLimit);
      incoming = { mimetype, cacheControl: request.headers.get("cache-control") ?? "no-cache", stream: body };
    }

    await mkdir(path.join(this.root, ".partial"), { recursive: true });
    const partial = path.join(this.root, ".partial", `${randomUUID()}`);
    try {
      const { size, md5 } = await this.receiveInto(partial, incoming.stream, rules.fileSizeLimit, incoming.mimetype === "image/png");
      const metadata: ObjectMetadata = {
        eTag: `"${md5}"`,
        size,
        mimetype: incoming.mimetype,
        cacheControl: incoming.cacheControl,
        lastModified: new Date().toISOString(),
        contentLength: size,
        httpStatusCode: 200,
      };
      const target = this.fileFor(bucket, objectPath);
      // The file moves into place inside the transaction that records it: a
      // failed move rolls the row back, so a recorded object is a stored one.
      await asService(async (sql) => {
        await sql`
          insert into storage.objects (bucket_id, name, metadata, version)
          values (${bucket}, ${objectPath}, ${sql.json(metadata)}, ${randomUUID()})
          on conflict (bucket_id, name) do update
            set metadata = excluded.metadata, user_metadata = null, version = excluded.version, updated_at = now(), last_accessed_at = now()`;
        await mkdir(path.dirname(target), { recursive: true });
        await rename(partial, target);
      }, this.db);
    } finally {
      await unlink(partial).catch(() => {});
    }
    return { Key: `${bucket}/${objectPath}` };
  }

  /** GET /object/sign/<bucket>/<path>?token=...: a signed download URL. */
  async openSignedDownload(request: SignedDownloadRequest): Promise<SignedDownloadFile> {
    const { bucket, objectPath, expiresAt } = await this.authorise(request, "download");
    let handle;
    try {
      handle = await open(this.fileFor(bucket, objectPath), "r");
    } catch (error) {
      if (errno(error) === "ENOENT" || errno(error) === "ENOTDIR" || errno(error) === "EISDIR") {
        throw new StorageRequestError(404, "NoSuchKey", "Object not found: it was never uploaded or has been removed.", "not_found");
      }
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new StorageRequestError(404, "NoSuchKey", "Object not found: the path names a folder.", "not_found");
      const [row] = await asService(
        (sql) => sql<{ metadata: Partial<ObjectMetadata> | null }[]>`
          select metadata from storage.objects where bucket_id = ${bucket} and name = ${objectPath}`,
        this.db,
      );
      const stream = Readable.toWeb(handle.createReadStream()) as unknown as ReadableStream<Uint8Array>;
      return {
        body: stream,
        size: info.size,
        contentType: row?.metadata?.mimetype ?? "application/octet-stream",
        eTag: row?.metadata?.eTag ?? null,
        lastModified: info.mtime,
        expiresAt,
        fileName: path.posix.basename(objectPath),
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  // ---------------------------------------------------------------------
  // Internals
  // ---------------------------------------------------------------------

  private signingKey(): Promise<Buffer> {
    this.key ??= loadSigningKey(this.dataDir).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async sign(op: TokenOperation, bucket: string, objectPath: string, ttlSeconds: number) {
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + ttlSeconds;
    const token = signToken(await this.signingKey(), { url: `${bucket}/${objectPath}`, op, iat, exp });
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Checks the token against exactly this bucket, path and operation. */
  private async authorise(request: { bucket: string; path: string; token: string | null }, op: TokenOperation) {
    if (!request.token) {
      throw new StorageRequestError(400, "MissingParameter", "Missing Required Parameter token: use the signed URL exactly as the API returned it.");
    }
    const check = verifyToken(await this.signingKey(), request.token);
    if (!check.ok) {
      if (check.reason === "expired") {
        throw new StorageRequestError(400, "ExpiredToken", "The provided token has expired: ask the API for a new signed URL.");
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

  private async bucketRules(bucket: string): Promise<BucketRules> {
    const [row] = await asService(
      (sql) => sql<{ fileSizeLimit: string | number | null; allowedMimeTypes: string[] | null }[]>`
        select file_size_limit, allowed_mime_types from storage.buckets where id = ${bucket}`,
      this.db,
    );
    if (!row) {
      throw new StorageRequestError(404, "NoSuchBucket", `Bucket not found: "${bucket}" has no row in storage.buckets (run the migrations).`, "Bucket not found");
    }
    return {
      fileSizeLimit: row.fileSizeLimit === null ? DEFAULT_FILE_SIZE_LIMIT : Number(row.fileSizeLimit),
      allowedMimeTypes: row.allowedMimeTypes,
    };
  }

  /** Streams the body to a private file, counting bytes and checking a PNG's first bytes as they arrive. */
  private async receiveInto(file: string, stream: ReadableStream<Uint8Array>, limit: number, mustBePng: boolean) {
    const handle = await open(file, "wx", 0o600);
    const reader = stream.getReader();
    const hash = createHash("md5");
    let size = 0;
    let head = Buffer.alloc(0);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limit) throw tooLarge(limit);
        if (mustBePng && head.length < PNG_HEAD.length) {
          head = Buffer.concat([head, value.subarray(0, PNG_HEAD.length - head.length)]);
          if (!PNG_HEAD.subarray(0, head.length).equals(head)) throw notPng();
        }
        hash.update(value);
        await handle.write(value);
      }
      if (mustBePng && head.length < PNG_HEAD.length) throw notPng();
      return { size, md5: hash.digest("hex") };
    } catch (error) {
      // Stop the sender rather than read the rest of a refused upload.
      await reader.cancel().catch(() => {});
      throw error;
    } finally {
      reader.releaseLock();
      await handle.close();
    }
  }

  /** <dataDir>/storage/<bucket>/<path>, refusing anything that would land outside the bucket's folder. */
  private fileFor(bucket: string, objectPath: string): string {
    checkBucketName(bucket);
    const segments = checkObjectPath(objectPath);
    const bucketRoot = path.join(this.root, bucket);
    const file = path.join(bucketRoot, ...segments);
    if (!file.startsWith(bucketRoot + path.sep)) throw new InvalidObjectPathError(objectPath, "it leaves the bucket's folder");
    return file;
  }

  /** Removes folders a deletion left empty, up to (not including) the bucket's folder. */
  private async pruneEmptyFolders(bucket: string, from: string): Promise<void> {
    const bucketRoot = path.join(this.root, bucket);
    for (let directory = from; directory.startsWith(bucketRoot + path.sep); directory = path.dirname(directory)) {
      try {
        await rmdir(directory);
      } catch {
        return;
      }
    }
  }
}

let local: LocalStorage | undefined;

/** The process's local adapter, configured from the environment. */
export function getLocalStorage(): LocalStorage {
  if (!local) {
    const { dataDir, appUrl } = getEnv();
    local = new LocalStorage({ dataDir, appUrl });
  }
  return local;
}
