/**
 * `npm run bench` (part three): outbound webhooks end to end. On an embedded
 * PostgreSQL 17 started here, generations move processing -> completed in
 * one statement; the trigger queues a signed delivery per event, a worker
 * (deliver_webhook, WORKER concurrency 4 and 1) sends them over loopback
 * HTTP to a receiver that verifies every signature with `standardwebhooks`.
 *
 * Prints events per second delivered (from the status change's commit to
 * the last verified receipt) for a burst of BENCH_WEBHOOK_EVENTS (300), and
 * the latency of single events sent one at a time (p50, p99: from the
 * commit to the verified receipt).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { Webhook } from "standardwebhooks";
import { median } from "@/bench/measure";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { freePort } from "@/test/ports";

const burst = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 300);
const singles = 30;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

async function main() {
  const dir = await mkdtemp(path.join(tmpdir(), "postora-bench-webhooks-"));
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), ephemeral: true });
  try {
    await migrate(db.url());
    process.env.DATABASE_URL = db.url();
    process.env.POSTORA_DATA_DIR = dir;
    process.env.LOG_LEVEL = "silent";
    const { createPool } = await import("@/lib/db/client");
    const { getEnv } = await import("@/lib/env");
    const { logger } = await import("@/lib/log");
    const { secretBox } = await import("@/lib/secrets/box");
    const { startWorker } = await import("@/lib/jobs/worker");
    const { offlineWriter } = await import("@/lib/ai/offline");
    const { LocalStorage } = await import("@/lib/storage/local/adapter");
    const { endpointSecretContext, newSigningSecret } = await import("@/lib/outbound-webhooks/secrets");

    let verified = 0;
    let rejected = 0;
    const arrivals: number[] = [];
    const secret = newSigningSecret();
    const verifier = new Webhook(secret);
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        try {
          verifier.verify(Buffer.concat(chunks).toString("utf8"), request.headers as Record<string, string>);
          verified += 1;
          arrivals.push(performance.now());
          response.writeHead(204).end();
        } catch {
          rejected += 1;
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const setup = postgres(db.url(), { max: 1, onnotice: () => {} });
    const [user] = await setup<{ id: string }[]>`insert into users (auth_id, email, tier) values ('user_2benchhooks', 'hooks@example.com', 'business') returning id`;
    const endpointId = (await setup<{ id: string }[]>`select gen_random_uuid() as id`)[0]!.id;
    const sealed = (await secretBox(getEnv())).seal(secret, endpointSecretContext(endpointId));
    await setup`insert into webhook_endpoints (id, user_id, url, events, secret_sealed) values (${endpointId}, ${user!.id}, ${url}, '{generation.completed}', ${sealed})`;

    // Generations already processing (no pipeline job), so only the status change makes work.
    const processing = (count: number) =>
      setup<{ id: string }[]>`
        insert into generations (user_id, input_content, output_format, status)
        select ${user!.id}, 'bench ' || g, 'bullet_points', 'processing' from generate_series(1, ${count}) g returning id`.then((rows) => rows.map((row) => row.id));
    const complete = (ids: string[]) =>
      setup`update generations set status = 'completed', completed_at = now(), bullet_points = '["one", "two"]' where id = any(${ids}::uuid[])`;
    const until = async (count: number) => {
      while (verified < count) await sleep(1);
    };

    console.log(`webhooks: node ${process.version}, PostgreSQL 17 embedded, receiver on loopback verifying each with standardwebhooks`);
    for (const concurrency of [4, 1]) {
      const pool = createPool(db.url(), { max: concurrency + 2 });
      const worker = await startWorker({
        connectionString: db.url(),
        concurrency,
        lockTimeoutSeconds: 60,
        pipeline: { db: pool, storage: new LocalStorage({ dataDir: dir, appUrl: "http://localhost:3000", db: pool }), writer: offlineWriter },
        log: logger.child({ source: "bench" }),
        pollIntervalMs: 1000,
        webhooks: { box: await secretBox(getEnv()), policy: { allowLocalhost: true } },
      });
      try {
        await complete(await processing(5));
        await until(verified - (verified % 5) + 5);
        const ids = await processing(burst);
        const base = verified;
        const started = performance.now();
        const cpu = process.cpuUsage();
        await complete(ids);
        await until(base + burst);
        const seconds = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        // CPU of this one process (worker, receiver and driver together) per event: steadier than events/s on a busy machine.
        const cpuMs = (used.user + used.system) / 1000 / burst;

        const latencies: number[] = [];
        for (const id of await processing(singles)) {
          const before = verified;
          const sent = performance.now();
          await complete([id]);
          await until(before + 1);
          latencies.push(arrivals.at(-1)! - sent);
        }
        console.log(
          `webhooks x${concurrency}: ${burst} events ${(burst / seconds).toFixed(0).padStart(5)} events/s delivered, ${cpuMs.toFixed(1)} ms CPU/event   ` +
            `single event p50 ${median(latencies).toFixed(1)} ms  p99 ${percentile(latencies, 0.99).toFixed(1)} ms (${singles} events)`,
        );
      } finally {
        await worker.stop();
        await pool.end({ timeout: 5 });
      }
    }
    if (rejected > 0) throw new Error(`${rejected} deliveries failed verification`);
    await setup.end({ timeout: 5 });
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  } finally {
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
