/**
 * Storage helpers for tests: real PNG bytes, and a fetch that sends requests
 * for the local storage API to its route handlers in-process, so clients
 * (plain fetch, supabase-js) can be exercised without a running server.
 */
import { GET, OPTIONS, PUT } from "@/app/api/storage/v1/[...path]/route";
import { LOCAL_STORAGE_API_PATH, type LocalStorage } from "@/lib/storage/local/adapter";
import { receiveSignedUpload } from "@/lib/storage/local/transfers";
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
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const chunkSize = 64 * 1024;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

const handlers: Record<string, typeof GET> = { GET, PUT, OPTIONS };

/** The route's params for a URL under the local storage API, decoded as Next.js decodes a catch-all. */
export function storageRouteParams(url: string): { params: Promise<{ path: string[] }> } {
  const { pathname } = new URL(url);
  if (!pathname.startsWith(`${LOCAL_STORAGE_API_PATH}/`)) throw new Error(`not a local storage URL: ${url}`);
  const path = pathname.slice(LOCAL_STORAGE_API_PATH.length + 1).split("/").map(decodeURIComponent);
  return { params: Promise.resolve({ path }) };
}

/** fetch for the local storage API: dispatches to its route handler as Next.js would. */
export const storageFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const handler = handlers[request.method];
  if (!handler) return new Response(null, { status: 405 });
  return handler(request, storageRouteParams(request.url));
};

/** Delivers TINY_PNG to a local storage instance as its upload route would, with a token it (or a twin) signed. */
export function receiveTinyPng(storage: LocalStorage, objectPath: string, token: string) {
  return receiveSignedUpload(storage, {
    bucket: GENERATIONS_BUCKET,
    path: objectPath,
    token,
    headers: new Headers({ "content-type": "image/png" }),
    body: new Blob([TINY_PNG]).stream(),
  });
}
