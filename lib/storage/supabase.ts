/**
 * The Supabase Storage adapter: production's storage, reached with the
 * service role key from this server only. The key bypasses storage RLS, so
 * it must never reach a browser; browsers get signed URLs instead.
 */
import { createClient, type SupabaseClient, type WebSocketLikeConstructor } from "@supabase/supabase-js";
import { StorageObjectNotFoundError, SupabaseStorageError } from "@/lib/storage/errors";
import { checkFolderPath, checkObjectPath } from "@/lib/storage/paths";
import type { Sql } from "@/lib/db/client";
import { GENERATIONS_BUCKET, RENDERED_SOURCE, type FileStorage, type PutRenderedResult, type RenderedContentType, type SignedDownload, type SignedUpload } from "@/lib/storage/types";
import { isDuplicate, storageFailure, type StorageErrorLike } from "@/lib/storage/supabase-errors";
import {
  closeUploadWindow,
  openServerWindow,
  openUploadWindow,
  SERVER_WINDOW_KEY,
  shortenUploadWindow,
  uploadUrlTtlSeconds,
} from "@/lib/storage/upload-window";

/** Supabase's delete endpoint takes at most 1,000 paths per request. */
const BATCH = 1000;

/**
 * supabase-js builds a Realtime client inside createClient, and on Node 20
 * (no global WebSocket) that throws before storage is ever touched. Storage
 * opens no socket; this stand-in satisfies the constructor and makes any
 * accidental Realtime use fail with a clear message.
 */
export const noRealtimeTransport = class NoRealtime {
  constructor() {
    throw new Error("Supabase Realtime is not used on the server: the storage adapter opens no WebSocket.");
  }
} as unknown as WebSocketLikeConstructor;

type Bucket = ReturnType<SupabaseClient["storage"]["from"]>;

export type SupabaseStorageOptions = {
  url: string;
  serviceRoleKey: string;
  /** Replaces the global fetch (tests record the requests storage-js makes). */
  fetch?: typeof fetch;
  /** The pool upload windows are opened through (tests pass their own). */
  db?: Sql;
};

