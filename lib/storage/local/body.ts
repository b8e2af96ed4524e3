/**
 * Body checks for uploads to the local storage server: what a signed upload
 * may carry, decided the way Supabase Storage decides it (the bucket's
 * allowed_mime_types and file_size_limit), plus one check Supabase does not
 * make: a file labelled image/png must start like a PNG.
 *
 * Limits are enforced while the body streams in, so an endless or oversized
 * body is refused without being held in memory or written out in full.
 */
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import { StorageRequestError } from "@/lib/storage/errors";

/** What a bucket's storage.buckets row allows (see objects.ts). */
export type BucketRules = { fileSizeLimit: number; allowedMimeTypes: string[] | null };

/** An upload that passed the checks that can be made before its bytes are read. */
type Incoming = { mimetype: string; cacheControl: string; stream: ReadableStream<Uint8Array> };

/** Room for multipart boundaries and small fields around the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;
/** A PNG starts with its 8-byte signature, then the IHDR chunk (length 13). */
const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

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

/**
 * The file an upload carries, as supabase-js sends it: a multipart form with
 * one file field (uploadToSignedUrl with a File or Blob), or the raw bytes
 * as the body. Type and declared size are checked here; the bytes
 * themselves as they are stored (receiveInto).
 */
export async function readUpload(headers: Headers, body: ReadableStream<Uint8Array> | null, rules: BucketRules): Promise<Incoming> {
  const declared = contentLength(headers);
  const contentType = headers.get("content-type");
  const stream = body ?? new Blob([]).stream();

  if (mimeEssence(contentType) === "multipart/form-data") {
    if (declared !== null && declared > rules.fileSizeLimit + MULTIPART_OVERHEAD) throw tooLarge(rules.fileSizeLimit);
    const form = await readBoundedForm(stream, contentType!, rules.fileSizeLimit + MULTIPART_OVERHEAD, rules.fileSizeLimit);
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
    return { mimetype, cacheControl, stream: file.stream() };
  }
  // Decided from the headers alone, before a byte of the body is read.
  const mimetype = mimeEssence(contentType) || "application/octet-stream";
  if (!mimeAllowed(mimetype, rules.allowedMimeTypes)) throw unsupportedType(mimetype, rules.allowedMimeTypes);
  if (declared !== null && declared > rules.fileSizeLimit) throw tooLarge(rules.fileSizeLimit);
  return { mimetype, cacheControl: headers.get("cache-control") ?? "no-cache", stream };
}

/** Streams the body to a new private file, counting bytes and checking a PNG's first bytes as they arrive. */
export async function receiveInto(file: string, stream: ReadableStream<Uint8Array>, limit: number, mustBePng: boolean): Promise<{ size: number; md5: string }> {
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
