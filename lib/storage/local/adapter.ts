/**
 * The local storage adapter: the embedded default when Supabase is not
 * configured, and what the API calls (FileStorage) to sign URLs and remove
 * files. Files live under <dataDir>/storage/<bucket>/<path>.
 *
 * It signs URLs for Supabase Storage's own signed-URL routes under
 * `${appUrl}/api/storage/v1`, so the client side is identical on both; the
 * server side of those URLs is server.ts. The rest of lib/storage/local/:
 * transfers.ts (a signed upload or download, token checks first), body.ts
 * (what an upload may carry), objects.ts (its SQL: storage.buckets and
 * storage.objects), disk.ts (where files are kept).
 *
 * Stricter than Supabase on purpose: a token is bound to one operation as well
 * as one path, and a file labelled image/png must start like a PNG.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, stat, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { asService, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { StorageObjectNotFoundError } from "@/lib/storage/errors";
import { errno, LocalDisk } from "@/lib/storage/local/disk";
import { forgetFolder, forgetObjects, recordRendered, type ObjectMetadata } from "@/lib/storage/local/objects";
import { checkFolderPath, checkObjectPath, encodeObjectPath } from "@/lib/storage/paths";
import { loadSigningKey, signToken, type TokenOperation } from "@/lib/storage/signing";
import {
  GENERATIONS_BUCKET,
  RENDERED_SOURCE,
  type FileStorage,
  type PutRenderedResult,
  type RenderedContentType,
  type SignedDownload,
  type SignedUpload,
} from "@/lib/storage/types";
import { closeUploadWindow, openServerWindow, openUploadWindow, SERVER_WINDOW_KEY, uploadUrlTtlSeconds } from "@/lib/storage/upload-window";

/** Where the local server mirrors Supabase's `/storage/v1` (see app/api/storage/v1). */
export const LOCAL_STORAGE_API_PATH = "/api/storage/v1";

type LocalStorageOptions = {
  dataDir: string;
  /** The public base URL of this API; signed URLs point at it. */
  appUrl: string;
  /** The pool storage.objects is written through (tests and scripts pass their own). */
  db?: Sql;
};

export class LocalStorage implements FileStorage {
  readonly bucket = GENERATIONS_BUCKET;
  readonly baseUrl: string;
  /** Where files are kept; shared with the server side (transfers.ts). */
  readonly disk: LocalDisk;
  /** The pool storage.objects is read and written through (undefined: the process's). */
  readonly db: Sql | undefined;
  private readonly dataDir: string;
  private key: Promise<Buffer> | undefined;

  constructor(options: LocalStorageOptions) {
    this.dataDir = options.dataDir;
    this.disk = new LocalDisk(options.dataDir);
    this.baseUrl = `${options.appUrl.replace(/\/$/, "")}${LOCAL_STORAGE_API_PATH}`;
    this.db = options.db;
  }

  async createSignedUploadUrl(objectPath: string): Promise<SignedUpload> {
    checkObjectPath(objectPath);
    // The token alone would be reusable until it expires; the database's window makes it one write, for a live
    // owner. It opens first, as on Supabase (whose signing test-inserts the row), and closes when the token expires.
    const iat = Math.floor(Date.now() / 1000);
    await openUploadWindow(this.bucket, objectPath, new Date((iat + uploadUrlTtlSeconds()) * 1000), this.db);
    const { token, expiresAt } = await this.sign("upload", objectPath, uploadUrlTtlSeconds(), iat);
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
    const { token, expiresAt } = await this.sign("download", objectPath, expiresInSeconds);
    return { url: `${this.baseUrl}/object/sign/${this.bucket}/${encodeObjectPath(objectPath)}?token=${token}`, expiresAt };
  }

  async exists(objectPath: string): Promise<boolean> {
    const file = this.disk.fileFor(this.bucket, objectPath);
    try {
      return (await stat(file)).isFile();
    } catch (error) {
      if (errno(error) === "ENOENT" || errno(error) === "ENOTDIR") return false;
      throw error;
    }
  }

  async read(objectPath: string): Promise<Uint8Array> {
    try {
      return await readFile(this.disk.fileFor(this.bucket, objectPath));
    } catch (error) {
      if (errno(error) === "ENOENT" || errno(error) === "ENOTDIR") throw new StorageObjectNotFoundError(this.bucket, objectPath);
      throw error;
    }
  }

  async putRendered(objectPath: string, png: Uint8Array, contentType: RenderedContentType = "image/png"): Promise<PutRenderedResult> {
    const target = this.disk.fileFor(this.bucket, objectPath);
    const partial = await this.disk.partialFile();
    try {
      await writeFile(partial, png);
      const metadata: ObjectMetadata = {
        eTag: `"${createHash("md5").update(png).digest("hex")}"`,
        size: png.byteLength,
        mimetype: contentType,
        cacheControl: "no-cache",
        lastModified: new Date().toISOString(),
        contentLength: png.byteLength,
        httpStatusCode: 200,
      };
      // Every write to the bucket passes the database's guard: this one through a server window of its own,
      // closed as soon as the write is done or refused.
      const window = await openServerWindow(this.bucket, objectPath, this.db);
      try {
        // The file moves while the row's lock is held, so the disk matches the row
        // whichever of us and a person's upload came second.
        return await asService(async (sql) => {
          const recorded = await recordRendered(sql, this.bucket, objectPath, metadata, randomUUID(), { source: RENDERED_SOURCE, [SERVER_WINDOW_KEY]: window.key });
          if (!recorded) return "kept" as const;
          await mkdir(path.dirname(target), { recursive: true });
          await rename(partial, target);
          return "written" as const;
        }, this.db);
      } finally {
        await closeUploadWindow(window.id, this.db);
      }
    } finally {
      await unlink(partial).catch(() => {});
    }
  }

  async remove(paths: string[]): Promise<void> {
    const files = paths.map((objectPath) => this.disk.fileFor(this.bucket, objectPath));
    if (files.length === 0) return;
    // Rows and files go together: if a file cannot be deleted the rows come back,
    // so storage.objects never claims less than the disk holds.
    await asService(async (sql) => {
      await forgetObjects(sql, this.bucket, paths);
      for (const file of files) {
        await unlink(file).catch((error: unknown) => {
          if (errno(error) !== "ENOENT") throw error;
        });
        await this.disk.pruneEmptyFolders(this.bucket, path.dirname(file));
      }
    }, this.db);
  }

  async removeFolder(folder: string): Promise<void> {
    checkFolderPath(folder);
    const directory = this.disk.fileFor(this.bucket, folder);
    await asService(async (sql) => {
      await forgetFolder(sql, this.bucket, folder);
      await rm(directory, { recursive: true, force: true });
      await this.disk.pruneEmptyFolders(this.bucket, path.dirname(directory));
    }, this.db);
  }

  /** The data folder's signing key, read (or made) once; the server side checks tokens with it. */
  signingKey(): Promise<Buffer> {
    this.key ??= loadSigningKey(this.dataDir).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async sign(op: TokenOperation, objectPath: string, ttlSeconds: number, iat = Math.floor(Date.now() / 1000)) {
    const exp = iat + ttlSeconds;
    const token = signToken(await this.signingKey(), { url: `${this.bucket}/${objectPath}`, op, iat, exp });
    return { token, expiresAt: new Date(exp * 1000) };
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
