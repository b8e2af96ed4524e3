/**
 * `npm run bench` (part two): the production build over real HTTP, against
 * the limits of its own stack, in one run on one machine.
 *
 * - `npm run build`, then `npm start -- -H 127.0.0.1` (so binding a host is
 *   exercised too) on an embedded PostgreSQL 17 started here, seeded with
 *   hundreds of users and thousands of generations;
 * - Clerk in production mode, networkless: a key pair made for the run,
 *   CLERK_JWT_KEY its public half, Bearer tokens minted with the private half,
 *   rotating across users; Supabase Storage answered by a stub (signed
 *   upload URLs only; no network);
 * - autocannon at several concurrency levels against the list query,
 *   createGeneration, and two limits doing the list's essential work (verify
 *   the JWT, one RLS statement): GET /api/bench/limit in the same build, and
 *   a bare node:http server (bench/bare-server.ts) on the same driver and DB.
 *
 * Prints req/s, p50/p99, SQL messages (round trips) per request (counted in process on
 * the same code), peak RSS of each server's process tree, and ratios. The
 * rate limits stay on, set high enough for the load. BENCH_SECONDS (10),
 * BENCH_CONNECTIONS ("10,40"), BENCH_ROUNDS (3: each row is measured that
 * many times, interleaved with the others, and its medians printed), BENCH_SKIP_BUILD=1 to reuse .next,
 * BENCH_PROFILE=<dir> to write --cpu-prof profiles of the server,
 * BENCH_THREADS=1 to print each row's server CPU split into its main thread and the rest,
 * BENCH_ONLY=list,create,route,node to run only those rows (listget, the list
 * as a GET, and typename, `{ __typename }` with a token, only when named).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { signJwt } from "@clerk/backend/jwt";
import autocannon from "autocannon";
import postgres from "postgres";
import { cpuSecondsAt, median } from "@/bench/measure";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { freePort } from "@/test/ports";

const root = path.resolve(import.meta.dirname, "..");
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const levels = (process.env.BENCH_CONNECTIONS ?? "10,40").split(",").map(Number);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
// Which rows to run (all by default): a profile of one kind of request alone is easier to read.
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const runs = (row: "list" | "create" | "route" | "node" | "typename" | "listget") => (row === "typename" || row === "listget" ? !!only?.has(row) : !only || only.has(row));
const USERS = 300;
// Enough that every list request reads a full page (first: 20), in every round alike.
const GENERATIONS_PER_USER = 25;

const LIST = `query List { viewer { generations(first: 20) { edges { node { id status outputFormat createdAt } } } } }`;
const CREATE = `mutation Create { createGeneration(input: { inputContent: "A benchmark post about speed", outputFormat: CAROUSEL }) { generation { id } upload { url } } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => console.log(line);

const psLines = (args: string[]) => execFileSync("ps", args, { encoding: "utf8" }).split("\n").map((line) => line.trim()).filter(Boolean);

/** CPU seconds (user + system, and with `reaped` the children's already waited for) of some processes, from /proc (10 ms resolution). */
function cpuSecondsOf(pids: string[], reaped = false): number {
  let seconds = 0;
  for (const pid of pids) {
    try {
      seconds += cpuSecondsAt(`/proc/${pid}/stat`, reaped);
    } catch {
      /* exited meanwhile */
    }
  }
  return seconds;
}

/** CPU seconds so far of each process in a group: its main thread, and its other threads (V8's GC and compiler, libuv's pool) together. */
function threadCpu(processGroup: number): Map<string, { main: number; others: number }> {
  const byProcess = new Map<string, { main: number; others: number }>();
  for (const pid of psLines(["-o", "pid=", "-g", String(processGroup)])) {
    const usage = { main: 0, others: 0 };
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        usage[tid === pid ? "main" : "others"] += cpuSecondsAt(`/proc/${pid}/task/${tid}/stat`);
      } catch {
        /* gone */
      }
    }
    byProcess.set(pid, usage);
  }
  return byProcess;
}

/** CPU seconds used so far by every process in a group. */
function groupCpuSeconds(processGroup: number): number {
  return cpuSecondsOf(psLines(["-o", "pid=", "-g", String(processGroup)]));
}

