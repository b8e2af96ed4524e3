/**
 * Generations through the real endpoint (Yoga's fetch, the object the Next.js
 * route exports), on real Postgres with RLS and the local storage adapter.
 * Responses are typed by the generated documents (graphql/documents).
 */
import { randomUUID } from "node:crypto";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CreateGenerationDocument,
  CreateGenerationDownloadUrlDocument,
  CreateGenerationUploadUrlDocument,
  DeleteGenerationDocument,
  GenerationAndViewerDocument,
  GenerationDocument,
  NodeDocument,
  NodesDocument,
  RetryGenerationDocument,
  UpdateGenerationDocument,
  ViewerGenerationsDocument,
  type CreateGenerationInput,
  type ViewerGenerationsQuery,
  type ViewerGenerationsQueryVariables,
} from "@/graphql/generated/graphql";
import { getNamedType, isObjectType, type GraphQLObjectType } from "graphql";
import { schema } from "@/graphql/schema/index";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService, onQuery } from "@/lib/db/client";
import { postDocument, postGraphQL, seedGeneration, seedTemplate, signedInPerson, type GraphQLBody, type SignedInPerson } from "@/test/support";
import { storageFetch, TINY_PNG } from "@/test/storage";

const server = createGraphQLServer();

const person = () => signedInPerson(server);
const rawId = (globalId: string) => decodeGlobalID(globalId).id;

async function create(owner: SignedInPerson, input: Partial<CreateGenerationInput> = {}) {
  const { body } = await postDocument(server, CreateGenerationDocument, {
    authorization: owner.authorization,
    variables: { input: { inputContent: "Ten lessons from a year of shipping", outputFormat: "CAROUSEL", ...input } },
  });
  expect(body.errors).toBeUndefined();
  const { generation, upload } = body.data!.createGeneration;
  return { generation, upload: upload! };
}

let alice: SignedInPerson;
let bob: SignedInPerson;

beforeAll(async () => {
  alice = await person();
  bob = await person();
  // They make more generations than the free tier allows in a month; the quota is tested in lib/billing.
  await asService((sql) => sql`update users set tier = 'business' where id in ${sql([alice.id, bob.id])}`);
});

