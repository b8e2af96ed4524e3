/**
 * /api/storage/v1/*: the local twin of Supabase Storage's signed-URL
 * endpoints (signed uploads and downloads). lib/storage/local/server.ts
 * answers every request; it answers 404 when Supabase is configured.
 */
import { serveLocalStorage } from "@/lib/storage/local/server";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

type Context = { params: Promise<{ path: string[] }> };

const serve = (method: "GET" | "PUT" | "OPTIONS") => async (request: Request, context: Context) =>
  serveLocalStorage(method, request, (await context.params).path);

export const GET = serve("GET");
export const PUT = serve("PUT");
export const OPTIONS = serve("OPTIONS");
