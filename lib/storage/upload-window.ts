/**
 * Upload windows: the database's half of a signed upload URL.
 *
 * A trigger on storage.objects (private.guard_generation_file_write, last
 * replaced by supabase/migrations/20261207010100_storage_file_kinds.sql)
 * accepts a write only for a file kind of private.storage_file_kinds whose
 * owner lives, and only through an open window:
 *
 *  - a URL window, opened BEFORE the URL is signed (Supabase Storage
 *    test-inserts the object row when it signs). The first accepted write of
 *    the name by a person uses up every open URL window of that name, so a
 *    used URL never uploads again unless a new URL has been signed since;
 *  - a server window, for one write Postora makes itself: it has a key,
 *    which the write carries in user_metadata (SERVER_WINDOW_KEY; the
 *    trigger removes it before the row is stored), and only that write can
 *    use it. It is closed as soon as the write is done or refused.
 */
import { randomBytes } from "node:crypto";
import { asService, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

/** The user_metadata key a server write names its window with (never stored). */
export const SERVER_WINDOW_KEY = "postora_window_key";

/** How long a server write's window stays open: one upload of a rendered file. */
const SERVER_WRITE_WINDOW_MS = 60_000;

/** The one setting for how long an upload URL works (STORAGE_UPLOAD_URL_TTL_SECONDS, default 15 minutes). */
export function uploadUrlTtlSeconds(): number {
  return getEnv().storageUploadUrlTtlSeconds;
}

/**
 * Opens the window for one signed URL until expiresAt; returns its id.
 * Runs on the service path: API roles can neither read nor write windows.
 */
export async function openUploadWindow(bucket: string, objectPath: string, expiresAt: Date, db?: Sql): Promise<string> {
  const [row] = await asService(
    (sql) => sql<{ id: string }[]>`
      insert into private.storage_upload_windows (bucket_id, name, expires_at)
      values (${bucket}, ${objectPath}, ${expiresAt})
      returning id::text`,
    db,
  );
  return row!.id;
}

/** Moves a window's closing time earlier (never later): the URL's own expiry, once signed. */
export async function shortenUploadWindow(id: string, expiresAt: Date, db?: Sql): Promise<void> {
  await asService((sql) => sql`update private.storage_upload_windows set expires_at = least(expires_at, ${expiresAt}) where id = ${id}`, db);
}

export type ServerWindow = { id: string; key: string };

/** Opens a window for one write Postora makes itself; the write must carry the key (SERVER_WINDOW_KEY). */
export async function openServerWindow(bucket: string, objectPath: string, db?: Sql): Promise<ServerWindow> {
  const key = randomBytes(24).toString("base64url");
  const expiresAt = new Date(Date.now() + SERVER_WRITE_WINDOW_MS);
  const [row] = await asService(
    (sql) => sql<{ id: string }[]>`
      insert into private.storage_upload_windows (bucket_id, name, expires_at, server_key)
      values (${bucket}, ${objectPath}, ${expiresAt}, ${key})
      returning id::text`,
    db,
  );
  return { id: row!.id, key };
}

/** Closes one window now, used or not (a refused write, a signing that failed). */
export async function closeUploadWindow(id: string, db?: Sql): Promise<void> {
  await asService((sql) => sql`delete from private.storage_upload_windows where id = ${id}`, db);
}

/**
 * Deletes windows that were used or have expired (the sweep calls this);
 * returns how many. A late upload through such a URL is still refused, with
 * "has expired or was already used: ask for a new one".
 */
export async function closeSpentUploadWindows(db?: Sql): Promise<number> {
  const rows = await asService(
    (sql) => sql`delete from private.storage_upload_windows where used_by_transaction is not null or expires_at <= now() returning id`,
    db,
  );
  return rows.length;
}
