/**
 * A generation worker: a graphile-worker pool running the generate_post task
 * (lib/generations/pipeline.ts), plus the heartbeats that bound how long a
 * crashed worker's jobs stay locked.
 *
 * - Concurrency: `concurrency` jobs at once per process; start more
 *   processes (on more machines) to scale out. Each job is claimed once.
 * - stop() (SIGTERM in scripts/worker.ts): takes no new jobs, lets running
 *   ones finish for up to `shutdownGraceMs`, then aborts them; an aborted
 *   generation goes back to `queued` and its job to the queue.
 * - SIGKILL: the pool's heartbeat row stops being refreshed; after
 *   `lockTimeoutSeconds` any other worker releases its jobs with
 *   graphile_worker.force_unlock_workers, and they run again.
 */
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { Logger as GraphileLogger, run, type Runner, type Task, type WorkerEvents } from "graphile-worker";
import pg from "pg";
import { z } from "zod";
import type { Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import { processGeneration, type PipelineDeps } from "@/lib/generations/pipeline";
import { enqueueOrphans, GENERATE_POST_TASK, installQueue } from "@/lib/jobs/queue";
import { sweepOrphanedFiles } from "@/lib/storage/sweep";
import { getEnv } from "@/lib/env";
import { secretBox } from "@/lib/secrets/box";
import { deliverWebhook, DELIVER_WEBHOOK_TASK, pruneWebhookHistory, type DeliveryDeps } from "@/lib/outbound-webhooks/deliver";
import { targetPolicyFor } from "@/lib/outbound-webhooks/endpoints";
import { dropExpiredPreviousSecrets } from "@/lib/outbound-webhooks/secrets";
import { CANVA_SEND_TASK } from "@/lib/canva/send";
import { canvaSendTask } from "@/lib/canva/send-task";
import { CANVA_REVOKE_TASK, canvaRevokeTask } from "@/lib/canva/revoke-task";

/** Removes stored files no live generation owns (lib/storage/sweep.ts); graphile-worker's cron runs it once an hour, on one worker. */
const STORAGE_SWEEP_TASK = "storage_sweep";
const STORAGE_SWEEP_CRONTAB = `17 * * * * ${STORAGE_SWEEP_TASK}`;
/** Deletes outbound webhook history older than 30 days and rotated-out secrets past their window, once a day. */
const WEBHOOK_PRUNE_TASK = "webhook_prune";
const WEBHOOK_PRUNE_CRONTAB = `43 3 * * * ${WEBHOOK_PRUNE_TASK}`;

export type WorkerOptions = {
  /** A session-capable connection (DATABASE_DIRECT_URL): LISTEN/NOTIFY does not pass a transaction pooler. */
  connectionString: string;
  concurrency: number;
  lockTimeoutSeconds: number;
  /** The pipeline's dependencies; db is the service-path pool the pipeline writes through. */
  pipeline: Omit<PipelineDeps, "log">;
  log: Logger;
  /** How long running jobs may finish after stop() before they are aborted (default 20 s). */
  shutdownGraceMs?: number;
  /** Fallback poll when no notification arrives (default 2 s). */
  pollIntervalMs?: number;
  /** How outbound webhooks are sent (default: the configuration's secret box and target policy). */
  webhooks?: Pick<DeliveryDeps, "box" | "policy" | "timeoutMs">;
};

export type RunningWorker = {
  /** graphile-worker's pool id: what locked_by says on this worker's jobs. */
  readonly id: string;
  stop(): Promise<void>;
  /** Settles when the worker has stopped (rejects if it died). */
  readonly done: Promise<void>;
};

const payloadSchema = z.object({ generationId: z.uuid(), userId: z.uuid() });
const deliveryPayloadSchema = z.object({ deliveryId: z.uuid(), attempt: z.number().int().min(1), manual: z.boolean().optional() });

/** How long a closed queue connection waits for a stop request before it is worth a warning. */
const STOP_GRACE_MS = 500;

/**
 * Judges a connection the database ended: `whileStopping` if the worker was
 * asked to stop, else `otherwise`, decided once a stop would have arrived (at
 * once if one has, else after STOP_GRACE_MS). A terminal's Ctrl-C reaches
 * Postgres and this process at once, and Postgres can end our connections a
 * moment before the stop request arrives here.
 */
function afterStopGrace(stopRequested: () => boolean, whileStopping: () => void, otherwise: () => void): void {
  const verdict = () => (stopRequested() ? whileStopping() : otherwise());
  if (stopRequested()) verdict();
  else setTimeout(verdict, STOP_GRACE_MS).unref();
}

// What Postgres and pg say when the server ends a connection (admin shutdown, crash, restart) or it is used after.
const endedConnection = /terminating connection|connection terminated|not queryable|57P0[123]/i;

/**
 * graphile-worker's log lines in ours. Its complaints about a connection the
 * database ended (its listener retrying, an UNLISTEN that cannot run) are
 * judged like our own (startWorker): errors when nobody asked the worker to
 * stop, debug lines when a stop follows within STOP_GRACE_MS, as a
 * terminal's Ctrl-C reaching Postgres and the worker at once does.
 */
function graphileLogger(log: Logger, stopRequested: () => boolean): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...(meta ?? {}) } as Record<string, unknown>;
    const emit = () => {
      if (level === "error") log.error(message, fields);
      else if (level === "warning") log.warn(message, fields);
      else if (level === "info") log.info(message, fields);
      else log.debug(message, fields);
    };
    const { code, message: detail } = (fields.error ?? {}) as { code?: unknown; message?: unknown };
    if ((level !== "error" && level !== "warning") || !endedConnection.test(`${message} ${String(code ?? "")} ${String(detail ?? "")}`)) return emit();
    afterStopGrace(stopRequested, () => log.debug(`${message} (while stopping)`, fields), emit);
  });
}

