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
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { signJwt } from "@clerk/backend/jwt";
import postgres from "postgres";
import { load, medianRow, topFunctions, type Row } from "@/bench/load";
import { postgresCpuSeconds, startProcess, waitFor, watchRss } from "@/bench/processes";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { freePort } from "@/test/ports";

const root = path.resolve(import.meta.dirname, "..");
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const levels = (process.env.BENCH_CONNECTIONS ?? "10,40").split(",").map(Number);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
// Which rows to run (all by default): a profile of one kind of request alone is easier to read.
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const runs = (row: "list" | "create" | "route" | "node" | "typename" | "listget") => (row === "typename" || row === "listget" ? !!only?.has(row) : !only || only.has(row));
const USERS = 300;
// Enough that every list request reads a full page (first: 20), in every round alike.
const GENERATIONS_PER_USER = 25;

const LIST = `query List { viewer { generations(first: 20) { edges { node { id status outputFormat createdAt } } } } }`;
const CREATE = `mutation Create { createGeneration(input: { inputContent: "A benchmark post about speed", outputFormat: CAROUSEL }) { generation { id } upload { url } } }`;

const say = (line: string) => console.log(line);

/** Messages (round trips; one may hold several statements) each kind of request sends to Postgres, counted in process on the same code and database. */
async function statementsPerRequest(env: NodeJS.ProcessEnv, token: string) {
  // Statements are observed only outside production (lib/db/client.ts onQuery); the server under load runs as production.
  Object.assign(process.env, env, { NODE_ENV: "development" });
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

    say(`load average at the start: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    say(`node ${process.version}, ${counts!.users} users, ${counts!.generations} generations, ${seconds} s per row after a 2 s warm-up (and a ${warmupSeconds} s unrecorded run of each row first), ${rounds} interleaved rounds (medians), ${USERS} rotating Bearer tokens (another ${USERS} for createGeneration), a full page (20) per list request`);
    type Measure = () => Promise<Row>;
    const measuresAt = (connections: number, seconds: number): Measure[] => {
      const measures: Measure[] = [];
      if (runs("list")) measures.push(() => load("graphql list (viewer.generations first 20)", connections, { url: `${appUrl}/api/graphql`, method: "POST", body: JSON.stringify({ query: LIST }), tokens, seconds }, nextRss, next.child.pid!, databaseCpu));
      if (runs("listget")) measures.push(() => load("graphql list, GET", connections, { url: `${appUrl}/api/graphql?query=${encodeURIComponent(LIST)}`, tokens, seconds }, nextRss, next.child.pid!, databaseCpu));
      if (runs("typename")) measures.push(() => load("graphql { __typename } with a token", connections, { url: `${appUrl}/api/graphql`, method: "POST", body: JSON.stringify({ query: "{ __typename }" }), tokens, seconds }, nextRss, next.child.pid!, databaseCpu));
      if (runs("create")) measures.push(() => load("graphql createGeneration", connections, { url: `${appUrl}/api/graphql`, method: "POST", body: JSON.stringify({ query: CREATE }), tokens: creatorTokens, seconds }, nextRss, next.child.pid!, databaseCpu));
      if (runs("route")) measures.push(() => load("limit: bare route handler, same build", connections, { url: `${appUrl}/api/bench/limit`, tokens, seconds }, nextRss, next.child.pid!, databaseCpu));
      if (runs("node")) measures.push(() => load("limit: bare node:http, same driver", connections, { url: `http://127.0.0.1:${barePort}/`, tokens, seconds }, bareRss, bare.child.pid!, databaseCpu));
      return measures;
    };
    // A freshly started server compiles its hot paths during its first seconds of load: every row gets a short,
    // unrecorded run first, so no row pays for the server's warm-up alone (the first row used to).
    for (const measure of measuresAt(levels[0]!, warmupSeconds)) await measure();
    const rows: Row[] = [];
    for (const connections of levels) {
      const measures = measuresAt(connections, seconds);
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
      if (!list || !route) continue;
      say(
        `${connections} conns: list/bare-route ${(list.rps / route.rps).toFixed(2)}x throughput, p99 ${(list.p99 / route.p99).toFixed(2)}x, CPU/req ${(list.cpuMsPerRequest / route.cpuMsPerRequest).toFixed(2)}x` +
          (node ? `; list/bare-node ${(list.rps / node.rps).toFixed(2)}x, p99 ${(list.p99 / node.p99).toFixed(2)}x` : ""),
      );
    }
    say(`SQL messages (round trips) per request: list ${statements.list}, createGeneration ${statements.create}, limits ${statements.limit}`);
    say(`peak RSS of next-server's process tree under load: ${Math.max(...rows.filter((r) => !r.name.includes("node:http")).map((r) => r.rssMiB)).toFixed(0)} MiB`);

    // GraphiQL's bundle is imported on first use (graphql/yoga.ts), so it is asked for only after the measured rows;
    // the production build must still serve it.
    const graphiql = await fetch(`${appUrl}/api/graphql`, { headers: { accept: "text/html" }, signal: AbortSignal.timeout(120_000) });
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
