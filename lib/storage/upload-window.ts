/**
 * Upload windows: the database's half of a signed upload URL.
 *
 * Signing a URL opens a window for exactly one object name; a trigger on
 * storage.objects (supabase/migrations/20261205020000_...) accepts a write
 * to postora-generations only through an open window, for a live
 * generation, and each accepted write uses one window up. So a URL
 * works once, for STORAGE_UPLOAD_URL_TTL_SECONDS, on both adapters, and
 * never for a deleted generation or a purged user, whatever its token says
 * (Supabase's tokens always last two hours).
 */
import { asService, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";

/** The one setting for how long an upload URL works (STORAGE_UPLOAD_URL_TTL_SECONDS, default 15 minutes). */
export function uploadUrlTtlSeconds(): number {
  return getEnv().storageUploadUrlTtlSeconds;
}

/**
 * Opens one window (one permitted write) for one object until expiresAt.
 * Windows add up: a person's pending upload and the pipeline's render of the
 * same file each have their own. Runs on the service path: API roles can
 * neither read nor write windows.
 */
export async function openUploadWindow(bucket: string, objectPath: string, expiresAt: Date, db?: Sql): Promise<void> {
  await asService(
    (sql) => sql`
      insert into private.storage_upload_windows (bucket_id, name, expires_at)
      values (${bucket}, ${objectPath}, ${expiresAt})`,
    db,
  );
}

/** Deletes windows that were used or have expired (the sweep calls this); returns how many. */
export async function closeSpentUploadWindows(db?: Sql): Promise<number> {
  const rows = await asService(
    (sql) => sql`delete from private.storage_upload_windows where used_by_transaction is not null or expires_at <= now() returning name`,
    db,
  );
  return rows.length;
}
