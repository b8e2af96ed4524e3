/**
 * subscription generationUpdated over real HTTP: Yoga behind node's http
 * server, the graphql-sse client (distinct connections), the real change
 * feed on the test database, rows changed as the pipeline changes them.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { print } from "graphql";
import { createClient } from "graphql-sse";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GenerationUpdatedDocument, type GenerationUpdatedSubscription } from "@/graphql/generated/graphql";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { changeFeed } from "@/lib/live/changes";
import { openStreamCount } from "@/lib/live/stream";
import { postGraphQL, seedGeneration, signedInPerson, type SignedInPerson } from "@/test/support";
import { storageFetch, TINY_PNG } from "@/test/storage";

const yoga = createGraphQLServer();
let http: Server;
let url: string;

type Event = { data?: GenerationUpdatedSubscription | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };

/** A stream as a client holds it: its events so far, and a wait for the next that matches. */
type Stream = { events: Event[]; ended: Promise<unknown>; next: (match?: (event: Event) => boolean, timeoutMs?: number) => Promise<Event>; close: () => void };

const open: Stream[] = [];

async function subscribe(authorization: string | null, id?: string, retryAttempts = 0): Promise<Stream> {
  const client = createClient({ url, headers: authorization ? { authorization } : {}, retryAttempts, retry: () => new Promise((resolve) => setTimeout(resolve, 200)) });
  const events: Event[] = [];
  const waiters: { match: (event: Event) => boolean; resolve: (event: Event) => void }[] = [];
  let seen = 0;
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  let settle!: (value: unknown) => void;
  const ended = new Promise((resolve) => (settle = resolve));
  const dispose = client.subscribe<GenerationUpdatedSubscription>(
    { query: print(GenerationUpdatedDocument), variables: id ? { id } : {} },
    {
      next: (event) => {
        events.push(event);
        for (const waiter of [...waiters]) {
          if (waiter.match(event)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(event);
          }
        }
      },
      error: (error) => {
        settle({ error });
        connected();
      },
      complete: () => {
        settle({ complete: true });
        connected();
      },
    },
    { connected: () => connected() },
  );
  await ready;
  const stream: Stream = {
    events,
    ended,
    next: (match = () => true, timeoutMs = 5000) => {
      const already = events.slice(seen).find(match);
      if (already) {
        seen = events.indexOf(already) + 1;
        return Promise.resolve(already);
      }
      return new Promise<Event>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (event) => {
            clearTimeout(timer);
            seen = events.indexOf(event) + 1;
            resolve(event);
          },
        });
      });
    },
    close: () => {
      dispose();
      client.dispose();
    },
  };
  open.push(stream);
  return stream;
}

const setStatus = (id: string, status: string, extra = "") =>
  asService((sql) => sql.unsafe(`update generations set status = $1${extra} where id = $2`, [status, id]));

const statusIs = (id: string, status: string) => (event: Event) =>
  event.data?.generationUpdated.id === encodeGlobalID("Generation", id) && event.data.generationUpdated.status === status.toUpperCase();

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

let alice: SignedInPerson;
let bob: SignedInPerson;

