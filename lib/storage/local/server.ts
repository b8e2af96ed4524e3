/**
 * The local storage server over HTTP: what app/api/storage/v1's one route
 * hands every request to. It answers Supabase Storage's signed-URL routes
 * with Supabase's status codes, JSON error shape and headers:
 *
 *   PUT /object/upload/sign/<bucket>/<path>?token=...   receive an upload (transfers.ts)
 *   GET /object/sign/<bucket>/<path>?token=...[&download=name]   serve a download
 *   OPTIONS on either                                    CORS preflight
 *
 * These routes exist only while the local adapter runs: with Supabase
 * configured every request answers 404.
 */
import { getEnv } from "@/lib/env";
import { unavailableError } from "@/lib/faults";
import { logger } from "@/lib/log";
import { StorageRequestError } from "@/lib/storage/errors";
import { getLocalStorage, type LocalStorage } from "@/lib/storage/local/adapter";
import { openSignedDownload, receiveSignedUpload } from "@/lib/storage/local/transfers";

const log = logger.child({ source: "storage-routes" });

type Method = "GET" | "PUT" | "OPTIONS";
type ObjectRequest = { request: Request; bucket: string; path: string; token: string | null; storage: LocalStorage };

// A signed URL is a bearer capability with no cookies involved, so any origin
// may use it, as on Supabase Storage (which also answers with *).
const cors = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "content-length, content-type, content-disposition, etag, last-modified",
};

function withCors(headers: Record<string, string> = {}): Headers {
  return new Headers({ ...cors, ...headers });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: withCors(headers) });
}

function storageError(error: unknown): Response {
  if (error instanceof StorageRequestError) return json(error.status, error.toJSON());
  // The database could not answer (lib/faults.ts decides): retryable, in Supabase's error shape.
  const fault = unavailableError(error);
  if (fault) {
    log.warn("local storage request could not reach the database", { error });
    return json(503, { statusCode: "503", code: "ServiceUnavailable", error: "service_unavailable", message: fault.message }, { "retry-after": "5" });
  }
  log.error("local storage request failed", { error });
  return json(500, { statusCode: "500", code: "InternalError", error: "internal", message: "Internal server error" });
}

/** Supabase's `download` parameter: present = attachment, with its value as the file name when given. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function upload({ request, bucket, path, token, storage }: ObjectRequest): Promise<Response> {
  try {
    return json(200, await receiveSignedUpload(storage, { bucket, path, token, headers: request.headers, body: request.body }));
  } catch (error) {
    const refused = storageError(error);
    // A refused upload is usually left unread; a client that reused this
    // connection would send its next request into the rest of that body.
    refused.headers.set("connection", "close");
    return refused;
  }
}

async function download({ request, bucket, path, token, storage }: ObjectRequest): Promise<Response> {
  try {
    const file = await openSignedDownload(storage, { bucket, path, token });
    // Private, and never cached past the moment the URL itself stops working.
    const secondsLeft = Math.max(0, Math.min(3600, Math.floor((file.expiresAt.getTime() - Date.now()) / 1000)));
    const headers = withCors({
      "content-type": file.contentType,
      "content-length": String(file.size),
      "cache-control": `private, max-age=${secondsLeft}`,
      "last-modified": file.lastModified.toUTCString(),
      // Bytes from users, served from the API's own origin: never sniffed, never run.
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
    });
    if (file.eTag) headers.set("etag", file.eTag);
    const name = new URL(request.url).searchParams.get("download");
    if (name !== null) headers.set("content-disposition", attachment(name || file.fileName));
    return new Response(file.body, { status: 200, headers });
  } catch (error) {
    return storageError(error);
  }
}

/** The routes: a path prefix under /storage/v1, then <bucket>/<path...>, and the one method that acts on it. */
const routes: { prefix: string[]; method: Exclude<Method, "OPTIONS">; handle: (request: ObjectRequest) => Promise<Response> }[] = [
  { prefix: ["object", "upload", "sign"], method: "PUT", handle: upload },
  { prefix: ["object", "sign"], method: "GET", handle: download },
];

/** CORS preflight: browsers send one before supabase-js's PUT (it adds x-upsert, apikey and authorization headers). */
function preflight(request: Request, method: string): Response {
  return new Response(null, {
    status: 204,
    headers: withCors({
      "access-control-allow-methods": `${method}, OPTIONS`,
      "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "authorization, apikey, x-client-info, x-upsert, content-type, cache-control",
      "access-control-max-age": "86400",
    }),
  });
}

/**
 * Answers one request to `/api/storage/v1/<segments...>` (segments decoded,
 * as Next.js passes a catch-all's params).
 */
export async function serveLocalStorage(method: Method, request: Request, segments: string[]): Promise<Response> {
  if (getEnv().supabase) {
    return json(404, {
      statusCode: "404",
      code: "NotFound",
      error: "not_found",
      message: "Local storage is off: Supabase Storage is configured, so signed URLs point at Supabase.",
    });
  }
  const route = routes.find(({ prefix }) => prefix.every((segment, index) => segments[index] === segment));
  const [bucket, ...objectPath] = route ? segments.slice(route.prefix.length) : [];
  if (!route || !bucket || objectPath.length === 0) {
    return json(404, {
      statusCode: "404",
      code: "NotFound",
      error: "not_found",
      message: `No local storage route for /${segments.join("/")}: use a signed URL exactly as the API returned it.`,
    });
  }
  if (method === "OPTIONS") return preflight(request, route.method);
  if (method !== route.method) {
    return json(
      405,
      { statusCode: "405", code: "MethodNotAllowed", error: "method_not_allowed", message: `Use ${route.method} for this signed URL.` },
      { allow: `${route.method}, OPTIONS` },
    );
  }
  const token = new URL(request.url).searchParams.get("token");
  return route.handle({ request, bucket, path: objectPath.join("/"), token, storage: getLocalStorage() });
}
