/**
 * Throws generated malformed and hostile requests at every public door, in
 * process: the GraphQL endpoint (POST and GET), the Clerk and Stripe
 * webhooks and the local storage routes. Wrong types, huge strings, invalid UTF-8, deep
 * nesting, JSON bombs, SQL and path injection, bad ids and cursors, absurd
 * page sizes, forged tokens. Nothing may answer 5xx or throw, and afterwards
 * the database must hold exactly what it held (another person's rows
 * untouched, no rows for anyone but the attacker, every row well-formed).
 *
 * A seeded PRNG makes each run the same: FUZZ_SEED=<n> to try another,
 * FUZZ_COUNT=<n> for more (default 1,200).
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { POST as clerkWebhook } from "@/app/api/webhooks/clerk/route";
import { POST as stripeWebhook } from "@/app/api/webhooks/stripe/route";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationObjectPath } from "@/lib/storage/types";
import { storageFetch } from "@/test/storage";
import { signedStripeWebhook, stripeEvent, stripeId, TEST_STRIPE_WEBHOOK_SECRET, type SignedStripeOptions } from "@/test/stripe";
import { seedGeneration, seedTemplate, signedClerkWebhook, signedInPerson, TEST_CLERK_WEBHOOK_SECRET, type SignedInPerson, type SignedWebhookOptions } from "@/test/support";

beforeAll(() => {
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = TEST_CLERK_WEBHOOK_SECRET;
  process.env.STRIPE_WEBHOOK_SECRET = TEST_STRIPE_WEBHOOK_SECRET;
  // This file measures robustness, not the rate limit (graphql/plugins/rate-limit.test.ts does): keep it out of the way.
  process.env.RATE_LIMIT_FREE_PER_MINUTE = "1000000";
  process.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE = "1000000";
});

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const COUNT = Number(process.env.FUZZ_COUNT ?? 1200);

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

type Rng = ReturnType<typeof prng>;

const hostileStrings = [
  "'; drop table generations; --",
  "' or '1'='1",
  "\"); select pg_sleep(10); --",
  "../../../../etc/passwd",
  "..%2f..%2f..%2fetc%2fpasswd",
  "%00",
  "\u0000",
  "\ud800",
  "🔥".repeat(500),
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "a".repeat(100_000),
  "",
  " ",
  "null",
  "R2VuZXJhdGlvbjo=",
  "R2VuZXJhdGlvbjpub3QtYS11dWlk",
  "VGVtcGxhdGU6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw",
  "Z2FyYmFnZQ",
  "-1",
  "1e309",
  "__proto__",
];

const hostileValues = (rng: Rng): unknown =>
  rng.pick([
    () => rng.pick(hostileStrings),
    () => rng.int(2) ? 2 ** 31 : -(2 ** 53),
    () => Number("1e309"),
    () => null,
    () => true,
    () => [],
    () => ({ __proto__: { admin: true }, constructor: { prototype: { x: 1 } } }),
    () => rng.pick([0, -1, 101, 1e9, 3.5, Number.MAX_SAFE_INTEGER]),
    () => Array.from({ length: 1000 }, () => "x"),
  ])();

function deepJson(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

function deepQuery(depth: number): string {
  return `{ viewer { ${"generations(first: 1) { edges { node { ... on Node { id } } } } ".repeat(1)}${"templates { edges { node { id } } } ".repeat(0)} ${"a: id ".repeat(0)} } ${"{".repeat(depth)}${"}".repeat(depth)}`;
}

/** GraphQL documents a hostile client might send, valid and not. */
function documentFor(rng: Rng, victim: { generationId: string; templateId: string }): { query: unknown; variables?: unknown } {
  const id = rng.pick([victim.generationId, victim.templateId, ...hostileStrings.slice(0, 6), "R2VuZXJhdGlvbjoxMjM="]);
  const text = rng.pick(hostileStrings);
  const first = rng.pick([0, -1, 1, 100, 101, 2 ** 31, 1e9]);
  return rng.pick([
    () => ({ query: `{ viewer { generations(first: ${first}, after: ${JSON.stringify(text)}) { edges { cursor node { id status } } } } }` }),
    () => ({ query: `query($id: ID!) { node(id: $id) { id ... on Generation { inputContent } } }`, variables: { id } }),
    () => ({ query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, variables: { ids: Array.from({ length: rng.int(300) }, () => id) } }),
    () => ({ query: `query($id: ID!) { generation(id: $id) { id inputContent } }`, variables: { id: hostileValues(rng) } }),
    () => ({ query: `mutation($id: ID!) { deleteGeneration(input: { id: $id }) { deletedGenerationId } }`, variables: { id } }),
    () => ({ query: `mutation($id: ID!) { deleteTemplate(input: { id: $id }) { deletedTemplateId } }`, variables: { id } }),
    () => ({ query: `mutation($id: ID!) { retryGeneration(input: { id: $id }) { generation { id status } } }`, variables: { id } }),
    () => ({ query: `mutation($input: UpdateGenerationInput!) { updateGeneration(input: $input) { generation { id } } }`, variables: { input: { id, bulletPoints: rng.int(2) ? Array.from({ length: rng.int(2000) }, () => text) : hostileValues(rng), canvaDesignId: rng.int(2) ? text : hostileValues(rng) } } }),
    () => ({ query: `mutation($input: UpdateTemplateInput!) { updateTemplate(input: $input) { template { id } } }`, variables: { input: { id, name: text, content: rng.int(2) ? JSON.parse(deepJson(rng.int(200))) : hostileValues(rng) } } }),
    () => ({ query: `mutation($id: ID!) { createGenerationDownloadUrl(input: { id: $id, expiresIn: ${rng.pick([0, -5, 10, 99999, 2 ** 31])} }) { download { url } } }`, variables: { id } }),
    () => ({ query: `mutation($id: ID!) { createGenerationUploadUrl(input: { id: $id }) { upload { url } } }`, variables: { id } }),
    () => ({ query: `mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { generation { id } } }`, variables: { input: { inputContent: rng.int(2) ? text : hostileValues(rng), outputFormat: rng.pick(["CAROUSEL", "carousel", "DROP", 1, null]) } } }),
    () => ({ query: `mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { template { id } } }`, variables: { input: { name: text, type: rng.pick(["CAROUSEL", "x"]), content: rng.int(2) ? JSON.parse(deepJson(rng.int(200))) : hostileValues(rng) } } }),
    () => ({ query: `{ templates(first: ${first}, after: ${JSON.stringify(text.slice(0, 200))}) { edges { node { id name } } } }` }),
    () => ({ query: `{ ${Array.from({ length: rng.int(60) }, (_, i) => `a${i}: health { ok }`).join(" ")} }` }),
    () => ({ query: deepQuery(rng.int(300)) }),
    () => ({ query: `{ viewer { ${"generations(first: 100) { edges { node { id } } } ".repeat(rng.int(50))} } }` }),
    () => ({ query: `fragment A on Query { ...B } fragment B on Query { ...A } { ...A }` }),
    () => ({ query: `{ health @include(if: true) ${"@skip(if: false) ".repeat(rng.int(500))} { ok } }` }),
    () => ({ query: `{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }` }),
    () => ({ query: hostileValues(rng) }),
    () => ({ query: text }),
    () => ({ query: `{ health { ok } }`, variables: hostileValues(rng) }),
    () => ({ query: `query Q { health { ok } } query R { health { ok } }` }),
  ])();
}