beforeAll(async () => {
  http = createServer(yoga);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/graphql`;
  alice = await signedInPerson(yoga);
  bob = await signedInPerson(yoga);
});

afterEach(async () => {
  for (const stream of open.splice(0)) stream.close();
  await until(() => openStreamCount() === 0 && changeFeed().listenerCount() === 0);
});

afterAll(async () => {
  await new Promise((resolve) => http.close(resolve));
  await changeFeed().close();
});

describe("subscription generationUpdated", () => {
  it("follows one generation from queued to processing to completed", async () => {
    const id = await seedGeneration(alice.id);
    const stream = await subscribe(alice.authorization, encodeGlobalID("Generation", id));
    await setStatus(id, "processing");
    expect((await stream.next()).data?.generationUpdated.status).toBe("PROCESSING");
    await setStatus(id, "completed", ", completed_at = now(), bullet_points = '[\"One\", \"Two\"]'");
    const done = await stream.next();
    expect(done.errors).toBeUndefined();
    expect(done.data?.generationUpdated).toMatchObject({ status: "COMPLETED", bulletPoints: ["One", "Two"], hasFile: false });
    expect(stream.events.map((event) => event.data?.generationUpdated.status)).toEqual(["PROCESSING", "COMPLETED"]);
  });

  it("without an id, streams all of the caller's generations, new ones included", async () => {
    const stream = await subscribe(alice.authorization);
    const first = await seedGeneration(alice.id);
    await stream.next(statusIs(first, "queued"));
    const second = await seedGeneration(alice.id);
    await setStatus(second, "processing");
    await setStatus(second, "failed", ", failure_reason = 'Nope'");
    expect((await stream.next(statusIs(second, "failed"))).data?.generationUpdated.failureReason).toBe("Nope");
  });

  it("never crosses two people's streams, and sends nothing for a foreign or deleted row", async () => {
    const aliceStream = await subscribe(alice.authorization);
    const bobStream = await subscribe(bob.authorization);
    const bobs = await seedGeneration(bob.id);
    const alices = await seedGeneration(alice.id);
    // A stream reads the row when it hears of a change: wait for each to see QUEUED before the row moves on.
    await bobStream.next(statusIs(bobs, "queued"));
    await aliceStream.next(statusIs(alices, "queued"));
    await setStatus(bobs, "processing");
    await setStatus(alices, "processing");
    await bobStream.next(statusIs(bobs, "processing"));
    await aliceStream.next(statusIs(alices, "processing"));
    // A soft delete notifies, but the owner's own read no longer sees the row: nothing is sent.
    await asService((sql) => sql`update generations set deleted_at = now() where id = ${alices}`);
    // A notification naming alice for bob's row (as a forged storage name would): her read under RLS finds nothing.
    await asService((sql) => sql`select pg_notify('postora_generation_changed', ${JSON.stringify({ generationId: bobs, userId: alice.id, op: "file" })})`);
    await setStatus(alices, "failed", ", failure_reason = 'Late'"); // deleted: invisible to her
    const marker = await seedGeneration(alice.id);
    await aliceStream.next(statusIs(marker, "queued"));
    const ids = (stream: Stream) => stream.events.map((event) => decodeGlobalID(event.data!.generationUpdated.id).id);
    expect(new Set(ids(aliceStream))).toEqual(new Set([alices, marker]));
    // Before the deletion, as she saw it; nothing after.
    const statusesOf = (stream: Stream, id: string) =>
      stream.events.filter((event) => decodeGlobalID(event.data!.generationUpdated.id).id === id).map((event) => event.data!.generationUpdated.status);
    expect(statusesOf(aliceStream, alices)).toEqual(["QUEUED", "PROCESSING"]);
    expect(statusesOf(bobStream, bobs)).toEqual(["QUEUED", "PROCESSING"]);
    expect(new Set(ids(bobStream))).toEqual(new Set([bobs]));
  });

  it("emits when a person's upload changes only storage.objects", async () => {
    const { body } = await (
      await yoga.fetch("http://localhost/api/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: alice.authorization },
        body: JSON.stringify({ query: 'mutation { createGeneration(input: { inputContent: "Text", outputFormat: BULLET_POINTS }) { generation { id } upload { url } } }' }),
      })
    ).json().then((json: unknown) => ({ body: json as { data: { createGeneration: { generation: { id: string }; upload: { url: string } } } } }));
    const { generation, upload } = body.data.createGeneration;
    const stream = await subscribe(alice.authorization, generation.id);
    const put = await storageFetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    expect(put.status).toBe(200);
    expect((await stream.next()).data?.generationUpdated).toMatchObject({ id: generation.id, status: "QUEUED", hasFile: true });
  });

  it("refuses another person's generation, anonymous callers, and streams beyond the per-process limit", async () => {
    const bobs = await seedGeneration(bob.id);
    const foreign = await subscribe(alice.authorization, encodeGlobalID("Generation", bobs));
    expect(await foreign.ended).toMatchObject({ complete: true });
    expect(foreign.events[0]?.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");

    const anonymous = await subscribe(null);
    expect(await anonymous.ended).toBeTruthy();
    expect(JSON.stringify(anonymous.events)).toContain("UNAUTHENTICATED");

    for (let index = 0; index < 5; index += 1) await subscribe(alice.authorization);
    const sixth = await subscribe(alice.authorization);
    await sixth.ended;
    expect(sixth.events[0]?.errors?.[0]).toMatchObject({ extensions: { code: "TOO_MANY_STREAMS", limit: 5 } });
    expect(sixth.events[0]?.errors?.[0]?.message).toMatch(/per server process/);
    // Bob is counted apart.
    const bobStream = await subscribe(bob.authorization);
    await setStatus(bobs, "processing");
    await bobStream.next(statusIs(bobs, "processing"));
    expect(openStreamCount(alice.id)).toBe(5);
  });

  it("needs the read scope: an API key with READ streams, a WRITE-only key is FORBIDDEN", async () => {
    const keyWith = async (scopes: string[]) => {
      const { body } = await postGraphQL<{ createApiKey: { secret: string } }>(
        yoga,
        "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }",
        { authorization: alice.authorization, variables: { input: { name: "live", scopes } } },
      );
      return `Bearer ${body.data!.createApiKey.secret}`;
    };
    const writeOnly = await subscribe(await keyWith(["WRITE"]));
    await writeOnly.ended;
    expect(writeOnly.events[0]?.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN", scopes: ["read"] } });
    const reader = await subscribe(await keyWith(["READ"]));
    const id = await seedGeneration(alice.id);
    await reader.next(statusIs(id, "queued"));
  });

  it("counts its opening once against the rate limit; heartbeats and events never", async () => {
    const counter = async () => {
      const [row] = await asService((sql) => sql<{ hits: number; windowStart: Date }[]>`
        select hits, window_start from private.rate_limit_counters where subject = ${`user:${bob.id}`}`);
      return row!;
    };
    const before = await counter();
    const stream = await subscribe(bob.authorization);
    const id = await seedGeneration(bob.id);
    await stream.next(statusIs(id, "queued"));
    // Heartbeats every 300 ms under NODE_ENV=test (Yoga's SSE), 12 s otherwise.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await setStatus(id, "processing");
    await stream.next(statusIs(id, "processing"));
    const after = await counter();
    expect(after.hits).toBe(after.windowStart.getTime() === before.windowStart.getTime() ? before.hits + 1 : 1);
  });

  it("frees a stream the moment its client goes away", async () => {
    const stream = await subscribe(alice.authorization);
    expect(openStreamCount(alice.id)).toBe(1);
    expect(changeFeed().connected()).toBe(true);
    stream.close();
    await until(() => openStreamCount() === 0 && changeFeed().listenerCount() === 0, 2000);
    await until(() => !changeFeed().connected(), 2000);
  });

  it("recovers when the LISTEN connection drops: it reconnects and each stream re-reads its rows once", async () => {
    const one = await seedGeneration(alice.id);
    const all = await subscribe(alice.authorization);
    const single = await subscribe(alice.authorization, encodeGlobalID("Generation", one));
    await asService((sql) => sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'postora-live' and datname = current_database()`);
    await until(() => !changeFeed().connected());
    // Changed while nobody listened: no notification reaches this process.
    await setStatus(one, "processing");
    await setStatus(one, "completed", ", completed_at = now()");
    const created = await seedGeneration(alice.id);
    await until(() => changeFeed().connected());
    await all.next(statusIs(one, "completed"));
    await all.next(statusIs(created, "queued"));
    await single.next(statusIs(one, "completed"));
    // And it is live again.
    await setStatus(created, "processing");
    await all.next(statusIs(created, "processing"));
    expect(single.events).toHaveLength(1);
  });

  it("survives a server restart mid-stream: the server frees the stream, the client reconnects and hears what follows", async () => {
    const id = await seedGeneration(alice.id);
    const stream = await subscribe(alice.authorization, encodeGlobalID("Generation", id), 5);
    expect(openStreamCount(alice.id)).toBe(1);
    const port = (http.address() as AddressInfo).port;
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
    await until(() => openStreamCount() === 0);
    http = createServer(yoga);
    await new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve));
    await until(() => openStreamCount(alice.id) === 1, 10_000);
    expect(stream.events).toEqual([]);
    // Listening again (the last stream's leaving closed the LISTEN connection; the new one opens it).
    await until(() => changeFeed().connected());
    await setStatus(id, "processing");
    await stream.next(statusIs(id, "processing"));
  });
});
