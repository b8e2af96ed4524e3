/**
 * PUT /api/storage/v1/object/upload/sign/<bucket>/<path>?token=...
 * The local twin of Supabase's signed upload endpoint; lib/storage/local.ts
 * does the checking and storing.
 */
import { objectParams, ok, preflight, storageError, tokenOf, unlessLocalStorage, type ObjectRouteContext } from "@/app/api/storage/v1/http";
import { getLocalStorage } from "@/lib/storage/local";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function PUT(request: Request, context: ObjectRouteContext): Promise<Response> {
  const off = unlessLocalStorage();
  if (off) return off;
  try {
    const { bucket, path } = await objectParams(context);
    const stored = await getLocalStorage().receiveSignedUpload({
      bucket,
      path,
      token: tokenOf(request),
      headers: request.headers,
      body: request.body,
    });
    return ok(stored);
  } catch (error) {
    const refused = storageError(error);
    // A refused upload is usually left unread; a client that reused this
    // connection would send its next request into the rest of that body.
    refused.headers.set("connection", "close");
    return refused;
  }
}

export function OPTIONS(request: Request): Response {
  return unlessLocalStorage() ?? preflight(request, "PUT");
}
