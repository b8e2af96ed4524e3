/**
 * Open in Canva through the real endpoint, against the Canva stand-in: a
 * session connects (an API key may not), the callback route finds the
 * person by state, viewer.canva shows the account, a finished carousel is
 * sent by the worker and gets a design and a fresh edit link, a grant
 * revoked at Canva asks to reconnect, and disconnect revokes it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startCanvaStandIn } from "@/lib/canva/stand-in";

// Before any app module reads the configuration: Canva is this file's stand-in.
const standIn = await startCanvaStandIn({ isProduction: false, settings: { jobPolls: 1 } });
process.env.CANVA_API_URL = `${standIn.origin}/rest`;
process.env.CANVA_AUTHORIZE_URL = `${standIn.origin}/api/oauth/authorize`;

const { GET: callback } = await import("@/app/api/canva/callback/route");
const { ARTICLE } = await import("@/test/pipeline");
const { usePipelineHarness } = await import("@/test/pipeline-harness");
const { postGraphQL } = await import("@/test/support");

const { server, person } = usePipelineHarness();
afterAll(() => standIn.close());

const ask = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, authorization = person().authorization) =>
  postGraphQL<T>(server, query, { authorization, variables });
const viewerCanva = async () => (await ask<{ viewer: { canva: Record<string, unknown> } }>("{ viewer { canva { connected displayName reason } } }")).body.data!.viewer.canva;
const GENERATION = `query($id: ID!) { generation(id: $id) { status canva { status failureReason designId editUrl } } }`;

async function connect(): Promise<void> {
  const { body } = await ask<{ connectCanva: { authorizeUrl: string } }>("mutation { connectCanva(input: {}) { authorizeUrl expiresAt } }");
  expect(body.errors).toBeUndefined();
  const atCanva = await fetch(body.data!.connectCanva.authorizeUrl, { redirect: "manual" });
  const back = await callback(new Request(atCanva.headers.get("location")!));
  expect(back.status).toBe(303);
  expect(new URL(back.headers.get("location")!).searchParams.get("canva")).toBe("connected");
}

async function until(id: string, done: (generation: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  // Every 600 ms: well under the free tier's 300 requests a minute, however long a loaded machine takes.
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(600)) {
    const generation = (await ask<{ generation: Record<string, unknown> }>(GENERATION, { id })).body.data!.generation;
    if (done(generation)) return generation;
  }
  throw new Error(`generation ${id} did not get there`);
}

describe("Open in Canva", () => {
  it("connects with a session only, not an API key; the callback uses its state once", async () => {
    expect(await viewerCanva()).toEqual({ connected: false, displayName: null, reason: null });
    const key = await ask<{ createApiKey: { secret: string } }>('mutation { createApiKey(input: { name: "k", scopes: [READ, WRITE] }) { secret } }');
    const byKey = await ask("mutation { connectCanva(input: {}) { authorizeUrl } }", {}, `Bearer ${key.body.data!.createApiKey.secret}`);
    expect(byKey.body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });

    await connect();
    expect(await viewerCanva()).toMatchObject({ connected: true, displayName: expect.stringMatching(/^Stand-in Designer/) });
    const replay = await callback(new Request("http://127.0.0.1:3000/api/canva/callback?code=x&state=never-issued"));
    expect(new URL(replay.headers.get("location")!).searchParams.get("message")).toMatch(/expired or was already used/);
  });

  it("sends a finished carousel: a design id and a fresh edit link; a revoked grant asks to reconnect", async () => {
    const created = await ask<{ createGeneration: { generation: { id: string } } }>(
      "mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { generation { id } } }",
      { input: { inputContent: ARTICLE, outputFormat: "CAROUSEL" } },
    );
    const id = created.body.data!.createGeneration.generation.id;
    expect((await until(id, (generation) => generation.status === "COMPLETED")).canva).toBeNull();

    const SEND = "mutation($id: ID!) { sendGenerationToCanva(input: { id: $id }) { generation { canva { status } } } }";
    const sent = await ask<{ sendGenerationToCanva: { generation: { canva: { status: string } } } }>(SEND, { id });
    expect(sent.body.errors).toBeUndefined();
    expect(["QUEUED", "SENDING"]).toContain(sent.body.data!.sendGenerationToCanva.generation.canva.status);
    const ready = await until(id, (generation) => (generation.canva as { status: string }).status !== "QUEUED" && (generation.canva as { status: string }).status !== "SENDING");
    expect(ready.canva).toMatchObject({ status: "READY", failureReason: null, designId: expect.stringMatching(/^D/), editUrl: expect.stringContaining(`${standIn.origin}/design/`) });

    await fetch(`${standIn.origin}/_stand-in/revoke-all`, { method: "POST" });
    const again = await ask<{ sendGenerationToCanva: unknown }>(SEND, { id });
    expect(again.body.errors).toBeUndefined();
    const failed = await until(id, (generation) => (generation.canva as { status: string }).status === "FAILED");
    expect((failed.canva as { failureReason: string }).failureReason).toMatch(/Connect Canva again/);
    expect(await viewerCanva()).toMatchObject({ connected: false, reason: expect.stringMatching(/Connect Canva again/) });
    const refused = await ask(SEND, { id });
    expect(refused.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/Connect Canva again/), extensions: { code: "FAILED_PRECONDITION" } });
  }, 150_000);

  it("disconnect revokes the grant at Canva and forgets it", async () => {
    await connect();
    const { body } = await ask<{ disconnectCanva: { canva: unknown } }>("mutation { disconnectCanva(input: {}) { canva { connected displayName } } }");
    expect(body.data!.disconnectCanva.canva).toEqual({ connected: false, displayName: null });
    const state = (await (await fetch(`${standIn.origin}/_stand-in/state`, { method: "POST" })).json()) as { grants: { revoked: boolean }[] };
    expect(state.grants.every((grant) => grant.revoked)).toBe(true);
  });
});
