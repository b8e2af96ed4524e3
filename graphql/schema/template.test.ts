/**
 * Templates through the real endpoint: system templates for everyone signed
 * in, read-only; one's own templates private and writable.
 */
import { randomUUID } from "node:crypto";
import { encodeGlobalID } from "@pothos/plugin-relay";
import { beforeAll, describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { postGraphQL, signedInPerson } from "@/test/support";

const server = createGraphQLServer();

const person = () => signedInPerson(server);

type TemplateNode = { id: string; name: string; type: string; content: unknown; isSystem: boolean };
const FIELDS = "id name type content isSystem createdAt";

let alice: Awaited<ReturnType<typeof person>>;
let bob: Awaited<ReturnType<typeof person>>;
let systemId: string;
let alicesId: string;

async function createTemplate(owner: { authorization: string }, input: Record<string, unknown>) {
  return postGraphQL<{ createTemplate: { template: TemplateNode } }>(server, `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { template { ${FIELDS} } } }`, {
    authorization: owner.authorization,
    variables: { input },
  });
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
    const query = `{ templates(first: 100) { edges { node { id isSystem } } } viewer { templates(first: 100) { edges { node { id } } } } }`;
    const forAlice = await postGraphQL<{ templates: { edges: { node: { id: string; isSystem: boolean } }[] }; viewer: { templates: { edges: { node: { id: string } }[] } } }>(server, query, { authorization: alice.authorization });
    const ids = forAlice.body.data!.templates.edges.map((edge) => edge.node.id);
    expect(forAlice.body.data!.templates.edges.filter((edge) => edge.node.isSystem).map((edge) => edge.node.id)).toEqual([systemId]);
    expect(ids).toEqual(expect.arrayContaining([systemId, alicesId]));
    expect(forAlice.body.data!.viewer.templates.edges.map((edge) => edge.node.id)).toEqual([alicesId]);
    const forBob = await postGraphQL<{ templates: { edges: { node: { id: string } }[] } }>(server, query, { authorization: bob.authorization });
    expect(forBob.body.data!.templates.edges.map((edge) => edge.node.id)).toContain(systemId);
    expect(forBob.body.data!.templates.edges.map((edge) => edge.node.id)).not.toContain(alicesId);
  });

  it("filters by type and reads a template as a node", async () => {
    const filtered = await postGraphQL<{ templates: { edges: { node: { type: string } }[] } }>(server, `{ templates(first: 50, type: CAROUSEL) { edges { node { type } } } }`, {
      authorization: alice.authorization,
    });
    expect(new Set(filtered.body.data!.templates.edges.map((edge) => edge.node.type))).toEqual(new Set(["CAROUSEL"]));
    const node = await postGraphQL<{ node: TemplateNode }>(server, `query($id: ID!) { node(id: $id) { ... on Template { ${FIELDS} } } }`, {
      authorization: alice.authorization,
      variables: { id: alicesId },
    });
    expect(node.body.data?.node).toMatchObject({ id: alicesId, name: "Alice's thread", type: "BULLET_POINTS", content: { bullets: 7 }, isSystem: false });
  });

  it("is UNAUTHENTICATED for anonymous callers", async () => {
    const { body } = await postGraphQL(server, `{ templates { edges { node { id } } } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
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
  });

  it("lets the owner rename and delete their template", async () => {
    const { body } = await createTemplate(alice, { name: "Draft", type: "CANVA_DESIGN", content: { a: 1 } });
    const id = body.data!.createTemplate.template.id;
    const renamed = await postGraphQL<{ updateTemplate: { template: TemplateNode } }>(server, `mutation($id: ID!) { updateTemplate(id: $id, input: { name: "Final" }) { template { name content } } }`, {
      authorization: alice.authorization,
      variables: { id },
    });
    expect(renamed.body.data?.updateTemplate.template).toEqual({ name: "Final", content: { a: 1 } });
    const deleted = await postGraphQL<{ deleteTemplate: { deletedTemplateId: string } }>(server, `mutation($id: ID!) { deleteTemplate(id: $id) { deletedTemplateId } }`, {
      authorization: alice.authorization,
      variables: { id },
    });
    expect(deleted.body.data?.deleteTemplate.deletedTemplateId).toBe(id);
  });

  const writes: [string, string][] = [
    ["updateTemplate", `mutation($id: ID!) { updateTemplate(id: $id, input: { name: "Mine now" }) { template { id } } }`],
    ["deleteTemplate", `mutation($id: ID!) { deleteTemplate(id: $id) { deletedTemplateId } }`],
  ];

  it.each(writes)("%s: system templates are read-only, with a reason", async (_name, document) => {
    const { body } = await postGraphQL(server, document, { authorization: alice.authorization, variables: { id: systemId } });
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(body.errors?.[0]?.message).toMatch(/System templates are read-only/);
  });

  it.each(writes)("%s: another user's template behaves like one that does not exist", async (_name, document) => {
    const theirs = await postGraphQL(server, document, { authorization: bob.authorization, variables: { id: alicesId } });
    const nowhere = await postGraphQL(server, document, { authorization: bob.authorization, variables: { id: encodeGlobalID("Template", randomUUID()) } });
    expect(theirs.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(theirs.body.errors?.[0]?.message.replace(/"[^"]+"/, "")).toBe(nowhere.body.errors?.[0]?.message.replace(/"[^"]+"/, ""));
  });

  it.each(writes)("%s: anonymous is UNAUTHENTICATED", async (_name, document) => {
    const { body } = await postGraphQL(server, document, { variables: { id: alicesId } });
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses every template operation with a forged token, and createTemplate without one", async () => {
    const forged = `${alice.authorization.slice(0, -6)}AAAAAA`;
    for (const [, document] of [...writes, ["templates", `{ templates { edges { node { id } } } }`] as const]) {
      const response = await postGraphQL(server, document, { authorization: forged, variables: { id: alicesId } });
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    const anonymous = await createTemplate({ authorization: "" }, { name: "x", type: "CAROUSEL", content: {} });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("left every template as it was", async () => {
    const rows = await asService((sql) => sql<{ name: string }[]>`select name from templates where name in ('Five-slide carousel', 'Alice''s thread', 'Mine now')`);
    expect(rows.map((row) => row.name).sort()).toEqual(["Alice's thread", "Five-slide carousel"]);
  });
});
