/**
 * GET /api/storage/v1/object/sign/<bucket>/<path>?token=...[&download=name]
 * The local twin of Supabase's signed download endpoint.
 */
import { objectParams, preflight, storageError, tokenOf, unlessLocalStorage, withCors, type ObjectRouteContext } from "@/app/api/storage/v1/http";
import { getLocalStorage } from "@/lib/storage/local";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

/** Supabase's `download` parameter: present = attachment, with its value as the file name when given. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export async function GET(request: Request, context: ObjectRouteContext): Promise<Response> {
  const off = unlessLocalStorage();
  if (off) return off;
  try {
    const { bucket, path } = await objectParams(context);
    const file = await getLocalStorage().openSignedDownload({ bucket, path, token: tokenOf(request) });
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
    const download = new URL(request.url).searchParams.get("download");
    if (download !== null) headers.set("content-disposition", attachment(download || file.fileName));
    return new Response(file.body, { status: 200, headers });
  } catch (error) {
    return storageError(error);
  }
}

export function OPTIONS(request: Request): Response {
  return unlessLocalStorage() ?? preflight(request, "GET");
}