/** Records a heartbeat for this pool, releases the jobs of pools that went quiet, and counts those that held any. */
async function beat(db: Sql, poolId: string, lockTimeoutSeconds: number): Promise<number> {
  await db`
    insert into private.worker_heartbeats (worker_id, host, pid) values (${poolId}, ${hostname()}, ${process.pid})
    on conflict (worker_id) do update set seen_at = now()`;
  const [row] = await db<{ released: string[] }[]>`
    with dead as (
      delete from private.worker_heartbeats
      where seen_at < now() - make_interval(secs => ${lockTimeoutSeconds})
      returning worker_id
    ), unknown as (
      select distinct j.locked_by as worker_id from graphile_worker.jobs j
      where j.locked_by is not null and j.locked_at < now() - make_interval(secs => ${lockTimeoutSeconds})
        and not exists (
          select 1 from private.worker_heartbeats h
          where h.worker_id = j.locked_by and h.seen_at >= now() - make_interval(secs => ${lockTimeoutSeconds}))
    ), gone as (
      select worker_id from dead union select worker_id from unknown
    )
    -- Only workers that still held jobs count as released: a worker that stopped cleanly holds none, even when the
    -- database went away before it could remove its own heartbeat (a terminal's Ctrl-C reaches Postgres too).
    select array(select g.worker_id from gone g
                 where exists (select 1 from graphile_worker.jobs j where j.locked_by = g.worker_id)) as released,
           graphile_worker.force_unlock_workers(array(select worker_id from gone))`;
  await failAbandonedGenerations(db);
  return row?.released.length ?? 0;
}

/** What a person reads when a worker died on a generation's last attempt. */
const ABANDONED_REASON =
  "The worker making this generation stopped on its last attempt. Nothing was lost: retry it with retryGeneration.";

/**
 * A worker that died during a job's last attempt leaves a job the queue will
 * never run again (attempts = max_attempts) and a generation stuck
 * `processing`. Once the job is released (unlocked), the generation ends
 * `failed` with a reason, so a person can see it and retry it.
 */
