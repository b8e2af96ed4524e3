/**
 * Storage failures. None of these is an AppError: a resolver decides what a
 * client is told (for example "upload the image first"), and anything it
 * does not translate stays masked and logged.
 */

/** The object does not exist (Supabase answers createSignedUrl for a missing object the same way). */
export class StorageObjectNotFoundError extends Error {
  constructor(
    readonly bucket: string,
    readonly path: string,
  ) {
    super(`No file is stored at "${bucket}/${path}": upload it first (createSignedUploadUrl), then ask for a download URL.`);
    this.name = "StorageObjectNotFoundError";
  }
}

/**
 * A refusal by the local storage server, rendered like Supabase Storage's
 * errors ({ statusCode, code, error, message }) so client code that reads
 * `error.statusCode` from storage-js works unchanged against both.
 */
export class StorageRequestError extends Error {
  readonly error: string;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    error?: string,
  ) {
    super(message);
    this.name = "StorageRequestError";
    this.error = error ?? code;
  }

  toJSON(): { statusCode: string; code: string; error: string; message: string } {
    return { statusCode: String(this.status), code: this.code, error: this.error, message: this.message };
  }
}

/** Supabase Storage refused or could not be reached; the message says what to check. */
export class SupabaseStorageError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly statusCode: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SupabaseStorageError";
  }
}
