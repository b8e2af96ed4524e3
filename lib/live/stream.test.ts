/**
 * The live stream's bounds, against the real change feed on the test
 * database: the credential re-check that ends a stream, the per-person
 * limit, every process hearing every change, and nothing left behind.
 */
import { afterAll, describe, expect, it } from "vitest";
import { asService, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { createChangeFeed, type ChangeFeed } from "@/lib/live/changes";
import { openGenerationStream, openStreamCount, type LiveEvent, type StreamDeps } from "@/lib/live/stream";
import { logger } from "@/lib/log";
import { seedGeneration, seedUser, type SeededUser } from "@/test/support";

const log = logger.child({ source: "test" });
const feeds: ChangeFeed[] = [];

function feed(): ChangeFeed {
  const made = createChangeFeed({ connectionString: getEnv().databaseDirectUrl!, log });
  feeds.push(made);
  return made;
}

afterAll(async () => {
  for (const made of feeds) await made.close();
});

const depsFor = (user: SeededUser, changes: ChangeFeed, overrides: Partial<StreamDeps> = {}): StreamDeps => ({
  feed: changes,
  read: (fn) => withUser(user.identity, fn),
  stillAllowed: async () => ({ allowed: true }),
  log,
  maxPerPerson: 2,
  ...overrides,
});

const nextOf = (stream: AsyncIterableIterator<LiveEvent>, timeoutMs = 3000) =>
  Promise.race([
    stream.next(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no event in time")), timeoutMs)),
  ]);

describe("a live stream", () => {
  it("ends with UNAUTHENTICATED, freeing everything, once its credential stops standing", async () => {
    const user = await seedUser();
    const changes = feed();
    let allowed = true;
    const stream = await openGenerationStream(
      depsFor(user, changes, { recheckMs: 50, stillAllowed: async () => (allowed ? { allowed: true } : { allowed: false, reason: "your API key was revoked or has expired." }) }),
      { userId: user.id, generationId: null },
    );
    expect(openStreamCount(user.id)).toBe(1);
    allowed = false;
    const last = await nextOf(stream);
    expect(last.value).toMatchObject({ kind: "ended" });
    const error = (last.value as Extract<LiveEvent, { kind: "ended" }>).error;
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe("UNAUTHENTICATED");
    expect(error.message).toMatch(/API key was revoked/);
    expect((await stream.next()).done).toBe(true);
    expect(openStreamCount(user.id)).toBe(0);
    expect(changes.listenerCount()).toBe(0);
  });

  it("refuses a person's streams beyond the limit, and frees a slot when one closes or its signal aborts", async () => {
    const user = await seedUser();
    const changes = feed();
    const aborts = new AbortController();
    const first = await openGenerationStream(depsFor(user, changes, { signal: aborts.signal }), { userId: user.id, generationId: null });
    const second = await openGenerationStream(depsFor(user, changes), { userId: user.id, generationId: null });
    await expect(openGenerationStream(depsFor(user, changes), { userId: user.id, generationId: null })).rejects.toMatchObject({
      code: "TOO_MANY_STREAMS",
      details: { limit: 2 },
    });
    aborts.abort();
    expect(openStreamCount(user.id)).toBe(1);
    expect((await first.next()).done).toBe(true);
    const third = await openGenerationStream(depsFor(user, changes), { userId: user.id, generationId: null });
    await second.return!();
    await third.return!();
    expect(openStreamCount(user.id)).toBe(0);
    expect(changes.listenerCount()).toBe(0);
    expect(changes.connected()).toBe(false);
  });

  it("is heard by every process: two feeds (two servers) each deliver the same change", async () => {
    const user = await seedUser();
    const id = await seedGeneration(user.id);
    const [one, two] = [feed(), feed()];
    const streams = await Promise.all([one, two].map((changes) => openGenerationStream(depsFor(user, changes), { userId: user.id, generationId: id })));
    await asService((sql) => sql`update generations set status = 'processing' where id = ${id}`);
    for (const stream of streams) {
      const event = await nextOf(stream);
      expect(event.value).toMatchObject({ kind: "generation", row: { id, status: "processing" } });
      await stream.return!();
    }
  });

  it("coalesces a burst: a client that does not read gets the latest state, once per generation", async () => {
    const user = await seedUser();
    const id = await seedGeneration(user.id);
    const stream = await openGenerationStream(depsFor(user, feed()), { userId: user.id, generationId: id });
    await asService((sql) => sql`update generations set status = 'processing' where id = ${id}`);
    await asService((sql) => sql`update generations set status = 'completed', completed_at = now() where id = ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const events: LiveEvent[] = [];
    for (;;) {
      const event = await Promise.race([stream.next(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 300))]);
      if (!event || event.done) break;
      events.push(event.value);
    }
    expect(events.map((event) => (event.kind === "generation" ? event.row.status : event.kind)).at(-1)).toBe("completed");
    expect(events.length).toBeLessThanOrEqual(2);
    await stream.return!();
  });
});
