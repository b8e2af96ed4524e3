/**
 * What a POST to /api/graphql may carry, decided before any of it is read:
 *
 * - Only JSON (`application/json`, and the GraphQL media types
 *   `application/graphql-response+json` / `application/graphql+json` some
 *   clients send). The "simple" content types a cross-site form or fetch can
 *   send without a CORS preflight (`application/x-www-form-urlencoded`,
 *   `multipart/form-data`, `text/plain`) are refused with 415, so another
 *   website cannot make a visitor's browser run a mutation with their Clerk
 *   cookie. Unlike Yoga's CSRF plugin this needs no extra header, so plain
 *   clients (curl, fetch with JSON) keep working. GET stays for queries:
 *   Yoga refuses mutations over GET itself (405).
 * - At most BODY_LIMITS.graphql bytes (413): a declared Content-Length is
 *   checked first, and a body is read counting bytes and abandoned past the
 *   limit, so an oversized POST never sits in memory.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { BODY_LIMITS, BodyTooLargeError, declaresTooLarge, readBodyText } from "@/lib/http/body";

const jsonMediaTypes = new Set(["application/json", "application/graphql-response+json", "application/graphql+json"]);

function mediaType(request: Request): string {
  return (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

function badRequest(message: string, status: number, code: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra, http: { status, ...(status === 413 ? { headers: { connection: "close" } } : {}) } } });
}

function tooLarge(limit: number): GraphQLError {
  return badRequest(`The request body is larger than this endpoint accepts (at most ${limit} bytes). Send a smaller document or fewer variables.`, 413, "PAYLOAD_TOO_LARGE", { limit });
}

/** Yoga's JSON body parsing, reading at most `limit` bytes. */
async function parseJsonBody(request: Request, limit: number): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readBodyText(request, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw tooLarge(limit);
    throw badRequest("The request body could not be read.", 400, "BAD_REQUEST");
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("POST body sent invalid JSON.", 400, "BAD_REQUEST");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest(`POST body is expected to be a JSON object ({"query": "...", "variables": {...}}), not ${Array.isArray(body) ? "an array" : String(body === null ? "null" : typeof body)}.`, 400, "BAD_REQUEST");
  }
  return body as Record<string, unknown>;
}

export function useRequestBodyRules(options: { limit?: number } = {}): Plugin {
  const limit = options.limit ?? BODY_LIMITS.graphql;
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method !== "POST") return;
      if (!jsonMediaTypes.has(mediaType(request))) {
        throw badRequest(
          `POST bodies must be JSON: send Content-Type: application/json (got ${JSON.stringify(request.headers.get("content-type") ?? "none")}). ` +
            "Form and plain-text bodies are refused so other websites cannot submit them from a browser.",
          415,
          "UNSUPPORTED_MEDIA_TYPE",
        );
      }
      if (declaresTooLarge(request, limit)) throw tooLarge(limit);
      setRequestParser((incoming) => parseJsonBody(incoming, limit));
    },
  };
}
