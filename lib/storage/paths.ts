/**
 * Object paths and bucket names, checked the same way by both adapters so a
 * path that works locally works on Supabase and the other way round.
 *
 * The rules are Supabase Storage's key rules made stricter: its characters
 * (minus "?", which would end a URL's path), no empty, "." or ".." segments,
 * no leading or trailing slash. Locally a path becomes a file name under the
 * data folder, so these checks are also what keeps a path inside it.
 */
export class InvalidObjectPathError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Invalid storage path ${JSON.stringify(path)}: ${reason}.`);
    this.name = "InvalidObjectPathError";
  }
}

// S3's (and so Supabase's) limit on a key's length.
const MAX_PATH_LENGTH = 1024;
const SEGMENT = /^[A-Za-z0-9_!\-.*'() &$@=;:+,]+$/;
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function checkSegments(path: string, what: string): string[] {
  if (path.length === 0) throw new InvalidObjectPathError(path, `the ${what} is empty`);
  if (path.length > MAX_PATH_LENGTH) throw new InvalidObjectPathError(path, `the ${what} is longer than ${MAX_PATH_LENGTH} characters`);
  const segments = path.split("/");
  for (const segment of segments) {
    if (segment === "") throw new InvalidObjectPathError(path, "it has an empty segment (a leading, trailing or double slash)");
    if (segment === "." || segment === "..") throw new InvalidObjectPathError(path, `"${segment}" segments are not allowed`);
    if (!SEGMENT.test(segment)) {
      throw new InvalidObjectPathError(path, "use letters, digits, spaces and _ ! - . * ' ( ) & $ @ = ; : + , only");
    }
  }
  return segments;
}

/** Checks an object path such as `<users.id>/generation-<id>.png`; returns its segments. */
export function checkObjectPath(path: string): string[] {
  return checkSegments(path, "path");
}

/** Checks a folder (a path prefix without the trailing slash). */
export function checkFolderPath(folder: string): string[] {
  return checkSegments(folder, "folder");
}

export function checkBucketName(bucket: string): void {
  if (!BUCKET.test(bucket)) {
    throw new InvalidObjectPathError(bucket, "a bucket name is 1-63 letters, digits, _ . or -, starting with a letter or digit");
  }
}

/** The path as it appears in a URL: each segment percent-encoded, slashes kept. */
export function encodeObjectPath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