/** CPU seconds used so far by the Postgres serving `dataDir`: its postmaster and every backend, live or ended. */
function postgresCpuSeconds(dataDir: string): number {
  const postmaster = psLines(["-eo", "pid=,args="]).find((line) => line.includes(dataDir) && /postgres/.test(line))?.split(/\s+/)[0];
  if (!postmaster) return Number.NaN;
  return cpuSecondsOf([postmaster], true) + cpuSecondsOf(psLines(["-o", "pid=", "--ppid", postmaster]));
}

/** Sum of RSS (KiB) over a process group, sampled until stopped; returns the peak in MiB. */
function watchRss(processGroup: number) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const out = execFileSync("ps", ["-o", "rss=", "-g", String(processGroup)], { encoding: "utf8" });
      const total = out.split("\n").reduce((sum, line) => sum + (Number(line.trim()) || 0), 0);
      peak = Math.max(peak, total);
    } catch {
      /* group gone */
    }
  }, 200);
  return {
    reset: () => (peak = 0),
    peakMiB: () => peak / 1024,
    stop: () => clearInterval(timer),
  };
}

async function waitFor(url: string, init: RequestInit, child: ChildProcess, output: () => string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      return response;
    } catch {
      await sleep(300);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output()}`);
}

function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr!.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* gone */
    }
    await Promise.race([exited, sleep(10_000)]);
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  return { child, output: () => output, stop };
}

/** One row's rounds as one: medians of the rates and latencies, totals of failures, the highest RSS. */
function medianRow(measured: Row[]): Row {
  const of = (key: "rps" | "p50" | "p99" | "cpuMsPerRequest" | "dbCpuMsPerRequest") => median(measured.map((row) => row[key]));
  return {
    name: measured[0]!.name,
    connections: measured[0]!.connections,
    rps: of("rps"),
    p50: of("p50"),
    p99: of("p99"),
    cpuMsPerRequest: of("cpuMsPerRequest"),
    dbCpuMsPerRequest: of("dbCpuMsPerRequest"),
    non2xx: measured.reduce((sum, row) => sum + row.non2xx, 0),
    errors: measured.reduce((sum, row) => sum + row.errors, 0),
    rssMiB: Math.max(...measured.map((row) => row.rssMiB)),
  };
}

type Row = { name: string; connections: number; rps: number; p50: number; p99: number; non2xx: number; errors: number; rssMiB: number; cpuMsPerRequest: number; dbCpuMsPerRequest: number };

async function load(name: string, connections: number, options: { url: string; method?: "GET" | "POST"; body?: string; tokens: string[] }, rss: ReturnType<typeof watchRss>, processGroup: number, databaseCpu: () => number): Promise<Row> {
  let next = 0;
  const run = (duration: number) =>
    autocannon({
      url: options.url,
      connections,
      duration,
      method: options.method ?? "GET",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: options.body,
      requests: [
        {
          setupRequest: (request) => {
            next = (next + 1) % options.tokens.length;
            return { ...request, headers: { ...request.headers, authorization: `Bearer ${options.tokens[next]}` } };
          },
        },
      ],
    });
  await run(2); // warm-up: JIT, connections, caches
  rss.reset();
  const cpuBefore = groupCpuSeconds(processGroup);
  const threadsBefore = process.env.BENCH_THREADS ? threadCpu(processGroup) : null;
  const dbCpuBefore = databaseCpu();
  const result = await run(seconds);
  const cpuUsed = groupCpuSeconds(processGroup) - cpuBefore;
  if (threadsBefore) {
    // The busiest process of the tree is the server (npm and sh barely run).
    const [main, others] = [...threadCpu(processGroup)]
      .map(([pid, after]) => [after.main - (threadsBefore.get(pid)?.main ?? 0), after.others - (threadsBefore.get(pid)?.others ?? 0)] as const)
      .sort((a, b) => b[0] + b[1] - (a[0] + a[1]))[0] ?? [0, 0];
    const perRequest = (cpuSeconds: number) => ((cpuSeconds * 1000) / Math.max(1, result.requests.total)).toFixed(2);
    say(`${name}, ${connections} conns: main thread ${perRequest(main)} ms/req, other threads ${perRequest(others)} ms/req`);
  }
  const dbCpuUsed = databaseCpu() - dbCpuBefore;
  return {
    name,
    connections,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rssMiB: rss.peakMiB(),
    cpuMsPerRequest: (cpuUsed * 1000) / Math.max(1, result.requests.total),
    dbCpuMsPerRequest: (dbCpuUsed * 1000) / Math.max(1, result.requests.total),
  };
}

/** Messages (round trips; one may hold several statements) each kind of request sends to Postgres, counted in process on the same code and database. */
async function statementsPerRequest(env: NodeJS.ProcessEnv, token: string) {
  Object.assign(process.env, env);
  const { createGraphQLServer } = await import("@/graphql/yoga");
  const { onQuery, closePool } = await import("@/lib/db/client");
  const server = createGraphQLServer();
  const count = async (query: string) => {
    const send = () =>
      server.fetch("http://127.0.0.1/api/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
    await (await send()).text(); // first request: user lookup cached, connections open
    let statements = 0;
    const stop = onQuery((text) => (statements += text.includes("pg_catalog.pg_type") ? 0 : 1));
    const response = await send();
    const body = await response.text();
    stop();
    if (response.status !== 200 || body.includes('"errors"')) throw new Error(`statement count request failed: ${body}`);
    return statements;
  };
  const result = { list: await count(LIST), create: await count(CREATE), limit: 1 };
  await closePool();
  return result;
}

/** The functions with the most self time in a V8 .cpuprofile. */
function topFunctions(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[] }, n = 15) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\.next\//, ".next/")}:${frame.lineNumber}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, value]) => `${((value / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "postora-bench-http-"));
  const dataDir = path.join(dir, "pg");
  const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true });
  const databaseCpu = () => postgresCpuSeconds(dataDir);
  const cleanups: (() => Promise<void>)[] = [async () => db.stop(), async () => rm(dir, { recursive: true, force: true })];
  try {
    await migrate(db.url());
    const setup = postgres(db.url(), { max: 1, onnotice: () => {} });
    // Paid tiers, so the monthly quota (the database's trigger still runs on every insert) leaves room for
    // thousands of createGeneration requests; the free tier's 10 a month would end that row in seconds.
    // Users 1-300 read (every row but createGeneration's), 301-600 create: the generations a create row adds
    // would otherwise change the pages the rows after it read.
    await setup`insert into users (auth_id, email, tier)
                select 'user_2bench' || g, 'bench' || g || '@example.com', case when g % 5 = 0 then 'pro' else 'business' end
                from generate_series(1, ${2 * USERS}) g`;
    // Made last month, so they count against last month's quota, not this one's.
    await setup`insert into generations (user_id, input_content, output_format, status, created_at)
                select u.id, 'Raw text ' || g, (array['bullet_points','carousel','canva_design'])[1 + g % 3],
                       (array['queued','processing','completed','failed'])[1 + g % 4],
                       date_trunc('month', now()) - (g || ' minutes')::interval
                from users u, generate_series(1, ${GENERATIONS_PER_USER}) g
                where u.auth_id in (select 'user_2bench' || r from generate_series(1, ${USERS}) r)`;
    const [counts] = await setup<{ users: number; generations: number }[]>`
      select (select count(*)::int from users) as users, (select count(*)::int from generations) as generations`;
    await setup.end();

    // Clerk, networkless, with a key pair made for this run.
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const [port, barePort, storagePort] = [await freePort(), await freePort(), await freePort()];
    const appUrl = `http://127.0.0.1:${port}`;
    const now = Math.floor(Date.now() / 1000);
    const everyToken = await Promise.all(
      Array.from({ length: 2 * USERS }, (_, i) =>
        signJwt(
          { sub: `user_2bench${i + 1}`, email: `bench${i + 1}@example.com`, azp: appUrl, iss: "https://clerk.bench.test", sid: `sess_${randomBytes(6).toString("hex")}`, iat: now, nbf: now - 10, exp: now + 3600, v: 2 },
          privatePem,
          { algorithm: "RS256", header: { typ: "JWT", kid: "ins_bench" } },
        ),
      ),
    );
    const [tokens, creatorTokens] = [everyToken.slice(0, USERS), everyToken.slice(USERS)];

    // Supabase Storage's signed-upload endpoint, the only storage call createGeneration makes.
    const storage = createServer((req, res) => {
      const objectPath = (req.url ?? "").replace(/^\/storage\/v1\/object\/upload\/sign\//, "").split("?")[0];
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ url: `/object/upload/sign/${objectPath}?token=bench` }));
    });
    await new Promise<void>((resolve) => storage.listen(storagePort, "127.0.0.1", resolve));
    cleanups.push(async () => void storage.close());

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      APP_URL: appUrl,
      DATABASE_URL: db.url(),
      NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: `pk_test_${Buffer.from("clerk.bench.test$").toString("base64")}`,
      CLERK_SECRET_KEY: "sk_test_bench_networkless",
      CLERK_JWT_KEY: publicKey.export({ type: "spki", format: "pem" }).toString(),
      SUPABASE_URL: `http://127.0.0.1:${storagePort}`,
      SUPABASE_SERVICE_ROLE_KEY: "bench-service-role-key-0123456789",
      DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      POSTORA_BENCH_ROUTE: "1",
      // On, and high enough for this load.
      RATE_LIMIT_FREE_PER_MINUTE: "1000000",
      RATE_LIMIT_PAID_PER_MINUTE: "1000000",
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
      LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
    };

    if (process.env.BENCH_SKIP_BUILD !== "1") {
      say("npm run build ...");
      execFileSync("npm", ["run", "build"], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
    }
    const profileDir = process.env.BENCH_PROFILE ? path.resolve(process.env.BENCH_PROFILE) : null;
    // Node refuses --cpu-prof in NODE_OPTIONS, so a profiled run starts next directly (what npm start runs).
    const next = profileDir
      ? startProcess(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, path.join(root, "node_modules/next/dist/bin/next"), "start", "-H", "127.0.0.1", "-p", String(port)], env)
      : startProcess("npm", ["start", "--", "-H", "127.0.0.1", "-p", String(port)], env);
    cleanups.unshift(next.stop);
    const bare = startProcess(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "bench/bare-server.ts"], { ...env, BARE_PORT: String(barePort) });
    cleanups.unshift(bare.stop);

    const health = await waitFor(`${appUrl}/api/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) }, next.child, next.output);
    if (health.status !== 200) throw new Error(`the server answered ${health.status}: ${await health.text()}`);
    // Through proxy.ts's clerkMiddleware (a session cookie, no Bearer) on a server bound to 127.0.0.1.
    const started = performance.now();
    const viaClerk = await fetch(`${appUrl}/api/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: "__session=not-a-real-session" },
      body: JSON.stringify({ query: "{ __typename }" }),
      signal: AbortSignal.timeout(10_000),
    });
    say(`npm start -H 127.0.0.1 answers through proxy.ts (session cookie): HTTP ${viaClerk.status} in ${(performance.now() - started).toFixed(0)} ms`);
    await waitFor(`http://127.0.0.1:${barePort}/`, {}, bare.child, bare.output);
    const limitCheck = await fetch(`${appUrl}/api/bench/limit`, { headers: { authorization: `Bearer ${tokens[0]}` } });
    if (limitCheck.status !== 200) throw new Error(`the limit route answered ${limitCheck.status}: ${await limitCheck.text()}\n${next.output()}`);

    const statements = await statementsPerRequest(env, tokens[1]!);
    const nextRss = watchRss(next.child.pid!);
    const bareRss = watchRss(bare.child.pid!);
    cleanups.unshift(async () => (nextRss.stop(), bareRss.stop()));

    say(`node ${process.version}, ${counts!.users} users, ${counts!.generations} generations, ${seconds} s per row after a 2 s warm-up, ${rounds} interleaved rounds (medians), ${USERS} rotating Bearer tokens (another ${USERS} for createGeneration), a full page (20) per list request`);
    type Measure = () => Promise<Row>;
    const rows: Row[] = [];
    for (const connections of levels) {
      const measures: Measure[] = [];
      if (runs("list")) measures.push(() => load("graphql list (viewer.generations first 20)", connections, { url: `${appUrl}/api/graphql`, method: "POST", body: JSON.stringify({ query: LIST }), tokens }, nextRss, next.child.pid!, databaseCpu));
      if (runs("listget")) measures.push(() => load("graphql list, GET", connections, { url: `${appUrl}/api/graphql?query=${encodeURIComponent(LIST)}`, tokens }, nextRss, next.child.pid!, databaseCpu));
      if (runs("typename")) measures.push(() => load("graphql { __typename } with a token", connections, { url: `${appUrl}/api/graphql`, method: "POST", body: JSON.stringify({ query: "{ __typename }" }), tokens }, nextRss, next.child.pid!, databaseCpu));
      if (runs("create")) measures.push(() => load("graphql createGeneration", connections, { url: `${appUrl}/api/graphql`, method: "POST", body: JSON.stringify({ query: CREATE }), tokens: creatorTokens }, nextRss, next.child.pid!, databaseCpu));
      if (runs("route")) measures.push(() => load("limit: bare route handler, same build", connections, { url: `${appUrl}/api/bench/limit`, tokens }, nextRss, next.child.pid!, databaseCpu));
      if (runs("node")) measures.push(() => load("limit: bare node:http, same driver", connections, { url: `http://127.0.0.1:${barePort}/`, tokens }, bareRss, bare.child.pid!, databaseCpu));
      // Rounds interleave the rows (in turn forwards and backwards), so the machine's drift during the run
      // falls on every row alike; each figure is the median over the rounds.
      const byRow = measures.map(() => [] as Row[]);
      for (let round = 0; round < rounds; round += 1) {
        const order = measures.map((_, index) => index);
        if (round % 2) order.reverse();
        for (const index of order) byRow[index]!.push(await measures[index]!());
      }
      rows.push(...byRow.map(medianRow));
    }

    say("");
    say(`load average at the end: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} (other work on the machine competes for its cores)`);
    say(`${"".padEnd(44)} conns    req/s   p50 ms   p99 ms  non-2xx  errors  peak RSS  server CPU/req  Postgres CPU/req`);
    for (const row of rows) {
      say(`${row.name.padEnd(44)} ${String(row.connections).padStart(5)} ${row.rps.toFixed(0).padStart(8)} ${row.p50.toFixed(1).padStart(8)} ${row.p99.toFixed(1).padStart(8)} ${String(row.non2xx).padStart(8)} ${String(row.errors).padStart(7)} ${row.rssMiB.toFixed(0).padStart(6)} MiB ${row.cpuMsPerRequest.toFixed(2).padStart(9)} ms ${row.dbCpuMsPerRequest.toFixed(2).padStart(13)} ms`);
    }
    say("");
    for (const connections of levels) {
      const at = (name: string) => rows.find((row) => row.connections === connections && row.name.startsWith(name));
      const list = at("graphql list");
      const route = at("limit: bare route");
      const node = at("limit: bare node");
      if (!list || !route || !node) continue;
      say(
        `${connections} conns: list/bare-route ${(list.rps / route.rps).toFixed(2)}x throughput, p99 ${(list.p99 / route.p99).toFixed(2)}x, CPU/req ${(list.cpuMsPerRequest / route.cpuMsPerRequest).toFixed(2)}x; ` +
          `list/bare-node ${(list.rps / node.rps).toFixed(2)}x, p99 ${(list.p99 / node.p99).toFixed(2)}x`,
      );
    }
    say(`SQL messages (round trips) per request: list ${statements.list}, createGeneration ${statements.create}, limits ${statements.limit}`);
    say(`peak RSS of next-server's process tree under load: ${Math.max(...rows.filter((r) => !r.name.includes("node:http")).map((r) => r.rssMiB)).toFixed(0)} MiB`);

    // GraphiQL's bundle is imported on first use (graphql/yoga.ts), so it is asked for only after the measured rows;
    // the production build must still serve it.
    const graphiql = await fetch(`${appUrl}/api/graphql`, { headers: { accept: "text/html" }, signal: AbortSignal.timeout(30_000) });
    const page = await graphiql.text();
    if (graphiql.status !== 200 || !page.includes("<html")) throw new Error(`GraphiQL answered ${graphiql.status}: ${page.slice(0, 300)}`);
    say(`GraphiQL (loaded when first asked for): HTTP ${graphiql.status}, ${(page.length / 1e6).toFixed(1)} MB of HTML`);

    if (profileDir) {
      await next.stop();
      for (const file of (await readdir(profileDir)).filter((name) => name.endsWith(".cpuprofile"))) {
        const profile = JSON.parse(await readFile(path.join(profileDir, file), "utf8"));
        if (profile.samples.length < 1000) continue;
        say(`\n${file}: top self time`);
        for (const line of topFunctions(profile)) say(line);
      }
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error(error));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
