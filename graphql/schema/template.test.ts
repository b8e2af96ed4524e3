/**
 * Templates through the real endpoint: system templates for everyone signed
 * in, read-only; one's own templates private and writable. Responses are
 * typed by the generated documents (graphql/documents).
 */
import { randomUUID } from "node:crypto";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CreateTemplateDocument,
  DeleteTemplateDocument,
  NodeDocument,
  TemplatesDocument,
  UpdateTemplateDocument,
  ViewerTemplatesDocument,
  type CreateTemplateInput,
} from "@/graphql/generated/graphql";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { postDocument, seedTemplate, signedInPerson, type GraphQLBody, type SignedInPerson } from "@/test/support";

const server = createGraphQLServer();

const person = () => signedInPerson(server);

let alice: SignedInPerson;
let bob: SignedInPerson;
let systemId: string;
let alicesId: string;

function createTemplate(owner: { authorization?: string }, input: CreateTemplateInput) {
  return postDocument(server, CreateTemplateDocument, { authorization: owner.authorization, variables: { input } });
}

beforeAll(async () => {
  alice = await person();
  bob = await person();
  const [system] = await asService((sql) => sql<{ id: string }[]>`insert into templates (is_system, name, type, content) values (true, 'Five-slide carousel', 'carousel', '{"slides":5}') returning id`);
  systemId = encodeGlobalID("Template", system!.id);
  const { body } = await createTemplate(alice, { name: "Alice's thread", type: "BULLET_POINTS", content: { bullets: 7 } });
  alicesId = body.data!.createTemplate.template.id;
});

