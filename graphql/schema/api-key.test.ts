/**
 * API keys end to end with the development identity, through the real
 * endpoint (Yoga's fetch, what the Next.js route exports) on real Postgres
 * with RLS: create keys with a session, call with them, revoke them, and
 * check that a key only ever acts as its owner.
 */
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
} from "graphql";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { schema } from "@/graphql/schema/index";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { deleteClerkUser } from "@/lib/users/sync";
import { postGraphQL, seedGeneration, signedInPerson, type SignedInPerson } from "@/test/support";

const server = createGraphQLServer();

type Key = { secret: string; apiKey: { id: string; name: string; scopes: string[]; createdAt: string; lastUsedAt: string | null; revoked: boolean } };

async function createKey(owner: SignedInPerson, scopes: string[], name = "script"): Promise<Key & { authorization: string }> {
  const { status, body } = await postGraphQL<{ createApiKey: Key }>(
    server,
    "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id name scopes createdAt lastUsedAt revoked } } }",
    { authorization: owner.authorization, variables: { input: { name, scopes } } },
  );
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  const created = body.data!.createApiKey;
  return { ...created, authorization: `Bearer ${created.secret}` };
}

const viewerWith = (authorization: string) =>
  postGraphQL<{ viewer: { id: string; email: string; generations: { edges: { node: { id: string } }[] } } }>(
    server,
    "{ viewer { id email generations(first: 50) { edges { node { id } } } } }",
    { authorization },
  );

let alice: SignedInPerson;
let bob: SignedInPerson;
let aliceGeneration: string;

beforeAll(async () => {
  alice = await signedInPerson(server);
  bob = await signedInPerson(server);
  aliceGeneration = await seedGeneration(alice.id, { inputContent: "Alice's private draft" });
});

