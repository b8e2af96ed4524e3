/**
 * The local storage server's SQL: the storage schema Supabase Storage keeps,
 * kept the same way. storage.buckets says what a bucket accepts;
 * storage.objects has one row per stored file, which is what GraphQL reads
 * under RLS to know a file exists. Each function runs on the transaction it
 * is given, so callers can move or delete the file inside the same one.
 */
import postgres from "postgres";
import type { Sql } from "@/lib/db/client";
import { StorageRequestError } from "@/lib/storage/errors";
import type { BucketRules } from "@/lib/storage/local/body";

/** Supabase's default global upload limit, for a bucket whose row sets none. */
const DEFAULT_FILE_SIZE_LIMIT = 50 * 1024 * 1024;

/** storage.objects.metadata as Supabase Storage writes it. */
export type ObjectMetadata = {
  eTag: string;
  size: number;
  mimetype: string;
  cacheControl: string;
  lastModified: string;
  contentLength: number;
  httpStatusCode: number;
};

/** The bucket's limits from its storage.buckets row; a bucket without one does not exist. */
export async function bucketRules(sql: Sql, bucket: string): Promise<BucketRules> {
  const [row] = await sql<{ fileSizeLimit: string | number | null; allowedMimeTypes: string[] | null }[]>`
    select file_size_limit, allowed_mime_types from storage.buckets where id = ${bucket}`;
  if (!row) {
    throw new StorageRequestError(404, "NoSuchBucket", `Bucket not found: "${bucket}" has no row in storage.buckets (run the migrations).`, "Bucket not found");
  }
  return {
    fileSizeLimit: row.fileSizeLimit === null ? DEFAULT_FILE_SIZE_LIMIT : Number(row.fileSizeLimit),
    allowedMimeTypes: row.allowedMimeTypes,
  };
}

/**
 * The database refuses a write for a deleted generation or a purged user,
 * and through a used or expired upload window (private.guard_generation_file_write,
 * supabase/migrations/20261207010100_storage_file_kinds.sql);
 * that refusal is answered like Supabase Storage's own (403).
 */
async function refusedAs403<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof postgres.PostgresError && error.code === "42501") throw new StorageRequestError(403, "AccessDenied", error.message, "Unauthorized");
    throw error;
  }
}

/**
 * Records a person's upload (a new version of the object when it already
 * exists). It is theirs now: any pipeline marker in user_metadata goes.
 */
export async function recordObject(sql: Sql, bucket: string, objectPath: string, metadata: ObjectMetadata, version: string): Promise<void> {
  await refusedAs403(sql`
    insert into storage.objects (bucket_id, name, metadata, version)
    values (${bucket}, ${objectPath}, ${sql.json(metadata)}, ${version})
    on conflict (bucket_id, name) do update
      set metadata = excluded.metadata, user_metadata = null, version = excluded.version, updated_at = now(), last_accessed_at = now()`);
}

/**
 * Records a file the pipeline rendered, marked as such in user_metadata,
 * only where no object exists or the one there carries the same marker.
 * The upsert takes the row's lock, so it and a person's upload landing at
 * the same moment are ordered. False: a person's upload is there and stays.
 */
export async function recordRendered(
  sql: Sql,
  bucket: string,
  objectPath: string,
  metadata: ObjectMetadata,
  version: string,
  userMetadata: { source: string } & Record<string, string>,
): Promise<boolean> {
  const rows = await refusedAs403(sql`
    insert into storage.objects (bucket_id, name, metadata, user_metadata, version)
    values (${bucket}, ${objectPath}, ${sql.json(metadata)}, ${sql.json(userMetadata)}, ${version})
    on conflict (bucket_id, name) do update
      set metadata = excluded.metadata, user_metadata = excluded.user_metadata, version = excluded.version,
          updated_at = now(), last_accessed_at = now()
      where storage.objects.user_metadata ->> 'source' = ${userMetadata.source}
    returning id`);
  return rows.length > 0;
}

export async function objectMetadata(sql: Sql, bucket: string, objectPath: string): Promise<Partial<ObjectMetadata> | null> {
  const [row] = await sql<{ metadata: Partial<ObjectMetadata> | null }[]>`
    select metadata from storage.objects where bucket_id = ${bucket} and name = ${objectPath}`;
  return row?.metadata ?? null;
}

/**
 * Supabase's storage schema refuses a direct DELETE on storage.objects
 * (trigger protect_objects_delete, its migration 0055) unless the
 * transaction sets storage.allow_delete_query, as Supabase Storage itself
 * does for every request; the local server is Supabase Storage here.
 */
async function allowDeletes(sql: Sql): Promise<void> {
  await sql`select set_config('storage.allow_delete_query', 'true', true)`;
}

export async function forgetObjects(sql: Sql, bucket: string, objectPaths: string[]): Promise<void> {
  await allowDeletes(sql);
  await sql`delete from storage.objects where bucket_id = ${bucket} and name in ${sql(objectPaths)}`;
}

/** Every object under `<folder>/`, nested ones included. */
export async function forgetFolder(sql: Sql, bucket: string, folder: string): Promise<void> {
  await allowDeletes(sql);
  await sql`delete from storage.objects where bucket_id = ${bucket} and starts_with(name, ${`${folder}/`})`;
}