describe("createGeneration", () => {
  it("queues a generation and hands out an upload URL for <users.id>/generation-<id>.png", async () => {
    const { generation, upload } = await create(alice);
    expect(generation).toMatchObject({ status: "QUEUED", hasFile: false, outputFormat: "CAROUSEL" });
    expect(decodeGlobalID(generation.id).typename).toBe("Generation");
    expect(upload.path).toBe(`${alice.id}/generation-${rawId(generation.id)}.png`);
    expect(Date.parse(upload.expiresAt)).toBeGreaterThan(Date.now());
    expect(upload.url).toContain("/api/storage/v1/object/upload/sign/postora-generations/");
  });

  it("names the field and the rule when input is invalid, and writes nothing", async () => {
    const before = await asService((sql) => sql`select count(*)::int as n from generations`);
    const blank = await postDocument(server, CreateGenerationDocument, {
      authorization: alice.authorization,
      variables: { input: { inputContent: "   ", outputFormat: "CAROUSEL" } },
    });
    expect(blank.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.inputContent" });
    expect(blank.body.errors?.[0]?.message).toMatch(/input\.inputContent: must not be empty/);
    const tooLong = await postDocument(server, CreateGenerationDocument, {
      authorization: alice.authorization,
      variables: { input: { inputContent: "x".repeat(20_001), outputFormat: "CAROUSEL" } },
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
    const system = encodeGlobalID("Template", await seedTemplate(null, "System"));
    const bobs = encodeGlobalID("Template", await seedTemplate(bob.id, "Bob"));
    await create(alice, { templateId: system });
    const { body } = await postDocument(server, CreateGenerationDocument, {
      authorization: alice.authorization,
      variables: { input: { inputContent: "hi", outputFormat: "CAROUSEL", templateId: bobs } },
    });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", id: bobs });
    expect(body.errors?.[0]?.message).toBe(`No template with id "${bobs}" exists for you.`);
    const wrongType = await postDocument(server, CreateGenerationDocument, {
      authorization: alice.authorization,
      variables: { input: { inputContent: "hi", outputFormat: "CAROUSEL", templateId: encodeGlobalID("Generation", rawId(bobs)) } },
    });
    expect(wrongType.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.templateId" });
  });
});

describe("files: upload, then download the same bytes", () => {
  it("round-trips a real PNG through the signed URLs, and refuses tampered or expired ones", async () => {
    const { generation, upload } = await create(alice);
    const noFileYet = await postDocument(server, CreateGenerationDownloadUrlDocument, {
      authorization: alice.authorization,
      variables: { input: { id: generation.id } },
    });
    expect(noFileYet.body.errors?.[0]?.extensions?.code).toBe("FAILED_PRECONDITION");
    expect(noFileYet.body.errors?.[0]?.message).toMatch(/upload it/);

    const put = await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    expect(put.status).toBe(200);

    const { body } = await postDocument(server, GenerationDocument, { authorization: alice.authorization, variables: { id: generation.id } });
    expect(body.data?.generation?.hasFile).toBe(true);

    const link = await postDocument(server, CreateGenerationDownloadUrlDocument, {
      authorization: alice.authorization,
      variables: { input: { id: generation.id, expiresIn: 60 } },
    });
    const { generation: linked, download } = link.body.data!.createGenerationDownloadUrl;
    expect(linked).toEqual({ id: generation.id, hasFile: true });
    expect(Date.parse(download.expiresAt) - Date.now()).toBeLessThanOrEqual(61_000);
    const fetched = await storageFetch(download.url);
    expect(fetched.status).toBe(200);
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(TINY_PNG);

    const tampered = new URL(download.url);
    tampered.searchParams.set("token", `${tampered.searchParams.get("token")!.slice(0, -2)}xx`);
    expect((await storageFetch(tampered.toString())).status).toBeGreaterThanOrEqual(400);
    const otherPath = download.url.replace(alice.id, bob.id);
    expect((await storageFetch(otherPath)).status).toBeGreaterThanOrEqual(400);

    const bounds = await postDocument(server, CreateGenerationDownloadUrlDocument, {
      authorization: alice.authorization,
      variables: { input: { id: generation.id, expiresIn: 86400 } },
    });
    expect(bounds.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.expiresIn" });
  });

  it("signs a fresh upload URL and returns the generation with it", async () => {
    const { generation, upload } = await create(alice);
    const again = await postDocument(server, CreateGenerationUploadUrlDocument, {
      authorization: alice.authorization,
      variables: { input: { id: generation.id } },
    });
    const payload = again.body.data!.createGenerationUploadUrl;
    expect(payload.generation).toEqual({ id: generation.id, hasFile: false });
    expect(payload.upload.path).toBe(upload.path);
  });

  it("names the file's version in its download URL: a new upload gets a new URL, never a cached copy", async () => {
    const { generation, upload } = await create(alice);
    const downloadUrl = async () =>
      (await postDocument(server, CreateGenerationDownloadUrlDocument, { authorization: alice.authorization, variables: { input: { id: generation.id } } }))
        .body.data!.createGenerationDownloadUrl.download.url;
    expect((await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG })).status).toBe(200);
    const first = new URL(await downloadUrl());
    expect(first.searchParams.get("v")).toMatch(/.+/);
    expect(new URL(await downloadUrl()).searchParams.get("v")).toBe(first.searchParams.get("v"));

    const again = await postDocument(server, CreateGenerationUploadUrlDocument, { authorization: alice.authorization, variables: { input: { id: generation.id } } });
    const replacement = Uint8Array.from([...TINY_PNG]);
    expect((await storageFetch(again.body.data!.createGenerationUploadUrl.upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: replacement })).status).toBe(200);
    const second = new URL(await downloadUrl());
    expect(second.searchParams.get("v")).not.toBe(first.searchParams.get("v"));
    // The version is no part of what is signed: the URL works with it, as Supabase Storage's does.
    expect((await storageFetch(second.toString())).status).toBe(200);
  });
});

describe("updateGeneration", () => {
  it("sets bullet points, refuses a hand-set Canva id, and has no say over status", async () => {
    const { generation } = await create(alice);
    const update = (input: { bulletPoints?: string[] | null; canvaDesignId?: string | null }) =>
      postDocument(server, UpdateGenerationDocument, { authorization: alice.authorization, variables: { input: { id: generation.id, ...input } } });
    const done = await update({ bulletPoints: ["One", "Two"] });
    expect(done.body.data?.updateGeneration.generation).toMatchObject({ status: "QUEUED", bulletPoints: ["One", "Two"], canvaDesignId: null });
    const cleared = await update({ bulletPoints: null });
    expect(cleared.body.data?.updateGeneration.generation).toMatchObject({ bulletPoints: null, canvaDesignId: null });
    const empty = await update({});
    expect(empty.body.errors?.[0]?.message).toMatch(/Send bulletPoints/);
    for (const canvaDesignId of ["DAF_abc-123", null]) {
      const byHand = await update({ bulletPoints: ["Three"], canvaDesignId });
      expect(byHand.body.errors?.[0]).toMatchObject({
        message: expect.stringMatching(/canvaDesignId can no longer be set by hand: sendGenerationToCanva/),
        extensions: { code: "BAD_USER_INPUT", field: "input.canvaDesignId" },
      });
    }
    expect((await update({ bulletPoints: ["Four"] })).body.data?.updateGeneration.generation).toMatchObject({ bulletPoints: ["Four"], canvaDesignId: null });
    const status = await postGraphQL(server, `mutation($id: ID!) { updateGeneration(input: { id: $id, status: COMPLETED }) { generation { id } } }`, {
      authorization: alice.authorization,
      variables: { id: generation.id },
    });
    expect(status.status).toBe(400);
    expect(status.body.errors?.[0]?.message).toMatch(/Field "status" is not defined by type "UpdateGenerationInput"/);
  });
});

describe("retryGeneration", () => {
  it("queues a failed generation again, and refuses every other status by name", async () => {
    const retry = (id: string) => postDocument(server, RetryGenerationDocument, { authorization: alice.authorization, variables: { input: { id } } });
    const failed = encodeGlobalID("Generation", await seedGeneration(alice.id, { status: "failed" }));
    const retried = await retry(failed);
    expect(retried.body.errors).toBeUndefined();
    expect(retried.body.data?.retryGeneration.generation).toEqual({ id: failed, status: "QUEUED" });

    const again = await retry(failed);
    expect(again.body.errors?.[0]?.extensions).toMatchObject({ code: "FAILED_PRECONDITION", status: "QUEUED" });
    expect(again.body.errors?.[0]?.message).toBe("Only a failed generation can be retried; this one is queued: wait for it to complete or fail.");
    const processing = await retry(encodeGlobalID("Generation", await seedGeneration(alice.id, { status: "processing" })));
    expect(processing.body.errors?.[0]?.extensions).toMatchObject({ code: "FAILED_PRECONDITION", status: "PROCESSING" });
    const completed = await retry(encodeGlobalID("Generation", await seedGeneration(alice.id, { status: "completed" })));
    expect(completed.body.errors?.[0]?.message).toBe("Only a failed generation can be retried; this one is completed and final.");
  });
});

describe("deleteGeneration", () => {
  it("hides a generation everywhere, removes its file, and returns the deleted id with the viewer", async () => {
    const { generation, upload } = await create(alice);
    await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    const deleted = await postDocument(server, DeleteGenerationDocument, { authorization: alice.authorization, variables: { input: { id: generation.id } } });
    expect(deleted.body.errors).toBeUndefined();
    expect(deleted.body.data?.deleteGeneration.deletedGenerationId).toBe(generation.id);
    expect(deleted.body.data?.deleteGeneration.viewer.id).toBe(alice.globalId);

    const list = await postDocument(server, ViewerGenerationsDocument, { authorization: alice.authorization, variables: { first: 100 } });
    expect(list.body.data?.viewer?.generations.edges.map((edge) => edge.node.id)).not.toContain(generation.id);
    const again = [
      await postDocument(server, CreateGenerationUploadUrlDocument, { authorization: alice.authorization, variables: { input: { id: generation.id } } }),
      await postDocument(server, DeleteGenerationDocument, { authorization: alice.authorization, variables: { input: { id: generation.id } } }),
    ];
    for (const { body } of again) expect(body.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", id: generation.id });
    const objects = await asService((sql) => sql`select name from storage.objects where name = ${upload.path}`);
    expect(objects).toEqual([]);
    expect((await storageFetch(upload.url.replace("/upload/sign/", "/sign/"))).status).toBeGreaterThanOrEqual(400);
  });
});

describe("lookups fail soft", () => {
  it("answers a deleted generation with null and NOT_FOUND (quoting the global id), and viewer still answers", async () => {
    const gone = encodeGlobalID("Generation", await seedGeneration(alice.id, { deletedAt: new Date() }));
    const { status, body } = await postDocument(server, GenerationAndViewerDocument, { authorization: alice.authorization, variables: { id: gone } });
    expect(status).toBe(200);
    expect(body.data).toEqual({ generation: null, viewer: { id: alice.globalId, email: alice.email } });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({ path: ["generation"], extensions: { code: "NOT_FOUND", id: gone } });
    expect(body.errors![0]!.message).toBe(`No generation with id "${gone}" exists for you.`);
    expect(JSON.stringify(body)).not.toContain(rawId(gone));
  });

  it("answers a malformed or wrong-type id the same way, quoting what was sent", async () => {
    const template = encodeGlobalID("Template", await seedTemplate(alice.id));
    for (const sent of ["garbage", encodeGlobalID("Generation", "not-a-uuid"), template]) {
      const { body } = await postDocument(server, GenerationAndViewerDocument, { authorization: alice.authorization, variables: { id: sent } });
      expect(body.data).toEqual({ generation: null, viewer: { id: alice.globalId, email: alice.email } });
      expect(body.errors?.[0]).toMatchObject({ path: ["generation"], message: `No generation with id "${sent}" exists for you.`, extensions: { code: "NOT_FOUND" } });
    }
  });

  it("node and nodes answer every id on its own: found ones, and null with NOT_FOUND for the rest", async () => {
    const { generation } = await create(alice);
    const bobs = encodeGlobalID("Generation", await seedGeneration(bob.id));
    const node = await postDocument(server, NodeDocument, { authorization: alice.authorization, variables: { id: generation.id } });
    expect(node.body.data?.node).toMatchObject({ __typename: "Generation", id: generation.id, status: "QUEUED" });
    const viewerNode = await postDocument(server, NodeDocument, { authorization: alice.authorization, variables: { id: alice.globalId } });
    expect(viewerNode.body.data?.node).toEqual({ __typename: "Viewer", id: alice.globalId, email: alice.email });

    const ids = [generation.id, bobs, "garbage", alice.globalId, bob.globalId];
    const { body } = await postDocument(server, NodesDocument, { authorization: alice.authorization, variables: { ids } });
    expect(body.data?.nodes).toEqual([{ __typename: "Generation", id: generation.id }, null, null, { __typename: "Viewer", id: alice.globalId }, null]);
    const errors = (body.errors ?? []).map((error) => ({ path: error.path, code: error.extensions?.code, message: error.message }));
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: ["nodes", 1], code: "NOT_FOUND", message: `No generation with id "${bobs}" exists for you.` },
        { path: ["nodes", 2], code: "NOT_FOUND", message: `No node with id "garbage" exists for you.` },
        { path: ["nodes", 4], code: "NOT_FOUND", message: `No viewer with id "${bob.globalId}" exists for you.` },
      ]),
    );
    expect(errors).toHaveLength(3);
  });
});

