/**
 * Storage helpers for tests: real PNG bytes, and a fetch that sends requests
 * for the local storage API to its route handlers in-process, so clients
 * (plain fetch, supabase-js) can be exercised without a running server.
 */
import { GET as signedDownload, OPTIONS as downloadPreflight } from "@/app/api/storage/v1/object/sign/[bucket]/[...path]/route";
import { PUT as signedUpload, OPTIONS as uploadPreflight } from "@/app/api/storage/v1/object/upload/sign/[bucket]/[...path]/route";
import { LOCAL_STORAGE_API_PATH, type LocalStorage } from "@/lib/storage/local";
import { GENERATIONS_BUCKET } from "@/lib/storage/types";

/** A real 1x1 PNG (signature, IHDR, IDAT, IEND). */
export const TINY_PNG: Uint8Array<ArrayBuffer> = new Uint8Array(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64"),
);

/** Bytes that start like a PNG and are `size` long: for size limits, where only the length matters. */
export function pngOfSize(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  bytes.set(TINY_PNG.subarray(0, 16));
  return bytes;
}

/** A body with no declared length, as a chunked upload would arrive. */
export function streamOf(bytes: Uint8Array, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

type Handler = (request: Request, context: { params: Promise<{ bucket: string; path: string[] }> }) => Promise<Response> | Response;

const routes: { prefix: string; methods: Record<string, Handler> }[] = [
  { prefix: `${LOCAL_STORAGE_API_PATH}/object/upload/sign/`, methods: { PUT: signedUpload, OPTIONS: uploadPreflight } },
  { prefix: `${LOCAL_STORAGE_API_PATH}/object/sign/`, methods: { GET: signedDownload, OPTIONS: downloadPreflight } },
];

/** fetch for the local storage API: dispatches to the route handlers as Next.js would. */
export const storageFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const { pathname } = new URL(request.url);
  const route = routes.find((candidate) => pathname.startsWith(candidate.prefix));
  if (!route) throw new Error(`storageFetch: no local storage route for ${request.method} ${request.url}`);
  const handler = route.methods[request.method];
  if (!handler) return new Response(null, { status: 405 });
  const [bucket = "", ...path] = pathname.slice(route.prefix.length).split("/").map(decodeURIComponent);
  return handler(request, { params: Promise.resolve({ bucket, path }) });
};

/** Delivers TINY_PNG to a local storage instance as its upload route would, with a token it (or a twin) signed. */
export function receiveTinyPng(storage: LocalStorage, objectPath: string, token: string) {
  return storage.receiveSignedUpload({
    bucket: GENERATIONS_BUCKET,
    path: objectPath,
    token,
    headers: new Headers({ "content-type": "image/png" }),
    body: new Blob([TINY_PNG]).stream(),
  });
}