/** A Supabase token is a JWT; its exp is the truth about when the URL stops working. */
function tokenExpiry(token: string | null | undefined): Date | null {
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof exp === "number" && Number.isFinite(exp) ? new Date(exp * 1000) : null;
  } catch {
    return null;
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export class SupabaseStorage implements FileStorage {
  readonly bucket: string;
  private readonly files: Bucket;
  private readonly db: Sql | undefined;

  constructor(options: SupabaseStorageOptions) {
    this.bucket = GENERATIONS_BUCKET;
    this.db = options.db;
    const client = createClient(options.url, options.serviceRoleKey, {
      // A server holding the service key has no user session to keep or refresh.
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      realtime: { transport: noRealtimeTransport },
      ...(options.fetch ? { global: { fetch: options.fetch } } : {}),
    });
    this.files = client.storage.from(this.bucket);
  }

  async createSignedUploadUrl(path: string): Promise<SignedUpload> {
    checkObjectPath(path);
    // The window opens first: signing test-inserts the object row (then rolls it back), and the guard wants a window.
    const windowCloses = new Date(Date.now() + uploadUrlTtlSeconds() * 1000);
    const windowId = await openUploadWindow(this.bucket, path, windowCloses, this.db);
    // upsert: a generation's image may be uploaded again (a retry, a re-render) through a fresh URL.
    const { data, error } = await this.files.createSignedUploadUrl(path, { upsert: true });
    if (error) {
      await closeUploadWindow(windowId, this.db);
      throw storageFailure(this.bucket, "create a signed upload URL for", path, error);
    }
    // The token's own expiry (two hours on hosted Supabase, a minute by default self-hosted) may come first.
    const tokenExpires = tokenExpiry(data.token);
    const expiresAt = tokenExpires && tokenExpires < windowCloses ? tokenExpires : windowCloses;
    if (expiresAt < windowCloses) await shortenUploadWindow(windowId, expiresAt, this.db);
    return { url: data.signedUrl, token: data.token, path: data.path, expiresAt };
  }

  async createSignedDownloadUrl(path: string, expiresInSeconds: number): Promise<SignedDownload> {
    checkObjectPath(path);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) {
      throw new RangeError(`expiresInSeconds must be a whole number of seconds, at least 1 (got ${expiresInSeconds}).`);
    }
    const { data, error } = await this.files.createSignedUrl(path, expiresInSeconds);
    if (error) {
      if (this.isMissingObject(error)) throw new StorageObjectNotFoundError(this.bucket, path);
      throw storageFailure(this.bucket, "create a signed download URL for", path, error);
    }
    const token = new URL(data.signedUrl).searchParams.get("token");
    return { url: data.signedUrl, expiresAt: tokenExpiry(token) ?? new Date(Date.now() + expiresInSeconds * 1000) };
  }

  async exists(path: string): Promise<boolean> {
    checkObjectPath(path);
    try {
      // storage-js answers false (with an error attached) for 400 and 404, and throws for anything else.
      const { data } = await this.files.exists(path);
      return data;
    } catch (error) {
      throw storageFailure(this.bucket, "check whether a file exists at", path, error as StorageErrorLike);
    }
  }

  /**
   * Create-only first (x-upsert: false), so a person's upload that is already
   * there, or lands first, wins with a 409. Only when the object there is our
   * own earlier rendering (its user_metadata says so) is it replaced. Supabase
   * offers no conditional overwrite, so between reading that metadata and the
   * overwrite a person's upload could still land and be replaced: a window of
   * one round trip, only on a re-run after a crash.
   */
  async read(path: string): Promise<Uint8Array> {
    checkObjectPath(path);
    const { data, error } = await this.files.download(path);
    if (error) {
      if (this.isMissingObject(error as StorageErrorLike)) throw new StorageObjectNotFoundError(this.bucket, path);
      throw storageFailure(this.bucket, "download", path, error);
    }
    return new Uint8Array(await data.arrayBuffer());
  }

  async putRendered(path: string, png: Uint8Array, contentType: RenderedContentType = "image/png"): Promise<PutRenderedResult> {
    checkObjectPath(path);
    const created = await this.writeRendered(path, png, false, contentType);
    if (!created.error) return "written";
    if (!isDuplicate(created.error)) throw storageFailure(this.bucket, "upload a rendered image to", path, created.error);
    const { data, error } = await this.files.info(path);
    if (error) throw storageFailure(this.bucket, "read the metadata of", path, error);
    if ((data.metadata as Record<string, unknown> | undefined)?.source !== RENDERED_SOURCE) return "kept";
    const replaced = await this.writeRendered(path, png, true, contentType);
    if (replaced.error) throw storageFailure(this.bucket, "upload a rendered image to", path, replaced.error);
    return "written";
  }

  /**
   * One write of a rendered file through a server window of its own (its
   * key rides in user_metadata). The window is closed as soon as the server
   * answers: a refused write (409 in the server's rolled-back test insert)
   * would otherwise leave it open.
   */
  private async writeRendered(path: string, png: Uint8Array, upsert: boolean, contentType: RenderedContentType) {
    const window = await openServerWindow(this.bucket, path, this.db);
    try {
      return await this.files.upload(path, png, {
        contentType,
        cacheControl: "no-cache",
        metadata: { source: RENDERED_SOURCE, [SERVER_WINDOW_KEY]: window.key },
        upsert,
      });
    } finally {
      await closeUploadWindow(window.id, this.db);
    }
  }

  async remove(paths: string[]): Promise<void> {
    for (const path of paths) checkObjectPath(path);
    for (const batch of chunks(paths, BATCH)) {
      const { error } = await this.files.remove(batch);
      if (error) throw storageFailure(this.bucket, "remove", batch.length === 1 ? batch[0]! : `${batch[0]} and ${batch.length - 1} more`, error);
    }
  }

  async removeFolder(folder: string): Promise<void> {
    checkFolderPath(folder);
    await this.removeTree(folder);
  }

  /**
   * Lists the folder's first page, removes it, and lists again until nothing
   * is left: removal shifts later pages, so paging by offset would skip files.
   * Sub-folders (entries without an id) are emptied the same way.
   */
  private async removeTree(folder: string): Promise<void> {
    let previous: string | null = null;
    for (;;) {
      const { data, error } = await this.files.list(folder, { limit: BATCH, offset: 0, sortBy: { column: "name", order: "asc" } });
      if (error) throw storageFailure(this.bucket, "list the folder", `${folder}/`, error);
      if (data.length === 0) return;
      const page = data.map((entry) => entry.name).join("\n");
      if (page === previous) {
        throw new SupabaseStorageError(
          `Supabase Storage did not remove the files under "${this.bucket}/${folder}/": the same ${data.length} entries are listed after removal. ` +
            "Check that SUPABASE_SERVICE_ROLE_KEY is the service_role key, which storage policies cannot restrict.",
          null,
          null,
        );
      }
      previous = page;
      for (const entry of data) if (entry.id === null) await this.removeTree(`${folder}/${entry.name}`);
      const files = data.filter((entry) => entry.id !== null).map((entry) => `${folder}/${entry.name}`);
      if (files.length > 0) {
        const removed = await this.files.remove(files);
        if (removed.error) throw storageFailure(this.bucket, "remove the files under", `${folder}/`, removed.error);
      }
    }
  }

  private isMissingObject(error: StorageErrorLike): boolean {
    // Supabase reports a missing object as statusCode "404" (often over HTTP 400); a missing bucket says so in its message.
    return (error.statusCode === "404" || error.status === 404) && !/bucket/i.test(error.message);
  }
}
