/**
 * The GraphQL endpoint as clients see it, through Yoga's fetch handler (the
 * same object the Next.js route exports).
 */
import { randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { HealthDocument } from "@/graphql/generated/graphql";
import { toClientError } from "@/graphql/errors";
import { createGraphQLServer } from "@/graphql/yoga";
import { NotFoundError } from "@/lib/errors";
import { postDocument, postGraphQL, signedInPerson } from "@/test/support";

const server = createGraphQLServer();

const post = (body: unknown, headers: Record<string, string> = {}) =>
  server.fetch("http://localhost/api/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify(body),
  });

describe("POST /api/graphql", () => {
  it("answers health from the database, as anon for an anonymous caller", async () => {
    const { status, body } = await postDocument(server, HealthDocument);
    expect(status).toBe(200);
    expect(body.data?.health.ok).toBe(true);
    expect(body.data?.health.databaseRole).toBe("anon");
    expect(Math.abs(Date.parse(body.data!.health.checkedAt) - Date.now())).toBeLessThan(60_000);
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

  it("keeps expected errors with a machine-readable code, naming rows by the global id a client knows", () => {
    const id = randomUUID();
    const error = toClientError(wrapped(new NotFoundError("generation", id)), "req-1");
    const globalId = encodeGlobalID("Generation", id);
    expect(error.message).toBe(`No generation with id "${globalId}" exists for you.`);
    expect(error.extensions).toMatchObject({ code: "NOT_FOUND", id: globalId });
    expect(JSON.stringify({ message: error.message, extensions: error.extensions })).not.toContain(id);
  });

  it("masks unexpected errors and hands back only the request id", () => {
    const error = toClientError(wrapped(new Error("connection string postgres://secret@db")), "req-2");
    expect(error.message).not.toContain("secret");
    expect(error.message).toContain("req-2");
    expect(error.extensions).toMatchObject({ code: "INTERNAL_SERVER_ERROR", requestId: "req-2" });
    expect(error.path).toEqual(["generation"]);
  });
});

describe("HTTP status, as the README's API section says", () => {
  it("answers an anonymous call 200: fields that need sign-in are null with UNAUTHENTICATED, the rest answer", async () => {
    const { status, headers, body } = await postGraphQL<{ health: { ok: boolean }; templates: null; viewer: null }>(
      server,
      "{ health { ok } templates { edges { cursor } } viewer { id } }",
    );
    expect(status).toBe(200);
    expect(headers.get("www-authenticate")).toBeNull();
    expect(body.data).toEqual({ health: { ok: true }, templates: null, viewer: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({ path: ["templates"], extensions: { code: "UNAUTHENTICATED" } });
    expect(body.errors![0]!.message).toMatch(/Sign in first: this field needs a signed-in user/);
  });

  it("answers an anonymous mutation 200 with data null, as GraphQL over HTTP has it for a non-null field's error", async () => {
    const { status, body } = await postGraphQL(server, `mutation { deleteTemplate(input: { id: "x" }) { deletedTemplateId } }`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: null, errors: [{ path: ["deleteTemplate"], extensions: { code: "UNAUTHENTICATED" } }] });
  });

  it("refuses a bad token with 401 before anything executes, even fields anonymous callers may use", async () => {
    const { status, headers, body } = await postGraphQL(server, "{ health { ok } }", { authorization: "Bearer not-a-jwt" });
    expect(status).toBe(401);
    expect(headers.get("www-authenticate")).toMatch(/^Bearer realm="Postora API", error="invalid_token"/);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("answers a signed-in caller's NOT_FOUND 200 with the other fields intact", async () => {
    const someone = await signedInPerson(server);
    const missing = encodeGlobalID("Generation", randomUUID());
    const { status, body } = await postGraphQL(server, `query($id: ID!) { node(id: $id) { id } health { ok } }`, {
      authorization: someone.authorization,
      variables: { id: missing },
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({ node: null, health: { ok: true } });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", id: missing });
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
