/**
 * Reading a request body with a byte limit, for every route that reads one.
 * A declared Content-Length over the limit is refused before a byte is read;
 * a body without one (chunked) or that lies about its length is counted as it
 * streams and abandoned the moment it passes the limit, so an unauthenticated
 * 1 GB POST costs at most `limit` bytes of memory.
 */

/** Caps per kind of route, in bytes: set here, in one place. */
export const BODY_LIMITS = {
  /** A GraphQL document plus variables; the largest legitimate one (a long inputContent) is far below. */
  graphql: 256 * 1024,
  /** A provider's webhook event (svix caps Clerk's deliveries well below this). */
  webhook: 1024 * 1024,
  /** The development sign-in form: a user id and an email. */
  devSignIn: 4096,
} as const;

export class BodyTooLargeError extends Error {
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`The request body is larger than this endpoint accepts (at most ${limit} bytes). Send a smaller body.`);
    this.name = "BodyTooLargeError";
  }
}

/** True when the request declares a body longer than the limit (nothing is read). */
export function declaresTooLarge(request: Request, limit: number): boolean {
  const declared = request.headers.get("content-length");
  if (declared === null) return false;
  const length = Number(declared);
  return !Number.isFinite(length) || length > limit;
}

/** The body's bytes, at most `limit` of them; throws BodyTooLargeError past it. */
async function readBodyBytes(request: Request, limit: number): Promise<Uint8Array> {
  if (declaresTooLarge(request, limit)) throw new BodyTooLargeError(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The body as UTF-8 text (invalid sequences become U+FFFD), at most `limit` bytes. */
export async function readBodyText(request: Request, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBodyBytes(request, limit));
}

/** The 413 a plain (non-GraphQL) route answers with. */
function tooLargeResponse(error: BodyTooLargeError): Response {
  const response = Response.json({ error: error.message, limit: error.limit }, { status: 413 });
  // The rest of the body is left unread: don't let a reused connection read it as the next request.
  response.headers.set("connection", "close");
  return response;
}

/** The body as text, at most `limit` bytes; or the 413 to answer with instead. */
export async function readCappedBody(request: Request, limit: number): Promise<string | Response> {
  try {
    return await readBodyText(request, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return tooLargeResponse(error);
    throw error;
  }
}

/**
 * A webhook's raw body (its signature covers the exact bytes sent) at most
 * BODY_LIMITS.webhook long, because nothing is verified before it is read;
 * or the 413 to answer with instead.
 */
export function readWebhookBody(request: Request): Promise<string | Response> {
  return readCappedBody(request, BODY_LIMITS.webhook);
}
