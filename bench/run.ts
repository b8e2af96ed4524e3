/**
 * `npm run bench`: measures the cost of the RLS context on every request's
 * path. The baseline is the straightforward way (BEGIN, SET ROLE, set claims,
 * query, COMMIT as separate round trips), measured in the same run against
 * the same embedded PostgreSQL 17, so the ratio is what matters, not the
 * machine. Then the generation pipeline (bench/pipeline.ts). Prints figures;
 * it is not a pass/fail test.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { createPool, withUser, type Sql } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { freePort } from "@/test/ports";
import { cpuSecondsAt, median } from "@/bench/measure";
import { pipelineBench } from "@/bench/pipeline";

const concurrency = 16;
const durationMs = Number(process.env.BENCH_MS ?? 5000);

async function measure(name: string, once: () => Promise<unknown>) {
  // Warm up connections and plans.
  for (let i = 0; i < 200; i += 1) await once();
  let done = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await once();
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const perSecond = done / seconds;
  console.log(`${name.padEnd(44)} ${perSecond.toFixed(0).padStart(7)} tx/s  ${((seconds * 1000) / done * concurrency).toFixed(3)} ms/tx`);
  return perSecond;
}

/**
 * The API as a client sees it, in process (Yoga's fetch, no network): a
 * dashboard page of 50 generations with every field, against the cheapest
 * authenticated request (health) as the baseline.
 */
async function graphqlBench(databaseUrl: string, dataDir: string) {
  process.env.DATABASE_URL = databaseUrl;
  process.env.POSTORA_DATA_DIR = dataDir;
  process.env.LOG_LEVEL = "silent";
  // The rate limit stays on (its statement is part of every request's cost), set above this load.
  process.env.RATE_LIMIT_FREE_PER_MINUTE = "100000000";
  process.env.RATE_LIMIT_PAID_PER_MINUTE = "100000000";
  process.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE = "100000000";
  const { createGraphQLServer } = await import("@/graphql/yoga");
  const { mintDevToken } = await import("@/lib/auth/dev-identity");
  const { getEnv } = await import("@/lib/env");
  const { onQuery } = await import("@/lib/db/client");
  const server = createGraphQLServer();
  const authorization = `Bearer ${await mintDevToken(getEnv(), { clerkUserId: "user_2bench", email: "bench@example.com" })}`;
  const post = async (query: string) => {
    const response = await server.fetch("http://localhost/api/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization },
      body: JSON.stringify({ query }),
    });
    if (response.status !== 200) throw new Error(await response.text());
    return response.json();
  };
  const page = `{ viewer { id tier usage { used limit } generations(first: 50) { edges { cursor node {
    id inputContent outputFormat bulletPoints canvaDesignId status createdAt hasFile } } pageInfo { hasNextPage endCursor } } } }`;
  let statements = 0;
  const stop = onQuery((query) => (statements += query.includes("pg_catalog.pg_type") ? 0 : 1));
  await post(page);
  statements = 0;
  await post(page);
  stop();
  const health = await measure("graphql: { health } (baseline)", () => post("{ health { ok } }"));
  const dashboard = await measure("graphql: viewer page of 50, every field", () => post(page));
  console.log(`page of 50 / health: ${(dashboard / health).toFixed(2)}x   SQL statements per page request: ${statements}`);

  // Compiled execution (graphql/plugins/compiled-execution.ts) against the interpreter, on the list query:
  // CPU per request in this process, rounds interleaved so the machine's drift falls on both alike.
  const interpreted = createGraphQLServer({ compileQueries: false });
  const list = `query List { viewer { generations(first: 20) { edges { node { id status outputFormat createdAt } } } } }`;
  const cpuPerRequest = async (target: typeof server, requests: number) => {
    const started = process.cpuUsage();
    let sent = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (sent < requests) {
          sent += 1;
          const response = await target.fetch("http://localhost/api/graphql", {
            method: "POST",
            headers: { "content-type": "application/json", authorization },
            body: JSON.stringify({ query: list }),
          });
          if (response.status !== 200) throw new Error(await response.text());
          await response.text();
        }
      }),
    );
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000 / requests;
  };
  for (const target of [server, interpreted]) await cpuPerRequest(target, 200); // warm-up; compiles the list on `server`
  const rounds = { compiled: [] as number[], interpreted: [] as number[] };
  for (let round = 0; round < 12; round += 1) {
    const order = round % 2 ? (["interpreted", "compiled"] as const) : (["compiled", "interpreted"] as const);
    for (const name of order) rounds[name].push(await cpuPerRequest(name === "compiled" ? server : interpreted, 300));
  }
  const [compiledMs, interpretedMs] = [median(rounds.compiled), median(rounds.interpreted)];
  console.log(`graphql list, in process: compiled ${compiledMs.toFixed(2)} ms CPU/req, interpreted ${interpretedMs.toFixed(2)} ms; compiled/interpreted ${(compiledMs / interpretedMs).toFixed(2)}x (median of 12 interleaved rounds of 300)`);
}

