/**
 * The generation pipeline, measured (part of `npm run bench`): end-to-end
 * generations per second through the queue with the offline writer at 1 and
 * 4 concurrent jobs, the same work done inline (processGeneration called
 * directly, no queue) in the same run as the baseline, so the difference is
 * the queue's overhead per job; and render time per carousel slide.
 */
import { setTimeout as sleep } from "node:timers/promises";
import postgres from "postgres";
import { offlineWriter } from "@/lib/ai/offline";
import { createPool } from "@/lib/db/client";
import { processGeneration } from "@/lib/generations/pipeline";
import { startWorker } from "@/lib/jobs/worker";
import { logger } from "@/lib/log";
import { renderSlide } from "@/lib/render/cards";
import { LocalStorage } from "@/lib/storage/local/adapter";

const jobs = Number(process.env.BENCH_PIPELINE_JOBS ?? 24);

const TEXT =
  "Postgres can be a durable job queue for small teams. Workers claim jobs with SKIP LOCKED, so many of them share one " +
  "table without taking the same job twice. Each generation is written in one transaction, so a crash never leaves half " +
  "a post behind. Images are rendered on the server from a font that ships in an npm package. The offline writer picks " +
  "the most informative sentences, so development needs no key. Measurements keep the queue honest.";

export async function pipelineBench(databaseUrl: string, dataDir: string): Promise<void> {
  const setup = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const [user] = await setup<{ id: string }[]>`
    insert into users (auth_id, email) values ('user_2benchpipeline', 'pipeline@example.com') returning id`;
  const userId = user!.id;
  const db = createPool(databaseUrl, { max: 8 });
  const storage = new LocalStorage({ dataDir, appUrl: "http://localhost:3000", db });
  const log = logger.child({ source: "bench" });

  const insert = async (count: number, tag: string) => {
    const rows = await setup<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format)
      select ${userId}, ${tag} || ' ' || g || '. ' || ${TEXT}, 'bullet_points' from generate_series(1, ${count}) g
      returning id`;
    return rows.map((row) => row.id);
  };

  const inline = async (concurrency: number) => {
    const ids = await insert(jobs, `inline-${concurrency}`);
    // The trigger queued them; this run does the work itself, so take the jobs back out.
    await setup`select graphile_worker.remove_job('generation:' || id::text) from unnest(${ids}::uuid[]) as id`;
    const queue = [...ids];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          await processGeneration({ db, storage, writer: offlineWriter, log }, { generationId: id, userId }, { attempt: 1, maxAttempts: 5 });
        }
      }),
    );
    return (performance.now() - started) / 1000;
  };

  const queued = async (concurrency: number) => {
    const worker = await startWorker({
      connectionString: databaseUrl,
      concurrency,
      lockTimeoutSeconds: 60,
      pipeline: { db, storage, writer: offlineWriter },
      log,
      pollIntervalMs: 1000,
    });
    try {
      // Warm the worker (fonts, connections) before timing.
      const [warm] = await insert(1, `warm-${concurrency}`);
      while ((await setup`select 1 from generations where id = ${warm!} and status = 'completed'`).length === 0) await sleep(10);
      const started = performance.now();
      const ids = await insert(jobs, `queued-${concurrency}`);
      for (;;) {
        const [row] = await setup<{ left: number }[]>`
          select count(*)::int as left from generations where id = any(${ids}::uuid[]) and status <> 'completed'`;
        if (row!.left === 0) break;
        await sleep(5);
      }
      return (performance.now() - started) / 1000;
    } finally {
      await worker.stop();
    }
  };

  console.log(`pipeline: ${jobs} BULLET_POINTS generations per row, offline writer, 1080x1350 card each`);
  // One untimed inline pass loads the fonts and warms the pool.
  await inline(1);
  for (const concurrency of [1, 4]) {
    const direct = await inline(concurrency);
    const viaQueue = await queued(concurrency);
    // Wall-clock time the queue adds per generation (enqueue, claim, complete), against the same work inline.
    const overheadMs = ((viaQueue - direct) * 1000) / jobs;
    console.log(
      `pipeline x${concurrency}: inline ${(jobs / direct).toFixed(2).padStart(6)} gen/s   queue ${(jobs / viaQueue).toFixed(2).padStart(6)} gen/s   ` +
        `queue overhead ${overheadMs.toFixed(1)} ms/job`,
    );
  }

  const slide = { title: "Postgres durable job queue", body: "Workers claim jobs with SKIP LOCKED, so many of them share one table without taking the same job twice." };
  const rounds = 12;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await renderSlide(slide, i % 6, 6);
  console.log(`render: ${((performance.now() - started) / rounds).toFixed(1)} ms per 1080x1350 slide (satori + sharp, ${rounds} slides)`);

  await db.end({ timeout: 5 });
  await setup.end({ timeout: 5 });
}