describe("creating and listing keys", () => {
  it("returns the secret once, in the create payload, and lists keys without it", async () => {
    const key = await createKey(alice, ["READ", "WRITE"], "Nightly export");
    expect(key.secret).toMatch(/^ak_[0-9a-f]{64}$/);
    expect(key.apiKey).toMatchObject({ name: "Nightly export", scopes: ["READ", "WRITE"], lastUsedAt: null, revoked: false });
    const { body } = await postGraphQL<{ viewer: { apiKeys: Record<string, unknown>[] } }>(
      server,
      "{ viewer { apiKeys { id name scopes createdAt lastUsedAt revoked } } }",
      { authorization: alice.authorization },
    );
    expect(body.data!.viewer.apiKeys).toContainEqual(key.apiKey);
    expect(JSON.stringify(body)).not.toContain(key.secret);
  });

  it("refuses an empty name and no scopes with BAD_USER_INPUT naming the field", async () => {
    const { body } = await postGraphQL(
      server,
      "mutation { createApiKey(input: { name: \" \", scopes: [] }) { secret } }",
      { authorization: alice.authorization },
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    const fields = (body.errors?.[0]?.extensions?.fields as { field: string }[]).map((entry) => entry.field);
    expect(fields).toEqual(expect.arrayContaining(["input.name", "input.scopes"]));
  });

  it("refuses anonymous callers", async () => {
    const { status, body } = await postGraphQL(server, "mutation { createApiKey(input: { name: \"x\", scopes: [READ] }) { secret } }");
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("calling with a key", () => {
  it("acts as the key's owner under RLS, and records when it was last used", async () => {
    const key = await createKey(alice, ["READ", "WRITE"]);
    const { status, body } = await viewerWith(key.authorization);
    expect(status).toBe(200);
    expect(body.data!.viewer).toMatchObject({ id: alice.globalId, email: alice.email });
    expect(body.data!.viewer.generations.edges.map((edge) => edge.node.id)).toContain(encodeGlobalID("Generation", aliceGeneration));
    const { body: listed } = await postGraphQL<{ viewer: { apiKeys: { id: string; lastUsedAt: string | null }[] } }>(server, "{ viewer { apiKeys { id lastUsedAt } } }", {
      authorization: alice.authorization,
    });
    const lastUsedAt = listed.data!.viewer.apiKeys.find((entry) => entry.id === key.apiKey.id)?.lastUsedAt;
    expect(Math.abs(Date.parse(lastUsedAt!) - Date.now())).toBeLessThan(60_000);
  });

  it("lets a read-write key run mutations as its owner", async () => {
    const key = await createKey(alice, ["READ", "WRITE"]);
    const { body } = await postGraphQL<{ createTemplate: { template: { id: string; name: string } } }>(
      server,
      'mutation { createTemplate(input: { name: "From a script", type: CAROUSEL, content: { slides: 5 } }) { template { id name } } }',
      { authorization: key.authorization },
    );
    expect(body.errors).toBeUndefined();
    const [row] = await asService((sql) => sql<{ userId: string }[]>`select user_id from templates where name = 'From a script'`);
    expect(row?.userId).toBe(alice.id);
  });

  it("never lets another person's key see the first person's data", async () => {
    const bobKey = await createKey(bob, ["READ", "WRITE"]);
    const { body } = await viewerWith(bobKey.authorization);
    expect(body.data!.viewer.id).toBe(bob.globalId);
    expect(body.data!.viewer.generations.edges).toEqual([]);
    const { body: direct } = await postGraphQL(server, "query($id: ID!) { generation(id: $id) { id inputContent } }", {
      authorization: bobKey.authorization,
      variables: { id: encodeGlobalID("Generation", aliceGeneration) },
    });
    expect(direct.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND" });
    expect(JSON.stringify(direct)).not.toContain("Alice's private draft");
    const { body: keys } = await postGraphQL<{ viewer: { apiKeys: { id: string }[] } }>(server, "{ viewer { apiKeys { id } } }", {
      authorization: bobKey.authorization,
    });
    expect(keys.data!.viewer.apiKeys.map((entry) => entry.id)).toEqual([bobKey.apiKey.id]);
  });

  it("does not let a key create or revoke keys: that takes a session", async () => {
    const key = await createKey(alice, ["READ", "WRITE"]);
    const created = await postGraphQL(server, 'mutation { createApiKey(input: { name: "successor", scopes: [READ, WRITE] }) { secret } }', {
      authorization: key.authorization,
    });
    expect(created.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", scopes: ["session"] });
    const revoked = await postGraphQL(server, "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }", {
      authorization: key.authorization,
      variables: { id: key.apiKey.id },
    });
    expect(revoked.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });
  });

  it("answers an unknown key with 401 UNAUTHENTICATED and a reason, never as anonymous", async () => {
    const { status, body } = await viewerWith(`Bearer ak_${"0".repeat(64)}`);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "token-invalid" });
    expect(body.data ?? null).toBeNull();
  });

  it("refuses OAuth access tokens with the development identity, which has no OAuth server", async () => {
    const { status, body } = await viewerWith(`Bearer oat_${"1".repeat(40)}`);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.message).toMatch(/issued by Clerk/);
  });
});

/** A GraphQL literal that passes validation for `type` (required input fields only), to reach a field's scope check. */
function literalFor(type: GraphQLInputType): string {
  if (isNonNullType(type)) return literalFor(type.ofType);
  if (isListType(type)) return `[${literalFor(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return `{ ${required.map((field) => `${field.name}: ${literalFor(field.type)}`).join(", ")} }`;
  }
  const scalar = getNamedType(type);
  if (isScalarType(scalar)) {
    const literals: Record<string, string> = { Int: "1", Float: "1", Boolean: "true", JSON: "{}", DateTime: '"2026-01-01T00:00:00Z"' };
    return literals[scalar.name] ?? '"x"';
  }
  throw new Error(`no literal for ${String(type)}`);
}

function minimalOperation(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const argumentList = args.length ? `(${args.map((arg) => `${arg.name}: ${literalFor(arg.type)}`).join(", ")})` : "";
  return `${kind} { ${field.name}${argumentList} { __typename } }`;
}

describe("scopes", () => {
  const mutations = Object.values(schema.getMutationType()!.getFields());
  const queries = Object.values(schema.getQueryType()!.getFields()).filter((field) => !isScalarType(getNamedType(field.type)));

  it("refuse every mutation to a read-only key with FORBIDDEN naming the `write` scope, before anything runs", async () => {
    const key = await createKey(alice, ["READ"]);
    const [before] = await asService((sql) => sql<{ templates: number; generations: number }[]>`
      select (select count(*)::int from templates) as templates, (select count(*)::int from generations) as generations`);
    expect(mutations.length).toBeGreaterThanOrEqual(10);
    // A download URL changes nothing: it is a read, and needs `read` instead of `write` (graphql/auth.ts).
    const reads = new Set(["createGenerationDownloadUrl"]);
    for (const mutation of mutations.filter((field) => !reads.has(field.name))) {
      const { status, body } = await postGraphQL(server, minimalOperation("mutation", mutation), { authorization: key.authorization });
      expect({ mutation: mutation.name, status, error: body.errors?.[0]?.extensions }).toEqual({
        mutation: mutation.name,
        status: 200,
        error: { code: "FORBIDDEN", scopes: ["write"] },
      });
      expect(body.errors?.[0]?.message).toMatch(/lacks the `write` scope/);
    }
    const [after] = await asService((sql) => sql<{ templates: number; generations: number }[]>`
      select (select count(*)::int from templates) as templates, (select count(*)::int from generations) as generations`);
    expect(after).toEqual(before);
    // The read among them runs (and refuses the made-up id as such, not the key).
    const download = mutations.find((field) => field.name === "createGenerationDownloadUrl")!;
    const { body } = await postGraphQL(server, minimalOperation("mutation", download), { authorization: key.authorization });
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("let a read-only key run queries", async () => {
    const key = await createKey(alice, ["READ"]);
    const { status, body } = await viewerWith(key.authorization);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!.viewer.id).toBe(alice.globalId);
  });

  it("refuse every query to a write-only key with FORBIDDEN naming the `read` scope; its mutations run", async () => {
    const key = await createKey(alice, ["WRITE"]);
    for (const query of [...queries.map((field) => minimalOperation("query", field)), "{ health { ok } }"]) {
      const { body } = await postGraphQL(server, query, { authorization: key.authorization });
      expect({ query, error: body.errors?.[0]?.extensions }).toEqual({ query, error: { code: "FORBIDDEN", scopes: ["read"] } });
    }
    const { body } = await postGraphQL<{ createTemplate: { template: { id: string } } }>(server, 'mutation { createTemplate(input: { name: "Write-only", type: CAROUSEL, content: {} }) { template { id } } }', {
      authorization: key.authorization,
    });
    expect(body.errors).toBeUndefined();
    expect(body.data!.createTemplate.template.id).toEqual(expect.any(String));
  });

  it("give a session every scope", async () => {
    const { body } = await postGraphQL(server, 'mutation { createTemplate(input: { name: "By session", type: CAROUSEL, content: {} }) { template { name } } }', {
      authorization: alice.authorization,
    });
    expect(body.errors).toBeUndefined();
    expect((await viewerWith(alice.authorization)).body.data!.viewer.id).toBe(alice.globalId);
  });
});

describe("traces", () => {
  /** The JSON log lines written while `fn` runs, at info level. */
  async function logLines(fn: () => unknown): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    const level = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "info";
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => (lines.push(String(chunk)), true));
    try {
      await fn();
    } finally {
      spy.mockRestore();
      process.env.LOG_LEVEL = level;
    }
    return lines.flatMap((line) => line.split("\n").filter(Boolean)).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("name the key by id beside the request id, never the secret", async () => {
    const key = await createKey(alice, ["READ"]);
    const lines = await logLines(() =>
      server.fetch(new Request("http://localhost/api/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: key.authorization, "x-request-id": "trace-api-key-0001" },
        body: JSON.stringify({ query: "{ viewer { id } }" }),
      })),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ requestId: "trace-api-key-0001", keyId: decodeGlobalID(key.apiKey.id).id, credential: "api_key", userId: alice.id }),
    );
    expect(JSON.stringify(lines)).not.toContain(key.secret);
  });

  it("record a refused key with the request id and the reason, never the secret", async () => {
    const secret = `ak_${"7".repeat(64)}`;
    const lines = await logLines(() =>
      server.fetch(new Request("http://localhost/api/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}`, "x-request-id": "trace-api-key-0002" },
        body: JSON.stringify({ query: "{ viewer { id } }" }),
      })),
    );
    expect(lines).toContainEqual(expect.objectContaining({ requestId: "trace-api-key-0002", reason: "token-invalid", message: "credential refused" }));
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

