/**
 * Generations through the real endpoint (Yoga's fetch, the object the Next.js
 * route exports), on real Postgres with RLS and the local storage adapter.
 */
import { randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { beforeAll, describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService, onQuery } from "@/lib/db/client";
import { postGraphQL, seedGeneration, signedInPerson, type SignedInPerson } from "@/test/support";
import { storageFetch, TINY_PNG } from "@/test/storage";

const server = createGraphQLServer();

const person = () => signedInPerson(server);

const FIELDS = "id inputContent outputFormat bulletPoints canvaDesignId status createdAt hasFile";

async function create(owner: SignedInPerson, input: Record<string, unknown> = {}) {
  const { body } = await postGraphQL<{ createGeneration: { generation: { id: string; status: string; hasFile: boolean }; upload: { url: string; token: string; path: string; expiresAt: string } } }>(
    server,
    `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { generation { ${FIELDS} } upload { url token path expiresAt } } }`,
    { authorization: owner.authorization, variables: { input: { inputContent: "Ten lessons from a year of shipping", outputFormat: "CAROUSEL", ...input } } },
  );
  expect(body.errors).toBeUndefined();
  return body.data!.createGeneration;
}

let alice: SignedInPerson;
let bob: SignedInPerson;

beforeAll(async () => {
  alice = await person();
  bob = await person();
});

describe("createGeneration", () => {
  it("queues a generation and hands out an upload URL for <users.id>/generation-<id>.png", async () => {
    const { generation, upload } = await create(alice);
    expect(generation).toMatchObject({ status: "QUEUED", hasFile: false });
    const [, rawId] = Buffer.from(generation.id, "base64").toString().split(":");
    expect(upload.path).toBe(`${alice.id}/generation-${rawId}.png`);
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());
    expect(upload.url).toContain("/api/storage/v1/object/upload/sign/postora-generations/");
  });

  it("names the field and the rule when input is invalid, and writes nothing", async () => {
    const before = await asService((sql) => sql`select count(*)::int as n from generations`);
    const { body } = await postGraphQL(server, `mutation { createGeneration(input: { inputContent: "   ", outputFormat: CAROUSEL }) { generation { id } } }`, {
      authorization: alice.authorization,
    });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.inputContent" });
    expect(body.errors?.[0]?.message).toMatch(/input\.inputContent: must not be empty/);
    const tooLong = await postGraphQL(server, `mutation($c: String!) { createGeneration(input: { inputContent: $c, outputFormat: CAROUSEL }) { generation { id } } }`, {
      authorization: alice.authorization,
      variables: { c: "x".repeat(20_001) },
    });
    expect(tooLong.body.errors?.[0]?.message).toMatch(/at most 20,000 characters/);
    const badEnum = await postGraphQL(server, `mutation { createGeneration(input: { inputContent: "hi", outputFormat: VIDEO }) { generation { id } } }`, {
      authorization: alice.authorization,
    });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body.errors?.[0]?.message).toMatch(/VIDEO/);
    const after = await asService((sql) => sql`select count(*)::int as n from generations`);
    expect(after).toEqual(before);
  });

  it("accepts a system template or one's own, and treats another user's template as missing", async () => {
    const [system] = await asService((sql) => sql<{ id: string }[]>`insert into templates (is_system, name, type, content) values (true, 'System', 'carousel', '{}') returning id`);
    const [bobs] = await asService((sql) => sql<{ id: string }[]>`insert into templates (user_id, name, type, content) values (${bob.id}, 'Bob', 'carousel', '{}') returning id`);
    await create(alice, { templateId: encodeGlobalID("Template", system!.id) });
    const { body } = await postGraphQL(server, `mutation($t: ID) { createGeneration(input: { inputContent: "hi", outputFormat: CAROUSEL, templateId: $t }) { generation { id } } }`, {
      authorization: alice.authorization,
      variables: { t: encodeGlobalID("Template", bobs!.id) },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const wrongType = await postGraphQL(server, `mutation($t: ID) { createGeneration(input: { inputContent: "hi", outputFormat: CAROUSEL, templateId: $t }) { generation { id } } }`, {
      authorization: alice.authorization,
      variables: { t: encodeGlobalID("Generation", bobs!.id) },
    });
    expect(wrongType.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.templateId" });
  });
});

describe("files: upload, then download the same bytes", () => {
  it("round-trips a real PNG through the signed URLs, and refuses tampered or expired ones", async () => {
    const { generation, upload } = await create(alice);
    const noFileYet = await postGraphQL(server, `mutation($id: ID!) { createGenerationDownloadUrl(id: $id) { url } }`, {
      authorization: alice.authorization,
      variables: { id: generation.id },
    });
    expect(noFileYet.body.errors?.[0]?.extensions?.code).toBe("FAILED_PRECONDITION");
    expect(noFileYet.body.errors?.[0]?.message).toMatch(/upload it/);

    const put = await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    expect(put.status).toBe(200);

    const { body } = await postGraphQL<{ generation: { hasFile: boolean } }>(server, `query($id: ID!) { generation(id: $id) { hasFile } }`, {
      authorization: alice.authorization,
      variables: { id: generation.id },
    });
    expect(body.data?.generation.hasFile).toBe(true);

    const link = await postGraphQL<{ createGenerationDownloadUrl: { url: string; expiresAt: string } }>(
      server,
      `mutation($id: ID!) { createGenerationDownloadUrl(id: $id, expiresIn: 60) { url expiresAt } }`,
      { authorization: alice.authorization, variables: { id: generation.id } },
    );
    const { url, expiresAt } = link.body.data!.createGenerationDownloadUrl;
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(61_000);
    const download = await storageFetch(url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(TINY_PNG);

    const tampered = new URL(url);
    tampered.searchParams.set("token", `${tampered.searchParams.get("token")!.slice(0, -2)}xx`);
    expect((await storageFetch(tampered.toString())).status).toBeGreaterThanOrEqual(400);
    const otherPath = url.replace(alice.id, bob.id);
    expect((await storageFetch(otherPath)).status).toBeGreaterThanOrEqual(400);

    const bounds = await postGraphQL(server, `mutation($id: ID!) { createGenerationDownloadUrl(id: $id, expiresIn: 86400) { url } }`, {
      authorization: alice.authorization,
      variables: { id: generation.id },
    });
    expect(bounds.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "expiresIn" });
  });
});

describe("updateGeneration", () => {
  it("moves status along allowed transitions only, and sets bullet points and the Canva id", async () => {
    const { generation } = await create(alice);
    const update = (input: Record<string, unknown>) =>
      postGraphQL<{ updateGeneration: { generation: { status: string; bulletPoints: string[] | null; canvaDesignId: string | null } } }>(
        server,
        `mutation($id: ID!, $input: UpdateGenerationInput!) { updateGeneration(id: $id, input: $input) { generation { status bulletPoints canvaDesignId } } }`,
        { authorization: alice.authorization, variables: { id: generation.id, input } },
      );
    const skipped = await update({ status: "COMPLETED" });
    expect(skipped.body.errors?.[0]?.extensions).toMatchObject({ code: "FAILED_PRECONDITION", from: "queued", to: "completed" });
    expect(skipped.body.errors?.[0]?.message).toBe("A queued generation cannot become completed; it can become processing or failed.");
    expect((await update({ status: "PROCESSING" })).body.data?.updateGeneration.generation.status).toBe("PROCESSING");
    const done = await update({ status: "COMPLETED", bulletPoints: ["One", "Two"], canvaDesignId: "DAF_abc-123" });
    expect(done.body.data?.updateGeneration.generation).toEqual({ status: "COMPLETED", bulletPoints: ["One", "Two"], canvaDesignId: "DAF_abc-123" });
    const final = await update({ status: "QUEUED" });
    expect(final.body.errors?.[0]?.message).toMatch(/it is final/);
    const empty = await update({});
    expect(empty.body.errors?.[0]?.message).toMatch(/Send at least one of bulletPoints, canvaDesignId or status/);
    const badCanva = await update({ canvaDesignId: "not valid!" });
    expect(badCanva.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.canvaDesignId" });
  });
});

describe("deleteGeneration", () => {
  it("hides a generation everywhere and removes its file", async () => {
    const { generation, upload } = await create(alice);
    await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    const deleted = await postGraphQL<{ deleteGeneration: { deletedGenerationId: string } }>(server, `mutation($id: ID!) { deleteGeneration(id: $id) { deletedGenerationId } }`, {
      authorization: alice.authorization,
      variables: { id: generation.id },
    });
    expect(deleted.body.data?.deleteGeneration.deletedGenerationId).toBe(generation.id);

    const everywhere = await postGraphQL<{ viewer: { generations: { edges: { node: { id: string } }[] } }; node: unknown; generation: unknown }>(
      server,
      `query($id: ID!) { viewer { generations(first: 100) { edges { node { id } } } } node(id: $id) { id } }`,
      { authorization: alice.authorization, variables: { id: generation.id } },
    );
    expect(everywhere.body.data?.viewer.generations.edges.map((edge) => edge.node.id)).not.toContain(generation.id);
    expect(everywhere.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    for (const mutation of ["createGenerationUploadUrl(id: $id) { url }", "deleteGeneration(id: $id) { deletedGenerationId }"]) {
      const again = await postGraphQL(server, `mutation($id: ID!) { ${mutation} }`, { authorization: alice.authorization, variables: { id: generation.id } });
      expect(again.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }
    const objects = await asService((sql) => sql`select name from storage.objects where name = ${upload.path}`);
    expect(objects).toEqual([]);
    expect((await storageFetch(upload.url.replace("/upload/sign/", "/sign/"))).status).toBeGreaterThanOrEqual(400);
  });
});

describe("Viewer.generations", () => {
  it("pages newest first with cursors, filters, and no gaps or repeats", async () => {
    const carol = await person();
    const base = Date.now() - 60_000;
    for (let i = 0; i < 7; i += 1) {
      await seedGeneration(carol.id, { createdAt: new Date(base + i * 1000), status: i % 2 ? "failed" : "queued", inputContent: `post ${i}` });
    }
    const page = (after: string | null, extra = "") =>
      postGraphQL<{ viewer: { generations: { edges: { node: { inputContent: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null } } } }>(
        server,
        `query($after: String) { viewer { generations(first: 3, after: $after${extra}) { edges { node { inputContent } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`,
        { authorization: carol.authorization, variables: { after } },
      );
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body } = await page(after);
      const connection = body.data!.viewer.generations;
      seen.push(...connection.edges.map((edge) => edge.node.inputContent));
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(["post 6", "post 5", "post 4", "post 3", "post 2", "post 1", "post 0"]);

    const failed = await page(null, ", status: FAILED");
    expect(failed.body.data!.viewer.generations.edges.map((edge) => edge.node.inputContent)).toEqual(["post 5", "post 3", "post 1"]);

    const bad = await postGraphQL(server, `{ viewer { generations(first: 3, after: "garbage") { edges { cursor } } } }`, { authorization: carol.authorization });
    expect(bad.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    const tooMany = await postGraphQL(server, `{ viewer { generations(first: 101) { edges { cursor } } } }`, { authorization: carol.authorization });
    expect(tooMany.body.errors?.[0]?.message).toMatch(/between 1 and 100/);
    const backwards = await postGraphQL(server, `{ viewer { generations(last: 3) { edges { cursor } } } }`, { authorization: carol.authorization });
    expect(backwards.body.errors?.[0]?.message).toMatch(/Only forward pagination/);
  });

  it("costs a constant number of SQL statements however long the page (no N+1)", async () => {
    const dave = await person();
    for (let i = 0; i < 50; i += 1) await seedGeneration(dave.id, { inputContent: `n${i}` });
    const statementsFor = async (first: number) => {
      let count = 0;
      // The driver's own once-per-connection type lookup is not a statement of ours.
      const stop = onQuery((query) => (count += query.includes("pg_catalog.pg_type") ? 0 : 1));
      try {
        const { body } = await postGraphQL<{ viewer: { generations: { edges: unknown[] } } }>(
          server,
          `{ viewer { id tier usage { used limit } generations(first: ${first}) { edges { node { ${FIELDS} } } } } }`,
          { authorization: dave.authorization },
        );
        expect(body.data?.viewer.generations.edges).toHaveLength(first);
      } finally {
        stop();
      }
      return count;
    };
    const forOne = await statementsFor(1);
    const forFifty = await statementsFor(50);
    expect(forFifty).toBe(forOne);
    expect(forFifty).toBeLessThanOrEqual(16);
  });
});

describe("as another user, as nobody, and with a forged token", () => {
  let target: { generation: { id: string } };
  const missing = () => encodeGlobalID("Generation", randomUUID());

  beforeAll(async () => {
    target = await create(alice);
  });

  const operations: [string, string][] = [
    ["generation", `query($id: ID!) { generation(id: $id) { id inputContent } }`],
    ["node", `query($id: ID!) { node(id: $id) { id } }`],
    ["createGenerationUploadUrl", `mutation($id: ID!) { createGenerationUploadUrl(id: $id) { url } }`],
    ["createGenerationDownloadUrl", `mutation($id: ID!) { createGenerationDownloadUrl(id: $id) { url } }`],
    ["updateGeneration", `mutation($id: ID!) { updateGeneration(id: $id, input: { status: FAILED }) { generation { id } } }`],
    ["deleteGeneration", `mutation($id: ID!) { deleteGeneration(id: $id) { deletedGenerationId } }`],
  ];

  it.each(operations)("%s: another user's id behaves exactly like one that does not exist", async (_name, document) => {
    const theirs = await postGraphQL(server, document, { authorization: bob.authorization, variables: { id: target.generation.id } });
    const nowhere = await postGraphQL(server, document, { authorization: bob.authorization, variables: { id: missing() } });
    const shape = (body: typeof theirs.body) => ({ data: body.data, code: body.errors?.[0]?.extensions?.code, message: body.errors?.[0]?.message.replace(/"[^"]+"/, '"…"') });
    expect(shape(theirs.body)).toEqual(shape(nowhere.body));
    expect(theirs.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it.each(operations)("%s: anonymous is UNAUTHENTICATED", async (_name, document) => {
    const { body } = await postGraphQL(server, document, { variables: { id: target.generation.id } });
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("leaves the generation untouched after all of that", async () => {
    const { body } = await postGraphQL<{ generation: { status: string } }>(server, `query($id: ID!) { generation(id: $id) { status } }`, {
      authorization: alice.authorization,
      variables: { id: target.generation.id },
    });
    expect(body.data?.generation.status).toBe("QUEUED");
  });

  it("refuses a forged token with 401 before anything runs", async () => {
    const forged = `${alice.authorization.slice(0, -6)}AAAAAA`;
    for (const [, document] of operations) {
      const response = await postGraphQL(server, document, { authorization: forged, variables: { id: target.generation.id } });
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    const createAnon = await postGraphQL(server, `mutation { createGeneration(input: { inputContent: "x", outputFormat: CAROUSEL }) { generation { id } } }`);
    expect(createAnon.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const viewerAnon = await postGraphQL(server, `{ viewer { id } }`);
    expect(viewerAnon.body).toEqual({ data: { viewer: null } });
  });
});
