/**
 * What a POST to /api/graphql may carry: JSON only (so a cross-site form or
 * text/plain fetch cannot run a mutation), at most BODY_LIMITS.graphql bytes
 * (refused before it is read, or as soon as it passes the limit), and no
 * mutations over GET.
 */
import { describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { BODY_LIMITS } from "@/lib/http/body";
import { postGraphQL, signedInPerson } from "@/test/support";

const server = createGraphQLServer();
const url = "http://localhost/api/graphql";
const createTemplate = `mutation { createTemplate(input: { name: "csrf", type: CAROUSEL, content: { slides: 3 } }) { template { id } } }`;

async function templatesNamed(name: string): Promise<number> {
  const [row] = await asService((sql) => sql<{ n: number }[]>`select count(*)::int as n from templates where name = ${name}`);
  return row!.n;
}

/** A body that yields `chunk`-sized pieces forever, counting what was pulled. */
function endlessBody(chunk = 64 * 1024) {
  const pulled = { bytes: 0 };
  const piece = new Uint8Array(chunk).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled.bytes += piece.byteLength;
      controller.enqueue(piece);
    },
  });
  return { stream, pulled };
}

describe("cross-site simple requests", () => {
  it("refuses form, multipart and plain-text POSTs with 415 and runs nothing, even with a valid token", async () => {
    const person = await signedInPerson(server);
    const bodies: [string, BodyInit][] = [
      ["application/x-www-form-urlencoded", new URLSearchParams({ query: createTemplate }).toString()],
      ["text/plain", JSON.stringify({ query: createTemplate })],
      ["text/plain;charset=UTF-8", JSON.stringify({ query: createTemplate })],
    ];
    const form = new FormData();
    form.set("query", createTemplate);
    for (const [contentType, body] of bodies) {
      const response = await server.fetch(url, {
        method: "POST",
        headers: { "content-type": contentType, origin: "https://evil.example", authorization: person.authorization },
        body,
      });
      expect(response.status, contentType).toBe(415);
      const json = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(json.errors[0]!.extensions.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    const multipart = await server.fetch(url, { method: "POST", headers: { origin: "https://evil.example", authorization: person.authorization }, body: form });
    expect(multipart.status).toBe(415);
    const none = await server.fetch(url, { method: "POST", headers: { authorization: person.authorization }, body: new Blob([JSON.stringify({ query: createTemplate })]) });
    expect(none.status).toBe(415);
    expect(await templatesNamed("csrf")).toBe(0);
  });

  it("accepts JSON POSTs, including the GraphQL media types", async () => {
    const person = await signedInPerson(server);
    for (const contentType of ["application/json", "application/json; charset=utf-8", "application/graphql-response+json"]) {
      const response = await server.fetch(url, {
        method: "POST",
        headers: { "content-type": contentType, authorization: person.authorization },
        body: JSON.stringify({ query: createTemplate }),
      });
      expect(response.status, contentType).toBe(200);
      expect(((await response.json()) as { errors?: unknown }).errors, contentType).toBeUndefined();
    }
    expect(await templatesNamed("csrf")).toBe(3);
  });

  it("keeps GET for queries: a mutation over GET is refused with 405 and runs nothing", async () => {
    const person = await signedInPerson(server);
    const before = await templatesNamed("csrf");
    const response = await server.fetch(`${url}?query=${encodeURIComponent(createTemplate)}`, {
      headers: { authorization: person.authorization, accept: "application/json" },
    });
    expect(response.status).toBe(405);
    expect(await templatesNamed("csrf")).toBe(before);
    const query = await server.fetch(`${url}?query=${encodeURIComponent("{ health { ok } }")}`, { headers: { accept: "application/json" } });
    expect(query.status).toBe(200);
  });

  it("answers a malformed JSON body or a non-object with 400", async () => {
    for (const body of ["{", "[]", "null", "42", '"q"']) {
      const response = await server.fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(response.status, body).toBe(400);
    }
  });
});

describe("body size", () => {
  it("refuses a declared Content-Length over the limit before reading a byte", async () => {
    const { stream, pulled } = endlessBody();
    const response = await server.fetch(
      new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(1024 ** 3) },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    const json = (await response.json()) as { errors: { extensions: { code: string; limit: number } }[] };
    expect(json.errors[0]!.extensions).toMatchObject({ code: "PAYLOAD_TOO_LARGE", limit: BODY_LIMITS.graphql });
    // A stream's first chunk may be buffered up front; nothing more is read.
    expect(pulled.bytes).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it("stops reading an endless body without Content-Length as soon as it passes the limit", async () => {
    const { stream, pulled } = endlessBody();
    const response = await server.fetch(
      new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(pulled.bytes).toBeGreaterThan(BODY_LIMITS.graphql);
    // Bounded by the limit plus what the stream buffers ahead, not by what the client sends.
    expect(pulled.bytes).toBeLessThanOrEqual(BODY_LIMITS.graphql + 512 * 1024);
  });

  it("still runs a document just under the limit", async () => {
    const padding = " ".repeat(BODY_LIMITS.graphql - 200);
    const { status, body } = await postGraphQL(server, `${padding}{ health { ok } }`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ health: { ok: true } });
  });
});
