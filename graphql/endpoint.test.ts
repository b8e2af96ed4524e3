/**
 * The GraphQL endpoint as clients see it, through Yoga's fetch handler (the
 * same object the Next.js route exports).
 */
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { toClientError } from "@/graphql/errors";
import { createGraphQLServer } from "@/graphql/yoga";
import { NotFoundError } from "@/lib/errors";

const server = createGraphQLServer();

const post = (body: unknown, headers: Record<string, string> = {}) =>
  server.fetch("http://localhost/api/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify(body),
  });

describe("POST /api/graphql", () => {
  it("answers health from the database, as anon for an anonymous caller", async () => {
    const response = await post({ query: "{ health { ok databaseTime databaseRole } }" });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as { data: { health: { ok: boolean; databaseTime: string; databaseRole: string } } };
    expect(data.health.ok).toBe(true);
    expect(data.health.databaseRole).toBe("anon");
    expect(Math.abs(Date.parse(data.health.databaseTime) - Date.now())).toBeLessThan(60_000);
  });

  it("follows GraphQL over HTTP: a request that fails validation is a 400 with errors", async () => {
    const response = await post({ query: "{ nope }" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toMatch(/Cannot query field "nope"/);
  });

  it("echoes a caller's request id, or mints one", async () => {
    const given = await post({ query: "{ health { ok } }" }, { "x-request-id": "trace-1234567890" });
    expect(given.headers.get("x-request-id")).toBe("trace-1234567890");
    const minted = await post({ query: "{ health { ok } }" });
    expect(minted.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("GET /api/graphql in a browser", () => {
  it("serves GraphiQL bundled with the server, so it works offline", async () => {
    const response = await server.fetch("http://localhost/api/graphql", { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("<title>Postora API</title>");
    expect(html).not.toMatch(/unpkg\.com|jsdelivr\.net|cdnjs/);
  });
});

describe("errors that reach a client", () => {
  const wrapped = (original: Error) => new GraphQLError(original.message, { path: ["generation"], originalError: original });

  it("keeps expected errors with a machine-readable code", () => {
    const error = toClientError(wrapped(new NotFoundError("generation", "abc")), "req-1");
    expect(error.message).toBe('No generation with id "abc" exists for you.');
    expect(error.extensions).toMatchObject({ code: "NOT_FOUND", id: "abc" });
  });

  it("masks unexpected errors and hands back only the request id", () => {
    const error = toClientError(wrapped(new Error("connection string postgres://secret@db")), "req-2");
    expect(error.message).not.toContain("secret");
    expect(error.message).toContain("req-2");
    expect(error.extensions).toMatchObject({ code: "INTERNAL_SERVER_ERROR", requestId: "req-2" });
    expect(error.path).toEqual(["generation"]);
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    server.fetch("http://localhost/api/graphql", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });

  it("lets any origin call with a Bearer token, but never with cookies", async () => {
    const response = await preflight("https://someone-else.example");
    // Yoga echoes the origin for "*"; without credentials that is the same grant.
    expect(["*", "https://someone-else.example"]).toContain(response.headers.get("access-control-allow-origin"));
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("allows credentials only for our own origin", async () => {
    const response = await preflight("http://localhost:3000");
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
  });
});

describe("abusive documents", () => {
  it("serves the dashboard's own queries", async () => {
    const page = `{ viewer { id tier usage { used limit } generations(first: 50) { edges { cursor node {
      id inputContent outputFormat bulletPoints canvaDesignId status createdAt hasFile } } pageInfo { hasNextPage endCursor } }
      templates { edges { node { id name } } } subscription { plan } } }`;
    expect((await post({ query: page })).status).toBe(200);
  });

  it("refuses an alias flood before running it, and says what the limit is", async () => {
    const aliases = `{ ${Array.from({ length: 50 }, (_, i) => `h${i}: health { ok }`).join(" ")} }`;
    const flooded = await post({ query: aliases });
    expect(flooded.status).toBe(400);
    const [error] = ((await flooded.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors;
    expect(error?.message).toBe("Aliases limit of 20 exceeded, found 50. Split the document into smaller requests.");
    expect(error?.extensions.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("refuses a document whose cost is over the limit", async () => {
    const fields = "id inputContent outputFormat bulletPoints canvaDesignId status createdAt hasFile";
    const page = `viewer { generations(first: 100) { edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } } templates { edges { node { id name type content } } } }`;
    const response = await post({ query: `{ a: ${page} b: ${page} c: ${page} }` });
    expect(response.status).toBe(400);
    const [error] = ((await response.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors;
    expect(error?.message).toMatch(/^Query Cost limit of 5000 exceeded, found [\d.]+\. Split the document/);
    expect(error?.extensions.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("still serves GraphiQL's introspection", async () => {
    const { getIntrospectionQuery } = await import("graphql");
    expect((await post({ query: getIntrospectionQuery() })).status).toBe(200);
  });
});