function randomBytes(rng: Rng, length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) bytes[i] = rng.int(256);
  return bytes;
}

const INVALID_UTF8: Uint8Array<ArrayBuffer> = new Uint8Array([0x7b, 0x22, 0x71, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x22, 0x7d]);

/** encodeURIComponent, except that a lone surrogate goes through as raw bytes instead of throwing. */
function encodeLoosely(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80";
  }
}

/** One hostile request for one of the doors. */
function hostileRequest(rng: Rng, attacker: SignedInPerson, victim: { generationId: string; templateId: string; objectPath: string; uploadUrl: string }): { door: string; request: Request } {
  const authorization = rng.pick([attacker.authorization, attacker.authorization, null, "Bearer", "Bearer abc.def.ghi", `Bearer ${"A".repeat(9000)}`, "Basic dXNlcjpwYXNz", attacker.authorization.slice(0, -3) + "xyz"]);
  const headers = (extra: Record<string, string> = {}) => ({ ...(authorization ? { authorization } : {}), ...extra });
  const door = rng.pick(["graphql-post", "graphql-post", "graphql-post", "graphql-get", "clerk-webhook", "stripe-webhook", "storage-upload", "storage-download"]);
  const graphqlUrl = "http://localhost/api/graphql";
  switch (door) {
    case "graphql-post": {
      const contentType = rng.pick(["application/json", "application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/graphql", "", "application/json; charset=latin1"]);
      const body = rng.pick<() => BodyInit>([
        () => JSON.stringify(documentFor(rng, victim)),
        () => JSON.stringify(documentFor(rng, victim)),
        () => JSON.stringify(documentFor(rng, victim)),
        () => INVALID_UTF8,
        () => deepJson(10_000 + rng.int(50_000)),
        () => `{"query": "{ health { ok } }", "variables": ${deepJson(5000)}}`,
        () => randomBytes(rng, rng.int(4096)),
        () => JSON.stringify({ query: "{ health { ok } }" }).slice(0, rng.int(30)),
        () => `[${Array.from({ length: 50 }, () => JSON.stringify({ query: "{ health { ok } }" })).join(",")}]`,
        () => JSON.stringify({ query: "x".repeat(300 * 1024) }),
      ])();
      return { door, request: new Request(graphqlUrl, { method: "POST", headers: headers(contentType ? { "content-type": contentType } : {}), body }) };
    }
    case "graphql-get": {
      const document = documentFor(rng, victim);
      const params = new URLSearchParams();
      params.set("query", typeof document.query === "string" ? document.query.slice(0, 6000) : String(document.query));
      if (document.variables !== undefined) params.set("variables", JSON.stringify(document.variables)?.slice(0, 2000) ?? "");
      if (rng.int(4) === 0) params.set("variables", rng.pick(["{", "null", "[]", "%%%"]));
      if (rng.int(4) === 0) params.set("operationName", rng.pick(hostileStrings).slice(0, 100));
      return { door, request: new Request(`${graphqlUrl}?${params}`, { headers: headers({ accept: rng.pick(["application/json", "application/graphql-response+json", "text/html", "*/*", "text/event-stream"]) }) }) };
    }
    case "clerk-webhook": {
      const event = { type: rng.pick(["user.created", "user.updated", "user.deleted", "session.created", "organization.created", ""]), data: { id: rng.pick([attacker.clerkUserId, "user_2victim", ...hostileStrings.slice(0, 5)]), email_addresses: hostileValues(rng) } };
      const signed = signedClerkWebhook(event, {
        // Never a valid delivery: a wrong secret, a tampered body, stale or missing headers.
        ...rng.pick<SignedWebhookOptions>([
          { secret: `whsec_${Buffer.from("not-the-secret-not-the-secret-00").toString("base64")}` },
          { body: rng.pick([JSON.stringify({ type: "user.deleted", data: { id: attacker.clerkUserId } }), "{", "", deepJson(20000)]) },
          { signedAt: new Date(Date.now() - 3600_000) },
          { headers: { "svix-signature": rng.pick(["v1,AAAA", "", "garbage", "v1," + "A".repeat(5000)]) } },
          { headers: { "svix-id": null } },
          { headers: { "svix-timestamp": rng.pick(["-1", "9999999999999", "abc", ""]) } },
        ]),
      });
      return { door, request: signed };
    }
    case "stripe-webhook": {
      const event = stripeEvent({
        type: rng.pick(["customer.subscription.updated", "customer.subscription.deleted", "checkout.session.completed", "invoice.paid", "charge.refunded", ""]),
        object: { id: rng.pick([stripeId("sub"), ...hostileStrings.slice(0, 5)]), customer: rng.int(2) ? stripeId("cus") : hostileValues(rng), metadata: { userId: rng.pick([attacker.id, "' or 1=1 --"]) }, items: rng.pick([null, "x", { data: hostileValues(rng) }]) },
      });
      // Never a valid delivery: a wrong secret, a tampered body, a stale or missing or forged signature.
      const signed = signedStripeWebhook(event, rng.pick<SignedStripeOptions>([
        { secret: "whsec_not-the-secret" },
        { body: rng.pick([JSON.stringify({ ...event, type: "customer.subscription.deleted" }), "{", "", deepJson(20000), "{\"id\": \"\ud800\"}"]) },
        { signedAt: new Date(Date.now() - 3600_000) },
        { signature: rng.pick(["t=1,v1=AAAA", "", "garbage", `t=${Math.floor(Date.now() / 1000)},v1=${"a".repeat(5000)}`]) },
        { signature: null },
      ]));
      return { door, request: signed };
    }
    case "storage-upload": {
      const target = rng.pick([victim.objectPath, `${attacker.id}/generation-x.png`, "../../../etc/passwd", "..%2F..%2Fescape.png", "%00.png", `${victim.objectPath}/../../x.png`, "a".repeat(2000)]);
      const url = new URL(victim.uploadUrl);
      if (rng.int(2)) url.pathname = url.pathname.replace(/(\/object\/upload\/sign\/[^/]+\/).*$/, `$1${target}`);
      if (rng.int(2)) url.searchParams.set("token", rng.pick(["", "abc", "a.b.c", "x".repeat(5000), url.searchParams.get("token")!.slice(0, -2) + "zz"]));
      const body = rng.pick<() => BodyInit>([() => randomBytes(rng, rng.int(2048)), () => new Uint8Array(0), () => "not a png"])();
      return { door, request: new Request(url, { method: "PUT", headers: { "content-type": rng.pick(["image/png", "text/html", "multipart/form-data; boundary=zz", ""]), ...(rng.int(3) === 0 ? { "content-length": String(rng.pick([2 ** 40, -1, 0])) } : {}) }, body }) };
    }
    default: {
      const target = rng.pick([victim.objectPath, "../../../etc/passwd", "%2e%2e/%2e%2e/x", "", "a/b/c/d/e/f"]);
      const token = rng.pick(["", "abc", "x".repeat(5000), "eyJhbGciOiJub25lIn0.eyJ1cmwiOiIuLi8uLi9ldGMvcGFzc3dkIn0."]);
      return { door, request: new Request(`http://localhost/api/storage/v1/object/sign/postora-generations/${target}?token=${encodeURIComponent(token)}&download=${encodeLoosely(rng.pick(hostileStrings).slice(0, 300))}`) };
    }
  }
}