describe("Viewer.generations", () => {
  type Connection = ViewerGenerationsQuery["viewer"];
  type Generations = NonNullable<Connection>["generations"];
  const page = (who: SignedInPerson, variables: ViewerGenerationsQueryVariables) =>
    postDocument(server, ViewerGenerationsDocument, { authorization: who.authorization, variables });
  const contents = (viewer: Connection) => viewer!.generations.edges.map((edge) => edge.node.inputContent);

  it("pages newest first forward with first/after, and backward with last/before, with correct page info", async () => {
    const carol = await person();
    const base = Date.now() - 60_000;
    for (let i = 0; i < 7; i += 1) {
      await seedGeneration(carol.id, { createdAt: new Date(base + i * 1000), status: i % 2 ? "failed" : "queued", inputContent: `post ${i}` });
    }
    const forward: { seen: string[]; hasPreviousPage: boolean; hasNextPage: boolean }[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await page(carol, { first: 3, after });
      const { edges, pageInfo } = body.data!.viewer!.generations;
      forward.push({ seen: contents(body.data!.viewer), hasPreviousPage: pageInfo.hasPreviousPage, hasNextPage: pageInfo.hasNextPage });
      expect(pageInfo.startCursor).toBe(edges[0]?.cursor);
      expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(forward).toEqual([
      { seen: ["post 6", "post 5", "post 4"], hasPreviousPage: false, hasNextPage: true },
      { seen: ["post 3", "post 2", "post 1"], hasPreviousPage: true, hasNextPage: true },
      { seen: ["post 0"], hasPreviousPage: true, hasNextPage: false },
    ]);

    const backward: { seen: string[]; hasPreviousPage: boolean; hasNextPage: boolean }[] = [];
    let before: string | null = null;
    for (;;) {
      const { body } = await page(carol, { last: 3, before });
      const { pageInfo } = body.data!.viewer!.generations;
      backward.push({ seen: contents(body.data!.viewer), hasPreviousPage: pageInfo.hasPreviousPage, hasNextPage: pageInfo.hasNextPage });
      if (!pageInfo.hasPreviousPage) break;
      before = pageInfo.startCursor;
    }
    expect(backward).toEqual([
      { seen: ["post 2", "post 1", "post 0"], hasPreviousPage: true, hasNextPage: false },
      { seen: ["post 5", "post 4", "post 3"], hasPreviousPage: true, hasNextPage: true },
      { seen: ["post 6"], hasPreviousPage: false, hasNextPage: true },
    ]);

    // Turning around mid-way: back from the middle page's start gives the first page.
    const middle = (await page(carol, { first: 3, after: (await page(carol, { first: 3 })).body.data!.viewer!.generations.pageInfo.endCursor })).body;
    const back = await page(carol, { last: 3, before: middle.data!.viewer!.generations.pageInfo.startCursor });
    expect(contents(back.body.data!.viewer)).toEqual(["post 6", "post 5", "post 4"]);
    expect(back.body.data!.viewer!.generations.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });

    const failed = await page(carol, { first: 3, status: "FAILED" });
    expect(contents(failed.body.data!.viewer)).toEqual(["post 5", "post 3", "post 1"]);
    const failedBack = await page(carol, { last: 2, status: "FAILED" });
    expect(contents(failedBack.body.data!.viewer)).toEqual(["post 3", "post 1"]);
  });

  it("never repeats or skips rows created within the same millisecond (cursors keep microseconds)", async () => {
    const dora = await person();
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) made.push((await create(dora, { inputContent: `quick ${i}` })).generation.id);
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const connection: Generations = (await page(dora, { first: 1, after })).body.data!.viewer!.generations;
      forward.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(forward).toEqual([...made].reverse());
    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const connection: Generations = (await page(dora, { last: 1, before })).body.data!.viewer!.generations;
      backward.unshift(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasPreviousPage) break;
      before = connection.pageInfo.startCursor;
    }
    expect(backward).toEqual(forward);
  });

  it("says what is wrong with page arguments", async () => {
    const erin = await person();
    const problems: [ViewerGenerationsQueryVariables, string, RegExp][] = [
      [{ first: 3, after: "garbage" }, "after", /`after` is not a cursor this API issued: pass an endCursor/],
      [{ last: 3, before: "garbage" }, "before", /`before` is not a cursor this API issued: pass a startCursor/],
      [{ first: 101 }, "first", /`first` must be between 1 and 100; got 101/],
      [{ last: 0 }, "last", /`last` must be between 1 and 100; got 0/],
      [{ first: 3, last: 3 }, "last", /`first` and `last` cannot be combined/],
    ];
    for (const [variables, field, message] of problems) {
      const { body } = await page(erin, variables);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(body.errors?.[0]?.message).toMatch(message);
    }
  });

  it("costs a constant number of SQL statements however long the page (no N+1)", async () => {
    const dave = await person();
    for (let i = 0; i < 50; i += 1) await seedGeneration(dave.id, { inputContent: `n${i}` });
    const statementsFor = async (first: number) => {
      let count = 0;
      // The driver's own once-per-connection type lookup is not a statement of ours.
      const stop = onQuery((query) => (count += query.includes("pg_catalog.pg_type") ? 0 : 1));
      try {
        const { body } = await page(dave, { first });
        expect(body.data?.viewer?.generations.edges).toHaveLength(first);
      } finally {
        stop();
      }
      return count;
    };
    const forOne = await statementsFor(1);
    const forFifty = await statementsFor(50);
    expect(forFifty).toBe(forOne);
    // The rate limit's counter, the page (one message with its RLS context), and which of its files exist
    // (a transaction: opening, statement, commit).
    expect(forFifty).toBeLessThanOrEqual(5);
  });

  it("sends a first page's limit inside its statement: no parameter, so one round trip rather than two", async () => {
    const erin = await person();
    await seedGeneration(erin.id, { inputContent: "only" });
    const sent: string[] = [];
    const stop = onQuery((query) => sent.push(query));
    try {
      const { body } = await page(erin, { first: 7 });
      expect(body.data?.viewer?.generations.edges).toHaveLength(1);
    } finally {
      stop();
    }
    const pageStatement = sent.find((query) => query.includes("from generations"));
    // One message: the RLS context, then the page (lib/db/client.ts readOnce).
    expect(pageStatement).toMatch(/^select private\.enter_request\(.*\);\n\s*select [^]* limit 8$/);
    expect(pageStatement).not.toMatch(/\$\d/);
  });
});