describe("reading templates", () => {
  it("lists system templates and one's own, never another user's", async () => {
    const forAlice = await postDocument(server, TemplatesDocument, { authorization: alice.authorization, variables: { first: 100 } });
    const ids = forAlice.body.data!.templates!.edges.map((edge) => edge.node.id);
    expect(ids).toEqual(expect.arrayContaining([systemId, alicesId]));
    const own = await postDocument(server, ViewerTemplatesDocument, { authorization: alice.authorization, variables: { first: 100 } });
    expect(own.body.data!.viewer!.templates.edges.map((edge) => edge.node.id)).toEqual([alicesId]);
    const forBob = await postDocument(server, TemplatesDocument, { authorization: bob.authorization, variables: { first: 100 } });
    expect(forBob.body.data!.templates!.edges.map((edge) => edge.node.id)).toContain(systemId);
    expect(forBob.body.data!.templates!.edges.map((edge) => edge.node.id)).not.toContain(alicesId);
  });

  it("filters by type and reads a template as a node", async () => {
    const filtered = await postDocument(server, TemplatesDocument, { authorization: alice.authorization, variables: { first: 50, type: "CAROUSEL" } });
    expect(new Set(filtered.body.data!.templates!.edges.map((edge) => edge.node.type))).toEqual(new Set(["CAROUSEL"]));
    const node = await postDocument(server, NodeDocument, { authorization: alice.authorization, variables: { id: alicesId } });
    expect(node.body.data?.node).toMatchObject({ __typename: "Template", id: alicesId, name: "Alice's thread", type: "BULLET_POINTS", content: { bullets: 7 }, isSystem: false });
  });

  it("pages both ways through one's own templates", async () => {
    const carol = await person();
    const names: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      names.push(`T${i}`);
      await createTemplate(carol, { name: `T${i}`, type: "CAROUSEL", content: {} });
    }
    const page = (variables: { first?: number; after?: string | null; last?: number; before?: string | null }) =>
      postDocument(server, ViewerTemplatesDocument, { authorization: carol.authorization, variables }).then((result) => result.body.data!.viewer!.templates);
    const first = await page({ first: 2 });
    expect(first.edges.map((edge) => edge.node.name)).toEqual(["T4", "T3"]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await page({ first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((edge) => edge.node.name)).toEqual(["T2", "T1"]);
    expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const back = await page({ last: 2, before: second.pageInfo.startCursor });
    expect(back.edges.map((edge) => edge.node.name)).toEqual(["T4", "T3"]);
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const oldest = await page({ last: 2 });
    expect(oldest.edges.map((edge) => edge.node.name)).toEqual(["T1", "T0"]);
    expect(oldest.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
});

describe("writing templates", () => {
  it("validates name, and content as a JSON object of at most 64 KiB", async () => {
    const blank = await createTemplate(alice, { name: " ", type: "CAROUSEL", content: {} });
    expect(blank.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    const list = await createTemplate(alice, { name: "x", type: "CAROUSEL", content: [1, 2] });
    expect(list.body.errors?.[0]?.message).toMatch(/input\.content: must be a JSON object/);
    const huge = await createTemplate(alice, { name: "x", type: "CAROUSEL", content: { text: "x".repeat(70_000) } });
    expect(huge.body.errors?.[0]?.message).toMatch(/at most 64 KiB/);
    const empty = await postDocument(server, UpdateTemplateDocument, { authorization: alice.authorization, variables: { input: { id: alicesId } } });
    expect(empty.body.errors?.[0]?.message).toMatch(/Send at least one of name or content/);
  });

  it("refuses a brand override that no generation could use when the template is saved, and stores nothing", async () => {
    const countAlices = async () =>
      (await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from templates where user_id = ${alice.id}`))[0]!.count;
    const before = await countAlices();
    const created = await createTemplate(alice, { name: "Off brand", type: "CAROUSEL", content: { slides: 3, brand: { backgroundColor: "red", fontFamily: "comic", shadow: true } } });
    expect(created.body.data?.createTemplate ?? null).toBeNull();
    const [error] = created.body.errors ?? [];
    expect(error?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.content" });
    expect(error?.message).toContain("content.brand.backgroundColor: must be a #rrggbb colour");
    expect(error?.message).toContain("content.brand: Unrecognized key: \"shadow\"");
    expect(error?.message).toMatch(/content\.brand\.fontFamily: .*"sans"/);
    expect(await countAlices()).toBe(before);

    const update = await postDocument(server, UpdateTemplateDocument, {
      authorization: alice.authorization,
      variables: { input: { id: alicesId, content: { bullets: 7, brand: { accentColor: "#12345" } } } },
    });
    expect(update.body.errors?.[0]?.message).toContain("content.brand.accentColor: must be a #rrggbb colour");
    const [stored] = await asService((sql) => sql<{ content: unknown }[]>`select content from templates where id = ${decodeGlobalID(alicesId).id}`);
    expect(stored!.content).toEqual({ bullets: 7 });

    const fine = await createTemplate(alice, { name: "On brand", type: "CAROUSEL", content: { slides: 3, brand: { backgroundColor: "#FEF3C7", fontFamily: "serif" } } });
    expect(fine.body.errors).toBeUndefined();
  });

  it("lets the owner rename and delete their template, and the delete payload returns the id and the viewer", async () => {
    const { body } = await createTemplate(alice, { name: "Draft", type: "CANVA_DESIGN", content: { a: 1 } });
    const id = body.data!.createTemplate.template.id;
    const renamed = await postDocument(server, UpdateTemplateDocument, { authorization: alice.authorization, variables: { input: { id, name: "Final" } } });
    expect(renamed.body.data?.updateTemplate.template).toMatchObject({ id, name: "Final", content: { a: 1 } });
    const deleted = await postDocument(server, DeleteTemplateDocument, { authorization: alice.authorization, variables: { input: { id } } });
    expect(deleted.body.data?.deleteTemplate).toEqual({ deletedTemplateId: id, viewer: { id: alice.globalId } });
    const gone = await postDocument(server, NodeDocument, { authorization: alice.authorization, variables: { id } });
    expect(gone.body.data?.node).toBeNull();
    expect(gone.body.errors?.[0]).toMatchObject({ message: `No template with id "${id}" exists for you.`, extensions: { code: "NOT_FOUND", id } });
  });

  type Run = (authorization: string | undefined, id: string) => Promise<{ status: number; body: GraphQLBody<unknown> }>;
  // Delete last: the owner's pass runs them in order.
  const writes: [string, Run][] = [
    ["updateTemplate", (authorization, id) => postDocument(server, UpdateTemplateDocument, { authorization, variables: { input: { id, name: "Mine now" } } })],
    ["deleteTemplate", (authorization, id) => postDocument(server, DeleteTemplateDocument, { authorization, variables: { input: { id } } })],
  ];

  it.each(writes)("%s: system templates are read-only, with a reason", async (_name, run) => {
    const { body } = await run(alice.authorization, systemId);
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(body.errors?.[0]?.message).toMatch(/System templates are read-only/);
  });

  it.each(writes)("%s: another user's template behaves like one that does not exist", async (_name, run) => {
    const theirs = await run(bob.authorization, alicesId);
    const nowhere = await run(bob.authorization, encodeGlobalID("Template", randomUUID()));
    expect(theirs.body.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", id: alicesId });
    expect(theirs.body.errors?.[0]?.message.replace(/"[^"]+"/, "")).toBe(nowhere.body.errors?.[0]?.message.replace(/"[^"]+"/, ""));
    expect(theirs.body.data ?? null).toEqual(nowhere.body.data ?? null);
  });

  it.each(writes)("%s: anonymous is UNAUTHENTICATED (HTTP 200, data null)", async (name, run) => {
    const { status, body } = await run(undefined, alicesId);
    expect(status).toBe(200);
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]).toMatchObject({ path: [name], extensions: { code: "UNAUTHENTICATED" } });
  });

  it("refuses every template operation with a forged token (401), and anonymous reads and creates per field", async () => {
    const forged = `${alice.authorization.slice(0, -6)}AAAAAA`;
    const reads: Run[] = [
      (authorization) => postDocument(server, TemplatesDocument, { authorization, variables: {} }),
      (authorization) => postDocument(server, ViewerTemplatesDocument, { authorization, variables: {} }),
      (authorization, id) => postDocument(server, NodeDocument, { authorization, variables: { id } }),
      (authorization) => createTemplate({ authorization }, { name: "x", type: "CAROUSEL", content: {} }),
    ];
    for (const run of [...writes.map(([, write]) => write), ...reads]) {
      const response = await run(forged, alicesId);
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    const [templates, viewerTemplates, node, create] = await Promise.all(reads.map((run) => run(undefined, alicesId)));
    expect(templates!.body).toMatchObject({ data: { templates: null }, errors: [{ path: ["templates"], extensions: { code: "UNAUTHENTICATED" } }] });
    expect(viewerTemplates!.body).toEqual({ data: { viewer: null } });
    expect(node!.body).toMatchObject({ data: { node: null }, errors: [{ path: ["node"], extensions: { code: "UNAUTHENTICATED" } }] });
    expect(create!.body).toMatchObject({ data: null, errors: [{ path: ["createTemplate"], extensions: { code: "UNAUTHENTICATED" } }] });
  });

  it("left every template as it was, and lets the owner do every write", async () => {
    const rows = await asService((sql) => sql<{ name: string }[]>`select name from templates where name in ('Five-slide carousel', 'Alice''s thread', 'Mine now')`);
    expect(rows.map((row) => row.name).sort()).toEqual(["Alice's thread", "Five-slide carousel"]);
    const mine = encodeGlobalID("Template", await seedTemplate(alice.id, "Alice's spare"));
    for (const [name, run] of writes) {
      const { body } = await run(alice.authorization, mine);
      expect({ name, errors: body.errors }).toEqual({ name, errors: undefined });
    }
  });
});
