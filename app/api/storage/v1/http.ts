/**
 * What the local storage routes share: Supabase-shaped JSON errors, CORS,
 * and the rule that these routes exist only while the local adapter runs.
 */
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { StorageRequestError } from "@/lib/storage/errors";

const log = logger.child({ source: "storage-routes" });

export type ObjectRouteContext = { params: Promise<{ bucket: string; path: string[] }> };

// A signed URL is a bearer capability with no cookies involved, so any origin
// may use it, as on Supabase Storage (which also answers with *).
const cors = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "content-length, content-type, content-disposition, etag, last-modified",
};

export function withCors(headers: Record<string, string> = {}): Headers {
  return new Headers({ ...cors, ...headers });
}

function json(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: withCors() });
}

export function ok(body: unknown): Response {
  return json(200, body);
}

/** With Supabase configured, uploads and downloads go to Supabase; these routes must not exist. */
export function unlessLocalStorage(): Response | null {
  if (!getEnv().supabase) return null;
  return json(404, {
    statusCode: "404",
    code: "NotFound",
    error: "not_found",
    message: "Local storage is off: Supabase Storage is configured, so signed URLs point at Supabase.",
  });
}

export async function objectParams(context: ObjectRouteContext): Promise<{ bucket: string; path: string }> {
  const { bucket, path } = await context.params;
  return { bucket, path: path.join("/") };
}

export function tokenOf(request: Request): string | null {
  return new URL(request.url).searchParams.get("token");
}

export function storageError(error: unknown): Response {
  if (error instanceof StorageRequestError) return json(error.status, error.toJSON());
  log.error("local storage request failed", { error });
  return json(500, { statusCode: "500", code: "InternalError", error: "internal", message: "Internal server error" });
}

/** CORS preflight: browsers send one before supabase-js's PUT (it adds x-upsert, apikey and authorization headers). */
export function preflight(request: Request, methods: string): Response {
  return new Response(null, {
    status: 204,
    headers: withCors({
      "access-control-allow-methods": `${methods}, OPTIONS`,
      "access-control-allow-headers": request.headers.get("access-control-request-headers") ?? "authorization, apikey, x-client-info, x-upsert, content-type, cache-control",
      "access-control-max-age": "86400",
    }),
  });
}