describe("every generation operation as its owner, another user, nobody, and a forged token", () => {
  let target: string;
  let failedTarget: string;
  const missing = () => encodeGlobalID("Generation", randomUUID());

  beforeAll(async () => {
    const { generation, upload } = await create(alice);
    await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    target = generation.id;
    failedTarget = encodeGlobalID("Generation", await seedGeneration(alice.id, { status: "failed" }));
  });

  type Run = (authorization: string | undefined, id: string) => Promise<{ status: number; body: GraphQLBody<unknown> }>;
  // Delete last: the owner's pass runs them in order.
  const operations: [string, Run][] = [
    ["generation", (authorization, id) => postDocument(server, GenerationDocument, { authorization, variables: { id } })],
    ["node", (authorization, id) => postDocument(server, NodeDocument, { authorization, variables: { id } })],
    ["nodes", (authorization, id) => postDocument(server, NodesDocument, { authorization, variables: { ids: [id] } })],
    ["createGenerationUploadUrl", (authorization, id) => postDocument(server, CreateGenerationUploadUrlDocument, { authorization, variables: { input: { id } } })],
    ["createGenerationDownloadUrl", (authorization, id) => postDocument(server, CreateGenerationDownloadUrlDocument, { authorization, variables: { input: { id } } })],
    ["updateGeneration", (authorization, id) => postDocument(server, UpdateGenerationDocument, { authorization, variables: { input: { id, bulletPoints: ["Mine now"] } } })],
    ["retryGeneration", (authorization, id) => postDocument(server, RetryGenerationDocument, { authorization, variables: { input: { id: id === target ? failedTarget : id } } })],
    ["deleteGeneration", (authorization, id) => postDocument(server, DeleteGenerationDocument, { authorization, variables: { input: { id } } })],
  ];

  it.each(operations)("%s: another user's id behaves exactly like one that does not exist", async (_name, run) => {
    const theirs = await run(bob.authorization, target);
    const nowhere = await run(bob.authorization, missing());
    const shape = (body: GraphQLBody<unknown>) => ({
      data: body.data,
      errors: body.errors?.map((error) => ({ path: error.path, code: error.extensions?.code, message: error.message.replace(/"[^"]+"/, '"…"') })),
    });
    expect(shape(theirs.body)).toEqual(shape(nowhere.body));
    expect(theirs.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it.each(operations)("%s: anonymous is UNAUTHENTICATED for that field (HTTP 200, as GraphQL over HTTP has it)", async (name, run) => {
    const { status, body } = await run(undefined, target);
    expect(status).toBe(200);
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({ path: [name], extensions: { code: "UNAUTHENTICATED" } });
    expect(body.errors![0]!.message).toMatch(/Sign in first/);
    // Queries are nullable and answer null; a mutation's payload is non-null, so data is null.
    expect(body.data ?? null).toEqual(name === "generation" || name === "node" ? { [name]: null } : null);
  });

  it.each(operations)("%s: a forged token is refused with 401 before anything runs", async (_name, run) => {
    const forged = `${alice.authorization.slice(0, -6)}AAAAAA`;
    const { status, body } = await run(forged, target);
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("left the generation untouched after all of that", async () => {
    const { body } = await postDocument(server, GenerationDocument, { authorization: alice.authorization, variables: { id: target } });
    expect(body.data?.generation).toMatchObject({ status: "QUEUED", bulletPoints: null, hasFile: true });
  });

  it("lets the owner do every one of them", async () => {
    for (const [name, run] of operations) {
      const { body } = await run(alice.authorization, target);
      expect({ name, errors: body.errors }).toEqual({ name, errors: undefined });
    }
    const createAnon = await postDocument(server, CreateGenerationDocument, { variables: { input: { inputContent: "x", outputFormat: "CAROUSEL" } } });
    expect(createAnon.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const createForged = await postDocument(server, CreateGenerationDocument, {
      authorization: `${alice.authorization.slice(0, -6)}AAAAAA`,
      variables: { input: { inputContent: "x", outputFormat: "CAROUSEL" } },
    });
    expect(createForged.status).toBe(401);
  });

  it("reads only the columns the selected fields need (and no cursor unless asked), and answers every field as a full read does", async () => {
    const gail = await person();
    const made = await create(gail, { outputFormat: "CAROUSEL" });
    const put = await storageFetch(made.upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    expect(put.status).toBeLessThan(300);
    const completed = rawId(made.generation.id);
    const failed = await seedGeneration(gail.id, { outputFormat: "bullet_points", status: "failed" });
    // Every output column filled, as the pipeline (the service role) writes them.
    await asService((sql) => sql`
      update generations set slides = ${sql.json([{ title: "One", body: "First" }])}, quote = 'A line', completed_at = now(),
        bullet_points = ${["a", "b"]}, canva_design_id = 'DAF_test', status = 'processing' where id = ${completed}`);
    await asService((sql) => sql`update generations set status = 'completed' where id = ${completed}`);
    await asService((sql) => sql`update generations set failure_reason = 'The model gave up' where id = ${failed}`);

    const generation = schema.getType("Generation") as GraphQLObjectType;
    const selectionOf = (name: string): string => {
      const type = getNamedType(generation.getFields()[name]!.type);
      return isObjectType(type) ? `${name} { ${Object.keys(type.getFields()).join(" ")} }` : name;
    };
    const fields = Object.keys(generation.getFields());
    const full = await postGraphQL<{ nodes: Record<string, unknown>[] }>(
      server,
      `{ nodes(ids: ${JSON.stringify([made.generation.id, encodeGlobalID("Generation", failed)])}) { ... on Generation { ${fields.map(selectionOf).join(" ")} } } }`,
      { authorization: gail.authorization },
    );
    expect(full.body.errors).toBeUndefined();
    const byId = new Map(full.body.data!.nodes.map((node) => [node.id, node]));
    for (const field of fields) {
      const listed = await postGraphQL<{ viewer: { generations: { edges: { node: Record<string, unknown> }[] } } }>(
        server,
        `{ viewer { generations(first: 5) { edges { node { id ${selectionOf(field)} } } } } }`,
        { authorization: gail.authorization },
      );
      expect(listed.body.errors).toBeUndefined();
      const nodes = listed.body.data!.viewer.generations.edges.map(({ node }) => node);
      expect(nodes).toHaveLength(2);
      for (const node of nodes) expect({ field, value: node[field] }).toEqual({ field, value: byId.get(node.id)![field] });
    }

    const sent: string[] = [];
    const stop = onQuery((query) => sent.push(query));
    try {
      await postGraphQL(server, "{ viewer { generations(first: 5) { edges { node { id status } } } } }", { authorization: gail.authorization });
    } finally {
      stop();
    }
    // Four columns... here two, and no cursor: none was asked for.
    const pageStatement = sent.find((query) => query.includes("from generations"))!;
    expect(pageStatement).toMatch(/select id, status\s+from generations\s/);
    expect(pageStatement).not.toMatch(/input_content|slides|page_cursor/);
  });
});
