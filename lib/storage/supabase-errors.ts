/**
 * What the Supabase adapter says when Supabase Storage refuses or cannot be
 * reached: the server's own message always, and a hint only where one
 * applies. A 403 is not always about the key: the database's guard refuses
 * writes with 403 too ("this upload URL has expired: ask for a new one"),
 * and that message is the whole story.
 */
import { SupabaseStorageError } from "@/lib/storage/errors";

/** The error storage-js hands back: the HTTP status and the body's statusCode and message. */
export type StorageErrorLike = { message: string; status?: number; statusCode?: string };

/** Messages Supabase Storage gives when the key itself is wrong (a JWT it cannot verify, or no key). */
const KEY_PROBLEM = /\bjwt\b|\bjws\b|invalid signature|signature verification|invalid (api )?key|apikey|no suitable key|invalid compact/i;

/** Supabase's "The resource already exists" (statusCode 409, usually over HTTP 400). */
export function isDuplicate(error: StorageErrorLike): boolean {
  return error.statusCode === "409" || error.status === 409;
}

function hintFor(bucket: string, error: StorageErrorLike, status: number | null): string {
  if (KEY_PROBLEM.test(error.message) || error.statusCode === "401" || status === 401) {
    return " Check that SUPABASE_SERVICE_ROLE_KEY is this project's service_role key (Project Settings > API keys), not the anon key.";
  }
  if (/bucket not found/i.test(error.message)) return ` Apply supabase/migrations to this project: they create the "${bucket}" bucket.`;
  if (status === null) return " Check SUPABASE_URL and that this server can reach it.";
  return "";
}

export function storageFailure(bucket: string, action: string, path: string, error: StorageErrorLike): SupabaseStorageError {
  const status = typeof error.status === "number" ? error.status : null;
  const statusCode = error.statusCode ?? null;
  const detail = [status === null ? null : `HTTP ${status}`, statusCode && statusCode !== String(status) ? `code ${statusCode}` : null]
    .filter(Boolean)
    .join(", ");
  const message = error.message.replace(/\.$/, "");
  return new SupabaseStorageError(
    `Supabase Storage could not ${action} "${bucket}/${path}": ${message}${detail ? ` (${detail})` : ""}.${hintFor(bucket, error, status)}`,
    status,
    statusCode,
    { cause: error },
  );
}
