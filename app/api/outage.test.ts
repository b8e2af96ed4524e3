/**
 * Every door while the database is down: GraphQL, the Clerk webhook and the
 * local storage routes, on a Postgres of this file's own that is stopped and
 * started again. Each answers a clear, retryable error within seconds (503
 * with a request id for GraphQL, 5xx so svix retries, Supabase-shaped 503
 * for storage), writes nothing, and works again on its own once the
 * database is back, without restarting the app.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as clerkWebhook } from "@/app/api/webhooks/clerk/route";
import { createGraphQLServer } from "@/graphql/yoga";
import { closePool, withUser } from "@/lib/db/client";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationObjectPath } from "@/lib/storage/types";
import { countGenerations, FAULT_BOUND_MS, startOwnDatabase, timed, type OwnDatabase } from "@/test/own-database";
import { storageFetch, TINY_PNG } from "@/test/storage";
import {
  bearerFor,
  clerkUserJson,
  newClerkUserId,
  postGraphQL,
  signedClerkWebhook,
  signedInPerson,
  TEST_CLERK_WEBHOOK_SECRET,
  type SignedInPerson,
} from "@/test/support";

let database: OwnDatabase;
let person: SignedInPerson;
const server = createGraphQLServer();

beforeAll(async () => {
  database = await startOwnDatabase();
  database.use();
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = TEST_CLERK_WEBHOOK_SECRET;
  person = await signedInPerson(server);
}, 120_000);

afterAll(async () => {
  await closePool();
  await database.remove();
});

const viewerQuery = "{ viewer { id generations(first: 5) { edges { node { id } } } } }";
const createMutation = `mutation { createGeneration(input: { inputContent: "Raw text", outputFormat: CAROUSEL }) { generation { id } } }`;
const userCreated = (clerkUserId: string) =>
  signedClerkWebhook({ type: "user.created", data: clerkUserJson({ id: clerkUserId, email: `${clerkUserId}@example.com`, updatedAt: Date.now() }) });

describe("the database stops and comes back", () => {
  it("answers SERVICE_UNAVAILABLE within seconds at every door, writes nothing, and recovers by itself", async () => {
    expect((await postGraphQL(server, viewerQuery, { authorization: person.authorization })).status).toBe(200);
    const before = await countGenerations();
    const [generation] = await withUser({ clerkUserId: person.clerkUserId }, (sql) => sql<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format)
      values ((select private.requesting_user_id()), 'before the outage', 'carousel') returning id`);
    const upload = await getLocalStorage().createSignedUploadUrl(generationObjectPath(person.id, generation!.id));

    await database.stop();

    for (const document of [viewerQuery, createMutation]) {
      const { ms, value } = await timed(() => postGraphQL(server, document, { authorization: person.authorization }));
      expect(ms).toBeLessThan(FAULT_BOUND_MS);
      expect(value.status).toBe(503);
      expect(value.headers.get("retry-after")).toBe("5");
      const requestId = value.headers.get("x-request-id");
      expect(requestId).toBeTruthy();
      const [error] = value.body.errors ?? [];
      expect(error?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", requestId, retryable: true });
      expect(error?.message).toBe(`The database is unavailable right now. Nothing was changed; retry in a few seconds. (request id ${requestId})`);
      expect(JSON.stringify(value.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    }

    // A new person's first request provisions them while building the context: the same answer, not a masked 500.
    const newcomerId = newClerkUserId();
    const newcomerToken = await bearerFor({ clerkUserId: newcomerId, email: `${newcomerId}@example.com` });
    const newcomer = await timed(() => postGraphQL(server, "{ viewer { id } }", { authorization: newcomerToken }));
    expect(newcomer.ms).toBeLessThan(FAULT_BOUND_MS);
    expect(newcomer.value.status).toBe(503);
    expect(newcomer.value.body.errors?.[0]?.extensions).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      requestId: newcomer.value.headers.get("x-request-id"),
    });

    // The Clerk webhook answers 5xx, so svix retries the delivery.
    const clerkUserId = newClerkUserId();
    const webhook = await timed(() => clerkWebhook(userCreated(clerkUserId)));
    expect(webhook.ms).toBeLessThan(FAULT_BOUND_MS);
    expect(webhook.value.status).toBe(503);
    expect(await webhook.value.json()).toEqual({ error: "The event could not be recorded; svix will retry it." });

    // The local storage routes answer 503 in Supabase's error shape.
    const put = await timed(() => storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG }));
    expect(put.ms).toBeLessThan(FAULT_BOUND_MS);
    expect(put.value.status).toBe(503);
    expect(put.value.headers.get("retry-after")).toBe("5");
    expect(await put.value.json()).toMatchObject({ statusCode: "503", code: "ServiceUnavailable" });

    await database.start();

    // No restart of the app: the pool reconnects on the next request, and the retried requests succeed.
    const again = await postGraphQL<{ createGeneration: { generation: { id: string } } }>(server, createMutation, { authorization: person.authorization });
    expect(again.status).toBe(200);
    expect(again.body.data?.createGeneration.generation.id).toBeTruthy();
    expect(await countGenerations()).toBe(before + 2);
    expect((await clerkWebhook(userCreated(clerkUserId))).status).toBe(200);
    const stored = await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    expect(stored.status).toBe(200);
    expect((await postGraphQL(server, "{ viewer { id } }", { authorization: newcomerToken })).status).toBe(200);
  }, 120_000);
});