/**
 * The database's side of a list request: the messages `viewer { generations(first: 20) }` sends (the rate
 * limit's counter and the page's readOnce, captured from the code as it runs), replayed on one connection,
 * against the bare route's one message. Postgres runs on the same cores as the server, so its CPU per request
 * counts against throughput too. Read from the backend's /proc entry (Linux, 10 ms ticks).
 */
async function databaseCpuBench(databaseUrl: string, userId: string) {
  const { readOnce, onQuery } = await import("@/lib/db/client");
  const { listGenerations } = await import("@/lib/generations/generations");
  const { rateLimitStatement } = await import("@/lib/rate-limit");
  const { LIMIT_STATEMENT } = await import("@/lib/bench/limit");
  const identity = { clerkUserId: "user_2bench", email: "bench@example.com", sessionId: "sess_2benchbenchbenchbenchbench" };
  const capture = async (fn: () => Promise<unknown>) => {
    const sent: string[] = [];
    const stop = onQuery((statement) => sent.push(statement));
    await fn();
    stop();
    return sent.filter((statement) => !statement.includes("pg_catalog.pg_type"));
  };
  const counter = String(rateLimitStatement({ userId }, { freePerMinute: 100_000_000, paidPerMinute: 100_000_000, anonymousPerMinute: 100_000_000 }));
  const listMessages = [counter, ...(await capture(() => listGenerations((statements) => readOnce(identity, statements), { first: 20 })))];
  const routeMessages = await capture(() => readOnce(identity, [LIMIT_STATEMENT]));
  const single = postgres(databaseUrl, { max: 1, prepare: false, onnotice: () => {} });
  try {
    const [backend] = await single<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const backendCpuMs = () => cpuSecondsAt(`/proc/${backend!.pid}/stat`) * 1000;
    const perRequest = async (messages: string[], requests = 3000) => {
      for (let i = 0; i < 200; i += 1) for (const message of messages) await single.unsafe(message);
      const before = backendCpuMs();
      for (let i = 0; i < requests; i += 1) for (const message of messages) await single.unsafe(message);
      return ((backendCpuMs() - before) / requests) * 1000;
    };
    const list = await perRequest(listMessages);
    const route = await perRequest(routeMessages);
    console.log(`Postgres CPU per list request (${listMessages.length} messages, counter included): ${list.toFixed(0)} us; bare route's statement: ${route.toFixed(0)} us; ${(list / route).toFixed(2)}x`);
  } finally {
    await single.end();
  }
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "postora-bench-"));
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), ephemeral: true });
  try {
    await migrate(db.url());
    const setup = postgres(db.url(), { max: 1, onnotice: () => {} });
    const [user] = await setup<{ id: string }[]>`insert into users (auth_id, email) values ('user_2bench', 'bench@example.com') returning id`;
    await setup`insert into generations (user_id, input_content, output_format)
                select ${user!.id}, 'text ' || g, 'carousel' from generate_series(1, 60) g`;
    await setup.end();

    const pool: Sql = createPool(db.url(), { max: 10 });
    const identity = { clerkUserId: "user_2bench", email: "bench@example.com" };
    const claims = JSON.stringify({ sub: identity.clerkUserId, role: "authenticated" });
    const query = (sql: Sql) => sql`select id, status from generations order by created_at desc limit 20`;

    console.log(`node ${process.version}, PostgreSQL 17 embedded, ${concurrency} concurrent clients, pool of 10, ${durationMs} ms each`);
    // Both sides reserve a connection as withUser does; only the round trips differ.
    const onReserved = async <T>(fn: (sql: Sql) => Promise<T>) => {
      const connection = await pool.reserve();
      try {
        return await fn(connection);
      } finally {
        connection.release();
      }
    };
    const baseline = await measure("baseline: begin; set role; set claims; query", () =>
      onReserved(async (sql) => {
        await sql`begin`;
        await sql`set local role authenticated`;
        await sql`select set_config('request.jwt.claims', ${claims}, true)`;
        const rows = await query(sql);
        await sql`commit`;
        return rows;
      }),
    );
    const ours = await measure("withUser: one statement opens tx + context", () => withUser(identity, query, pool));
    const bare = await measure("no RLS context or policies (ceiling)", () =>
      onReserved(async (sql) => {
        await sql`begin`;
        const rows = await query(sql);
        await sql`commit`;
        return rows;
      }),
    );
    console.log(`withUser / baseline: ${(ours / baseline).toFixed(2)}x   withUser / ceiling: ${(ours / bare).toFixed(2)}x`);

    await graphqlBench(db.url(), dir);
    await databaseCpuBench(db.url(), user!.id);
    await pipelineBench(db.url(), dir);
    const memory = process.memoryUsage();
    console.log(`rss ${(memory.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} MiB`);
    await pool.end();
  } finally {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
