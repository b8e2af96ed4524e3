/**
 * Reading is reading wherever it happens: a write-only API key reads nothing
 * through a mutation's payload that existed before the call. Every mutation
 * of the schema is run with such a key, once for each field its payload can
 * reach (the whole tree, to a depth of five), and every field either comes
 * back as one of the few a write-only key may see (what the call just made:
 * a new object's id, a new generation's status, an upload URL) or is refused
 * with FORBIDDEN naming `read`, on it or on a field above it. A mutation
 * added to the schema fails this file until it is given an input below.
 */
import { randomUUID } from "node:crypto";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import {
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { globalIdOf } from "@/graphql/ids";
import { schema } from "@/graphql/schema/index";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { postGraphQL, seedGeneration, seedTemplate, signedInPerson, type SignedInPerson } from "@/test/support";

const server = createGraphQLServer();
const SECRET = "Alice's draft that a write-only key must never read";

let alice: SignedInPerson;
let writeOnly: string;

beforeAll(async () => {
  // Each field below is one run of its mutation: no per-minute limit in this file.
  process.env.RATE_LIMIT_FREE_PER_MINUTE = "0";
  process.env.RATE_LIMIT_PAID_PER_MINUTE = "0";
  alice = await signedInPerson(server);
  // Dozens of createGeneration runs: past the free tier's monthly quota.
  await asService((sql) => sql`update users set tier = 'business' where id = ${alice.id}`);
  const { body } = await postGraphQL<{ createApiKey: { secret: string } }>(
    server,
    'mutation { createApiKey(input: { name: "write-only", scopes: [WRITE] }) { secret } }',
    { authorization: alice.authorization },
  );
  writeOnly = `Bearer ${body.data!.createApiKey.secret}`;
});

const generation = async (status = "queued") => globalIdOf("Generation", await seedGeneration(alice.id, { inputContent: SECRET, status }));
const template = async () => globalIdOf("Template", await seedTemplate(alice.id, SECRET));

/** A fresh input for one run of each mutation: each run acts on an object made for it. */
const inputs: Record<string, () => Promise<Record<string, unknown>>> = {
  createGeneration: async () => ({ inputContent: "Written with a write-only key", outputFormat: "BULLET_POINTS" }),
  createGenerationUploadUrl: async () => ({ id: await generation() }),
  createGenerationDownloadUrl: async () => ({ id: await generation("completed") }),
  updateGeneration: async () => ({ id: await generation(), bulletPoints: ["Written with a write-only key"] }),
  retryGeneration: async () => ({ id: await generation("failed") }),
  deleteGeneration: async () => ({ id: await generation() }),
  createTemplate: async () => ({ name: "Written with a write-only key", type: "CAROUSEL", content: { slides: 1 } }),
  updateTemplate: async () => ({ id: await template(), name: "Renamed with a write-only key" }),
  deleteTemplate: async () => ({ id: await template() }),
  createApiKey: async () => ({ name: "minted by a key", scopes: ["READ"] }),
  revokeApiKey: async () => ({ id: encodeGlobalID("ApiKey", "apikey_none") }),
  createCheckoutSession: async () => ({ plan: "PRO" }),
  createBillingPortalSession: async () => ({}),
  // Webhook endpoints are managed with a session only: an API key is refused before anything runs.
  createWebhookEndpoint: async () => ({ url: "http://127.0.0.1:9/hook", events: ["GENERATION_COMPLETED"] }),
  updateWebhookEndpoint: async () => ({ id: encodeGlobalID("WebhookEndpoint", randomUUID()), enabled: false }),
  rotateWebhookEndpointSecret: async () => ({ id: encodeGlobalID("WebhookEndpoint", randomUUID()) }),
  sendTestWebhookEvent: async () => ({ id: encodeGlobalID("WebhookEndpoint", randomUUID()) }),
  deleteWebhookEndpoint: async () => ({ id: encodeGlobalID("WebhookEndpoint", randomUUID()) }),
  redeliverWebhook: async () => ({ id: encodeGlobalID("WebhookDelivery", randomUUID()) }),
  // Connecting a Canva account is a session's, like API keys.
  connectCanva: async () => ({}),
  disconnectCanva: async () => ({}),
  sendGenerationToCanva: async () => ({ id: await generation("completed") }),
  // The kit after the change holds fields the call did not send: reading it back needs `read`.
  updateBrandKit: async () => ({ handle: "@written-by-a-key" }),
  createBrandLogoUploadUrl: async () => ({}),
};

/** What a write-only key may read back: what its call just made, and nothing that existed before. */
const mayRead = new Set([
  "createGeneration.generation.id",
  "createGeneration.generation.status",
  "createGeneration.upload.url",
  "createGeneration.upload.token",
  "createGeneration.upload.path",
  "createGeneration.upload.expiresAt",
  "createGenerationUploadUrl.upload.url",
  "createGenerationUploadUrl.upload.token",
  "createGenerationUploadUrl.upload.path",
  "createGenerationUploadUrl.upload.expiresAt",
  "createTemplate.template.id",
  "createBrandLogoUploadUrl.upload.url",
  "createBrandLogoUploadUrl.upload.token",
  "createBrandLogoUploadUrl.upload.path",
  "createBrandLogoUploadUrl.upload.expiresAt",
  "deleteGeneration.deletedGenerationId",
  "deleteTemplate.deletedTemplateId",
]);

/** Mutations refused, in this file's set-up, for a reason of their own before they run (every other one: FORBIDDEN). */
const refusedBeforeRunning: Record<string, string[]> = {
  createCheckoutSession: ["FORBIDDEN", "BILLING_NOT_CONFIGURED"],
  createBillingPortalSession: ["FORBIDDEN", "BILLING_NOT_CONFIGURED"],
  sendGenerationToCanva: ["FORBIDDEN", "FAILED_PRECONDITION"],
};

const MAX_DEPTH = 5;

/** Every leaf field a payload can reach, as paths from the payload, to MAX_DEPTH (fields needing arguments aside). */
function leavesOf(type: GraphQLObjectType, depth = 1): string[][] {
  return Object.values(type.getFields()).flatMap((field: GraphQLField<unknown, unknown>) => {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) return [];
    const named = getNamedType(field.type);
    if (isLeafType(named)) return [[field.name]];
    if (!isObjectType(named) || depth >= MAX_DEPTH) return [];
    return leavesOf(named, depth + 1).map((path) => [field.name, ...path]);
  });
}

