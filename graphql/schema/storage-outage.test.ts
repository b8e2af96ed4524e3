/**
 * Supabase Storage unreachable while the database is up: the mutations that
 * need it answer SERVICE_UNAVAILABLE (HTTP 503, Retry-After, the request id)
 * within the request. createGeneration does not need it: the generation is
 * queued (the pipeline makes its image) and its optional upload URL is null. The storage
 * adapter is the real SupabaseStorage over a fetch that cannot connect.
 */
import { describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { SupabaseStorage } from "@/lib/storage/supabase";
import { postGraphQL, signedInPerson } from "@/test/support";

/** What undici throws when nothing listens at the project's address. */
const unreachable: typeof fetch = async () => {
  throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }) });
};

const server = createGraphQLServer({
  storage: new SupabaseStorage({ url: "https://unreachable.supabase.co", serviceRoleKey: "service-role-key-for-tests", fetch: unreachable }),
});

const generationsOf = async (userId: string) =>
  (await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from generations where user_id = ${userId}`))[0]!.count;

describe("Supabase Storage unreachable", () => {
  it("createGeneration still queues the generation (upload null); createGenerationUploadUrl answers SERVICE_UNAVAILABLE", async () => {
    const person = await signedInPerson(server);
    const created = await postGraphQL<{ createGeneration: { generation: { id: string }; upload: unknown } }>(
      server,
      `mutation { createGeneration(input: { inputContent: "Raw text", outputFormat: CAROUSEL }) { generation { id } upload { url } } }`,
      { authorization: person.authorization },
    );
    // The pipeline makes the image; only the optional upload of one's own waits for storage.
    expect(created.status).toBe(200);
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data?.createGeneration.upload).toBeNull();
    expect(await generationsOf(person.id)).toBe(1);

    const response = await postGraphQL(server, `mutation($id: ID!) { createGenerationUploadUrl(input: { id: $id }) { upload { url } } }`, {
      authorization: person.authorization,
      variables: { id: created.body.data!.createGeneration.generation.id },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toBeTruthy();
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", requestId, retryable: true });
    expect(response.body.errors?.[0]?.message).toBe(`File storage is unavailable right now. Retry in a few seconds. (request id ${requestId})`);
    expect(JSON.stringify(response.body)).not.toMatch(/ECONNREFUSED|10\.0\.0\.1|service-role/);
  });
});
