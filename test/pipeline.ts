/**
 * Helpers for pipeline tests: a worker on this file's database, writers that
 * fail or wait on command, and waiting for a generation to reach a status.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { asService, createPool } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger, type Logger } from "@/lib/log";
import { offlineWriter } from "@/lib/ai/offline";
import { TransientWriterError, type WriteRequest, type Writer } from "@/lib/ai/writer";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker";
import { getLocalStorage } from "@/lib/storage/local/adapter";

export type TestWorker = RunningWorker & { close(): Promise<void> };

export async function startTestWorker(options: { writer?: Writer; concurrency?: number; lockTimeoutSeconds?: number; log?: Logger } = {}): Promise<TestWorker> {
  const url = getEnv().databaseUrl!;
  const db = createPool(url, { max: (options.concurrency ?? 2) + 2 });
  const worker = await startWorker({
    connectionString: url,
    concurrency: options.concurrency ?? 2,
    lockTimeoutSeconds: options.lockTimeoutSeconds ?? 60,
    pipeline: { db, storage: getLocalStorage(), writer: options.writer ?? offlineWriter, retry: { tries: 3, baseDelayMs: 10 } },
    log: options.log ?? logger.child({ source: "test-worker" }),
    pollIntervalMs: 200,
    shutdownGraceMs: 5000,
  });
  return {
    ...worker,
    async close() {
      await worker.stop();
      await db.end({ timeout: 5 });
    },
  };
}

export type GenerationState = {
  status: string;
  deletedAt: Date | null;
  bulletPoints: string[] | null;
  slides: { title: string; body: string; altText?: string }[] | null;
  quote: string | null;
  altText: string | null;
  failureReason: string | null;
  completedAt: Date | null;
};

export async function generationState(id: string): Promise<GenerationState> {
  const [row] = await asService(
    (sql) => sql<GenerationState[]>`
      select status, deleted_at, bullet_points, slides, quote, alt_text, failure_reason, completed_at from generations where id = ${id}`,
  );
  if (!row) throw new Error(`no generation ${id}`);
  return row;
}

/** Polls until the generation's status is one of `statuses`; fails with its last state after the timeout. */
export async function waitForStatus(id: string, statuses: string[], timeoutMs = 20_000): Promise<GenerationState> {
  const deadline = Date.now() + timeoutMs;
  let state = await generationState(id);
  while (!statuses.includes(state.status) && Date.now() < deadline) {
    await sleep(50);
    state = await generationState(id);
  }
  if (!statuses.includes(state.status)) throw new Error(`generation ${id} is ${state.status}, not ${statuses.join("/")}, after ${timeoutMs} ms`);
  return state;
}

/** A writer that records calls and can be told to fail or to wait. */
export class ScriptedWriter implements Writer {
  readonly name = "scripted";
  readonly calls: string[] = [];
  /** Transient failures still to throw, per input text (or "*" for any). */
  transientFailures = new Map<string, number>();
  permanent: string | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;
  private entered: (() => void) | null = null;
  /** Resolves when a call is waiting at the gate. */
  waiting: Promise<void> = Promise.resolve();

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
    this.waiting = new Promise((resolve) => (this.entered = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  async write(request: WriteRequest) {
    this.calls.push(request.inputContent);
    if (this.gate) {
      this.entered?.();
      await this.gate;
    }
    for (const key of [request.inputContent, "*"]) {
      const left = this.transientFailures.get(key) ?? 0;
      if (left > 0) {
        this.transientFailures.set(key, left - 1);
        throw new TransientWriterError("The language model did not answer (HTTP 503): overloaded");
      }
    }
    if (this.permanent) throw new Error(this.permanent);
    return offlineWriter.write(request);
  }
}

export const ARTICLE =
  "Postgres can be a durable job queue for small teams. Graphile Worker claims jobs with SKIP LOCKED, so many workers share one table " +
  "without taking the same job twice. When a worker crashes, its jobs stay locked until another worker notices the missing heartbeat. " +
  "Each generation is written in one transaction, so a crash never leaves half a post behind. Images are rendered on the server with " +
  "satori and resvg, using a font that ships in an npm package. The offline writer picks the most informative sentences, so development " +
  "needs no API key at all. Production uses a real language model through the Vercel AI SDK. Measurements show the queue adds only a few " +
  "milliseconds to every job.";