/** `a { b { c } }` for the path a.b.c. */
const selectionOf = (path: string[]): string => path.reduceRight((inner, field) => (inner ? `${field} { ${inner} }` : field), "");

type Refusal = { path: (string | number)[]; message: string; extensions: { code: string; scopes?: string[]; mutationTookEffect?: boolean } };

/** The value at a path of the answer's data, or undefined where the path stops. */
function valueAt(data: unknown, path: string[]): unknown {
  return path.reduce<unknown>((value, key) => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined), data);
}

const mutations = Object.values(schema.getMutationType()!.getFields());

describe("a write-only API key, through every mutation's payload", () => {
  it("has an input for every mutation in the schema", () => {
    expect(Object.keys(inputs).sort()).toEqual(mutations.map((mutation) => mutation.name).sort());
  });

  it.each(mutations.map((mutation) => [mutation.name, mutation] as const))("%s: reads back only what the call made", async (name, mutation) => {
    const payload = getNamedType(mutation.type) as GraphQLObjectType;
    const refused: string[] = [];
    const seen: string[] = [];
    for (const leaf of leavesOf(payload).map((path) => [name, ...path])) {
      // A field refused higher up guards everything below it: nothing there was ever resolved.
      if (refused.some((prefix) => leaf.join(".").startsWith(`${prefix}.`))) continue;
      const input = await inputs[name]!();
      const { body } = await postGraphQL(server, `mutation($input: ${String(mutation.args[0]!.type)}) { ${name}(input: $input) { ${selectionOf(leaf.slice(1))} } }`, {
        authorization: writeOnly,
        variables: { input },
      });
      const value = valueAt(body.data, leaf);
      const dotted = leaf.join(".");
      seen.push(dotted);
      if (mayRead.has(dotted)) {
        expect({ dotted, errors: body.errors, value: value ?? null }).toEqual({ dotted, errors: undefined, value: expect.anything() });
        continue;
      }
      expect({ dotted, value: value ?? null }).toEqual({ dotted, value: null });
      const errors = (body.errors ?? []) as Refusal[];
      const guard = errors.find((error) => dotted === error.path.join(".") || dotted.startsWith(`${error.path.join(".")}.`));
      expect(guard, `${dotted}: refused on itself or above`).toBeDefined();
      if (guard!.path.length > 1) {
        // Inside the payload: the call ran, and only reading its result back was refused.
        expect(guard!.extensions).toMatchObject({ code: "FORBIDDEN", scopes: ["read"], mutationTookEffect: true });
        expect(guard!.message).toMatch(/^The mutation itself took effect, but this API key lacks the `read` scope/);
      } else {
        // The whole call was refused before it ran: a session-only mutation, a read (a download URL), billing unconfigured
        // here, or (sendGenerationToCanva) no Canva account connected here. Either way nothing was read back.
        expect(refusedBeforeRunning[name] ?? ["FORBIDDEN"]).toContain(guard!.extensions.code);
      }
      refused.push(guard!.path.join("."));
    }
    expect(seen.length).toBeGreaterThan(0);
  });

  it("runs the mutation all the same: the write takes effect, and the error says so", async () => {
    const input = await inputs.updateGeneration!();
    const { body } = await postGraphQL(server, "mutation($input: UpdateGenerationInput!) { updateGeneration(input: $input) { generation { inputContent bulletPoints } } }", {
      authorization: writeOnly,
      variables: { input },
    });
    expect(body.data).toBeNull();
    expect(JSON.stringify(body)).not.toContain(SECRET);
    const [row] = await asService((sql) => sql<{ bulletPoints: string[] }[]>`select bullet_points from generations where id = ${decodeGlobalID(String(input.id)).id}`);
    expect(row!.bulletPoints).toEqual(["Written with a write-only key"]);
  });

  it("refuses a download URL: it reads the image, and needs `read`", async () => {
    const { body } = await postGraphQL(server, "mutation($input: CreateGenerationDownloadUrlInput!) { createGenerationDownloadUrl(input: $input) { download { url } } }", {
      authorization: writeOnly,
      variables: { input: await inputs.createGenerationDownloadUrl!() },
    });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", scopes: ["read"] });
  });
});