describe("revoking a key", () => {
  it("refuses the key on the very next request; revoking again changes nothing", async () => {
    const key = await createKey(alice, ["READ"]);
    expect((await viewerWith(key.authorization)).status).toBe(200);
    const revoke = () =>
      postGraphQL<{ revokeApiKey: { apiKey: { id: string; revoked: boolean } } }>(server, "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id revoked } } }", {
        authorization: alice.authorization,
        variables: { id: key.apiKey.id },
      });
    expect((await revoke()).body.data!.revokeApiKey.apiKey).toEqual({ id: key.apiKey.id, revoked: true });
    const refused = await viewerWith(key.authorization);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/revoked/), extensions: { code: "UNAUTHENTICATED", reason: "token-invalid" } });
    expect((await revoke()).body.data!.revokeApiKey.apiKey.revoked).toBe(true);
  });

  it("lets only the owner revoke: another person's key id is NOT_FOUND and the key keeps working", async () => {
    const key = await createKey(alice, ["READ"]);
    const { body } = await postGraphQL(server, "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }", {
      authorization: bob.authorization,
      variables: { id: key.apiKey.id },
    });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND" });
    expect((await viewerWith(key.authorization)).body.data!.viewer.id).toBe(alice.globalId);
  });
});

describe("a deleted person's key", () => {
  it("stops working once the account is deleted", async () => {
    const carol = await signedInPerson(server);
    const key = await createKey(carol, ["READ", "WRITE"]);
    expect((await viewerWith(key.authorization)).body.data!.viewer.id).toBe(carol.globalId);
    await asService((sql) => deleteClerkUser(sql, carol.clerkUserId, new Date()));
    const { status, body } = await viewerWith(key.authorization);
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });
});