async function failAbandonedGenerations(db: Sql): Promise<void> {
  await db`
    update public.generations g
       set status = 'failed', failure_reason = ${ABANDONED_REASON}
      from graphile_worker.jobs j
     where j.key = 'generation:' || g.id::text
       and j.locked_at is null
       and j.attempts >= j.max_attempts
       and g.status = 'processing'`;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const log = options.log;
  const db = options.pipeline.db;
  await installQueue(options.connectionString);
  const orphans = await enqueueOrphans(db);
  if (orphans > 0) log.info("queued generations without a job were given one", { count: orphans });

  const task: Task = async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      log.error("generate_post job with a malformed payload was dropped", { jobId: helpers.job.id, payload });
      return;
    }
    await processGeneration({ ...options.pipeline, log }, parsed.data, {
      attempt: helpers.job.attempts,
      maxAttempts: helpers.job.max_attempts,
      signal: helpers.abortSignal,
    });
  };

  const webhooks: DeliveryDeps = {
    db,
    log: log.child({ source: "outbound-webhooks" }),
    ...(options.webhooks ?? { box: await secretBox(getEnv()), policy: targetPolicyFor(getEnv()) }),
  };
  const deliverTask: Task = async (payload, helpers) => {
    const parsed = deliveryPayloadSchema.safeParse(payload);
    if (!parsed.success) {
      log.error("deliver_webhook job with a malformed payload was dropped", { jobId: helpers.job.id, payload });
      return;
    }
    await deliverWebhook(webhooks, parsed.data);
  };

  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  let poolId: string | null = null;
  events.on("pool:create", ({ workerPool }) => {
    poolId = workerPool.id;
  });

  // Our own pool, so its error handler outlives graphile-worker's: a connection the database ends (a restart,
  // or a terminal's Ctrl-C reaching Postgres before the worker has drained) must not crash the process, and
  // graphile-worker drops its handler while it shuts down.
  const pgPool = new pg.Pool({ connectionString: options.connectionString, max: Math.max(10, options.concurrency + 2) });
  // While stopping, a closed connection is expected (Ctrl-C reaches Postgres too): not worth a warning.
  let stopRequested = false;
  const closed = (error: Error) =>
    afterStopGrace(
      () => stopRequested,
      () => log.debug("a queue connection closed while stopping", { error }),
      () => log.warn("the database closed a queue connection", { error }),
    );
  pgPool.on("error", closed);
  // graphile-worker checks for this too: an error on a checked-out client must not crash the process either.
  pgPool.on("connect", (client) => client.on("error", closed));
  const runner: Runner = await run({
    pgPool,
    concurrency: options.concurrency,
    pollInterval: options.pollIntervalMs ?? 2000,
    noHandleSignals: true,
    taskList: {
      [GENERATE_POST_TASK]: task,
      [DELIVER_WEBHOOK_TASK]: deliverTask,
      [WEBHOOK_PRUNE_TASK]: async () => {
        log.info("webhook history pruned", { messages: await pruneWebhookHistory(db), previousSecrets: await dropExpiredPreviousSecrets(db) });
      },
      [CANVA_SEND_TASK]: canvaSendTask({ storage: options.pipeline.storage, db, log: log.child({ source: "canva-send" }) }),
      [CANVA_REVOKE_TASK]: canvaRevokeTask({ db, log: log.child({ source: "canva-revoke" }) }),
      [STORAGE_SWEEP_TASK]: async () => {
        const swept = await sweepOrphanedFiles({ storage: options.pipeline.storage, db, log: log.child({ source: "storage-sweep" }) });
        log.info("storage sweep done", swept);
      },
    },
    crontab: `${STORAGE_SWEEP_CRONTAB}\n${WEBHOOK_PRUNE_CRONTAB}`,
    logger: graphileLogger(log.child({ source: "graphile-worker" }), () => stopRequested),
    events,
    preset: { worker: { gracefulShutdownAbortTimeout: options.shutdownGraceMs ?? 20_000 } },
  });
  if (!poolId) throw new Error("graphile-worker started without a worker pool");
  const id: string = poolId;

  const beatEveryMs = Math.max(1000, Math.floor((options.lockTimeoutSeconds * 1000) / 4));
  const heartbeat = async () => {
    try {
      const released = await beat(db, id, options.lockTimeoutSeconds);
      if (released > 0) log.warn("released the jobs of workers that stopped sending heartbeats", { workers: released });
    } catch (error) {
      log.error("worker heartbeat failed", { error });
    }
  };
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), beatEveryMs);
  timer.unref();
  log.info("generation worker started", { workerPool: id, concurrency: options.concurrency, writer: options.pipeline.writer.name });

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopRequested = true;
    stopping ??= (async () => {
      clearInterval(timer);
      try {
        await runner.stop();
      } finally {
        await db`delete from private.worker_heartbeats where worker_id = ${id}`.catch(() => {});
        await pgPool.end().catch(() => {});
        log.info("generation worker stopped", { workerPool: id });
      }
    })();
    return stopping;
  };
  const done = runner.promise.finally(() => clearInterval(timer));
  return { id, stop, done };
}
