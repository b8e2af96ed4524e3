/**
 * `npm run bench` (part three): live streams (subscription generationUpdated
 * over SSE), Yoga behind node's http server on an embedded PostgreSQL 17,
 * clients with graphql-sse over real sockets.
 *
 * 1. 200 streams (40 people, 5 each: the per-process limit) opened, then
 *    dropped by their clients: afterwards no stream, no feed listener and
 *    no timer may be left, and RSS (after GC) must be within 10% of where
 *    it started. Exits non-zero when not.
 * 2. Latency: from a status UPDATE being sent to its event arriving on a
 *    stream, p50 and p99 over BENCH_LIVE_SAMPLES (300) changes, with
 *    BENCH_LIVE_STREAMS (20) other people's streams open alongside.
 */
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "graphql-sse";
import postgres from "postgres";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { freePort } from "@/test/ports";

const SAMPLES = Number(process.env.BENCH_LIVE_SAMPLES ?? 300);
const OTHERS = Number(process.env.BENCH_LIVE_STREAMS ?? 20);
const PEOPLE = 40;
const PER_PERSON = 5;
const SUBSCRIPTION = "subscription { generationUpdated { id status } }";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (globalThis as { gc?: () => void }).gc;
const rssMiB = async () => {
  for (let i = 0; i < 3; i += 1) {
    gc?.();
    await sleep(100);
  }
  return process.memoryUsage().rss / 2 ** 20;
};
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "postora-bench-live-"));
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), ephemeral: true });
  let failed = false;
  try {
    await migrate(db.url());
    Object.assign(process.env, {
      DATABASE_URL: db.url(),
      POSTORA_DATA_DIR: dir,
      LOG_LEVEL: "silent",
      RATE_LIMIT_FREE_PER_MINUTE: "100000000",
      RATE_LIMIT_PAID_PER_MINUTE: "100000000",
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "100000000",
    });
    const { createGraphQLServer } = await import("@/graphql/yoga");
    const { mintDevToken } = await import("@/lib/auth/dev-identity");
    const { getEnv } = await import("@/lib/env");
    const { changeFeed } = await import("@/lib/live/changes");
    const { openStreamCount } = await import("@/lib/live/stream");
    const { closePool } = await import("@/lib/db/client");
    const yoga = createGraphQLServer();
    const http = createServer(yoga);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/graphql`;
    const sql = postgres(db.url(), { max: 2, onnotice: () => {} });

    const people = await Promise.all(
      Array.from({ length: PEOPLE + OTHERS + 1 }, async (_, index) => {
        const clerkUserId = `user_2live${index}`;
        const authorization = `Bearer ${await mintDevToken(getEnv(), { clerkUserId, email: `${clerkUserId}@example.com` })}`;
        return { clerkUserId, authorization };
      }),
    );
    await sql`insert into users (auth_id, email) select auth_id, auth_id || '@example.com' from unnest(${people.map((person) => person.clerkUserId)}::text[]) auth_id`;

    /** Opens a stream; resolves once the server has answered it, with its events' arrival and a way to drop it. */
    const open = (authorization: string, onEvent: (data: { generationUpdated: { id: string; status: string } }) => void = () => {}) =>
      new Promise<() => void>((resolve, reject) => {
        const client = createClient({ url, headers: { authorization }, retryAttempts: 0 });
        const drop = client.subscribe<{ generationUpdated: { id: string; status: string } }>(
          { query: SUBSCRIPTION },
          { next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : onEvent(result.data!)), error: reject, complete: () => {} },
          { connected: () => resolve(() => (drop(), client.dispose())) },
        );
      });
    const settled = async () => {
      for (let i = 0; i < 100 && (openStreamCount() > 0 || changeFeed().listenerCount() > 0); i += 1) await sleep(50);
    };

    // Warm-up: the code paths loaded and the database pool grown (each pooled connection keeps an idle timer,
    // as do keep-alive sockets for a few seconds), the same way, before the baseline is taken.
    const warm = async () => {
      for (const dropWarm of await Promise.all(people.slice(0, 10).flatMap((person) => Array.from({ length: 3 }, () => open(person.authorization))))) dropWarm();
      await settled();
      await sleep(6000);
    };
    await warm();
    const [rssBefore, timersBefore] = [await rssMiB(), timers()];
    const drops: (() => void)[] = [];
    const started = performance.now();
    for (const person of people.slice(0, PEOPLE)) {
      drops.push(...(await Promise.all(Array.from({ length: PER_PERSON }, () => open(person.authorization)))));
    }
    const openedMs = performance.now() - started;
    const rssOpen = await rssMiB();
    const openCount = openStreamCount();
    for (const drop of drops) drop();
    await settled();
    await sleep(6000);
    const [rssAfter, timersAfter] = [await rssMiB(), timers()];
    const leftStreams = openStreamCount();
    const leftListeners = changeFeed().listenerCount();
    const rssOk = Math.abs(rssAfter - rssBefore) <= rssBefore * 0.1;
    console.log(`live: ${openCount} streams opened in ${openedMs.toFixed(0)} ms (${PEOPLE} people x ${PER_PERSON}), then dropped by their clients`);
    console.log(
      `live: left behind: ${leftStreams} streams, ${leftListeners} feed listeners, timers ${timersBefore} -> ${timersAfter}; ` +
        `RSS ${rssBefore.toFixed(0)} MiB -> ${rssOpen.toFixed(0)} open -> ${rssAfter.toFixed(0)} after (${(((rssAfter - rssBefore) / rssBefore) * 100).toFixed(1)}%, ${gc ? "after GC" : "no GC exposed"})`,
    );
    if (leftStreams || leftListeners || timersAfter > timersBefore || !rssOk) {
      console.error("live: FAILED: resources outlived their streams (see the line above)");
      failed = true;
    }

    // Latency: one person's stream, others' streams open alongside (their events are not theirs to see).
    const others = await Promise.all(people.slice(PEOPLE, PEOPLE + OTHERS).map((person) => open(person.authorization)));
    const subject = people.at(-1)!;
    const [generation] = await sql<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format)
      select id, 'Latency', 'bullet_points' from users where auth_id = ${subject.clerkUserId} returning id`;
    let waiting: { status: string; resolve: () => void } | null = null;
    const drop = await open(subject.authorization, (data) => {
      if (waiting && data.generationUpdated.status === waiting.status) waiting.resolve();
    });
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES + 20; i += 1) {
      const [status, next] = i % 2 ? (["QUEUED", "queued"] as const) : (["PROCESSING", "processing"] as const);
      const arrived = new Promise<void>((resolve) => (waiting = { status, resolve }));
      const sent = performance.now();
      await sql`update generations set status = ${next} where id = ${generation!.id}`;
      await arrived;
      if (i >= 20) samples.push(performance.now() - sent);
    }
    drop();
    for (const other of others) other();
    samples.sort((a, b) => a - b);
    console.log(
      `live: status change -> event on the stream (${SAMPLES} changes, ${OTHERS} other streams open): p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms`,
    );
    await settled();
    await sql.end();
    await new Promise((resolve) => http.close(resolve));
    await changeFeed().close();
    await closePool();
  } finally {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

await main();