/** As Next.js routes it: a URL that (after dot segments collapse) is no storage route is its 404. */
async function routedToStorage(request: Request): Promise<Response> {
  if (!new URL(request.url).pathname.startsWith("/api/storage/v1/")) return new Response(null, { status: 404 });
  return storageFetch(request);
}

type Snapshot = { users: unknown[]; generations: unknown[]; templates: unknown[]; subscriptions: unknown[]; events: number };

async function snapshot(): Promise<Snapshot> {
  return asService(async (sql) => ({
    users: [...(await sql`select id, auth_id, email, tier, metadata, last_login from users order by id`)],
    generations: [...(await sql`select id, user_id, input_content, output_format, status, deleted_at, created_at from generations order by id`)],
    templates: [...(await sql`select id, user_id, name, type, content from templates order by id`)],
    subscriptions: [...(await sql`select * from subscriptions order by id`)],
    events: (await sql<{ n: number }[]>`select count(*)::int as n from webhook_events`)[0]!.n,
  }));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
}

describe(`${COUNT} hostile requests (seed ${SEED})`, () => {
  it("never answer 5xx or crash, and leave no foreign or corrupted rows", async () => {
    const server = createGraphQLServer();
    const attacker = await signedInPerson(server);
    const victimPerson = await signedInPerson(server);
    const generationId = await seedGeneration(victimPerson.id, { inputContent: "the victim's words" });
    await seedTemplate(victimPerson.id, "victim template");
    const objectPath = generationObjectPath(victimPerson.id, generationId);
    const upload = await getLocalStorage().createSignedUploadUrl(objectPath);
    // Global ids as the API spells them, from the victim's own view.
    const ids = (await Promise.resolve(server.fetch("http://localhost/api/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: victimPerson.authorization },
      body: JSON.stringify({ query: "{ viewer { generations(first: 1) { edges { node { id } } } templates(first: 1) { edges { node { id } } } } }" }),
    })).then((response) => response.json())) as { data: { viewer: { generations: { edges: { node: { id: string } }[] }; templates: { edges: { node: { id: string } }[] } } } };
    const victim = {
      generationId: ids.data.viewer.generations.edges[0]!.node.id,
      templateId: ids.data.viewer.templates.edges[0]!.node.id,
      objectPath,
      uploadUrl: upload.url,
    };

    const before = await snapshot();
    const storageDir = path.join(getEnv().dataDir, "storage");
    const filesBefore = await filesUnder(getEnv().dataDir);

    const rng = prng(SEED);
    const failures: string[] = [];
    const byDoor = new Map<string, number>();
    for (let i = 0; i < COUNT; i += 1) {
      const { door, request } = hostileRequest(rng, attacker, victim);
      byDoor.set(door, (byDoor.get(door) ?? 0) + 1);
      const label = `#${i} ${door} ${request.method} ${request.url.slice(0, 120)}`;
      try {
        const response =
          door.startsWith("graphql") ? await server.fetch(request)
          : door === "clerk-webhook" ? await clerkWebhook(request)
          : door === "stripe-webhook" ? await stripeWebhook(request)
          : await routedToStorage(request);
        await response.arrayBuffer();
        if (response.status >= 500) failures.push(`${label} -> ${response.status}`);
      } catch (error) {
        failures.push(`${label} threw ${((error as Error).stack ?? String(error)).slice(0, 600)}`);
      }
    }
    expect(failures).toEqual([]);
    expect([...byDoor.keys()].sort()).toEqual(["clerk-webhook", "graphql-get", "graphql-post", "storage-download", "storage-upload", "stripe-webhook"]);

    const after = await snapshot();
    // The victim's rows, every other user, and the webhook log are exactly as they were.
    const victimsRows = (rows: unknown[]) => rows.filter((row) => (row as { userId?: string }).userId !== attacker.id);
    expect(after.users).toEqual(before.users);
    expect(victimsRows(after.generations)).toEqual(victimsRows(before.generations));
    expect(victimsRows(after.templates)).toEqual(victimsRows(before.templates));
    expect(after.subscriptions).toEqual(before.subscriptions);
    expect(after.events).toBe(before.events);
    // What the attacker did create is theirs and well-formed.
    for (const row of after.generations as { userId: string; status: string; outputFormat: string; inputContent: string }[]) {
      expect(row.userId === attacker.id || row.userId === victimPerson.id).toBe(true);
      expect(["queued", "processing", "completed", "failed"]).toContain(row.status);
      expect(["bullet_points", "carousel", "canva_design"]).toContain(row.outputFormat);
      expect(row.inputContent).not.toContain("\u0000");
    }
    // No file was written for the victim, and nothing outside the storage folder.
    const filesAfter = await filesUnder(getEnv().dataDir);
    const newFiles = filesAfter.filter((file) => !filesBefore.includes(file));
    expect(newFiles.filter((file) => !path.join(getEnv().dataDir, file).startsWith(`${storageDir}${path.sep}`))).toEqual([]);
    expect(newFiles.filter((file) => file.includes(victimPerson.id))).toEqual([]);
  }, 600_000);
});
