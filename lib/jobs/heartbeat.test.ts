/**
 * A clean stop leaves no warning on the next start: a worker whose heartbeat
 * row outlived it (the database went away before the worker could remove it,
 * as a terminal's Ctrl-C reaches both) held no jobs, so nothing was released
 * on its behalf. (A worker killed while holding a job is lib/jobs/crash.test.ts.)
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import { startTestWorker, type TestWorker } from "@/test/pipeline";

const RELEASED = "released the jobs of workers that stopped sending heartbeats";

function recordingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const quiet = () => {};
  const log: Logger = { debug: quiet, info: quiet, warn: (message: string) => void warnings.push(message), error: quiet, child: () => log };
  return { log, warnings };
}

let worker: TestWorker | null = null;
afterEach(async () => {
  await worker?.close();
  worker = null;
});

async function staleHeartbeat(workerId: string): Promise<void> {
  await asService(
    (sql) => sql`insert into private.worker_heartbeats (worker_id, host, pid, seen_at) values (${workerId}, 'gone', 1, now() - interval '1 hour')`,
  );
}

describe("worker heartbeats on start", () => {
  it("forget a cleanly stopped worker's leftover heartbeat without a warning", async () => {
    const gone = `worker-${randomUUID()}`;
    await staleHeartbeat(gone);
    const { log, warnings } = recordingLog();
    worker = await startTestWorker({ log, lockTimeoutSeconds: 10 });
    expect(warnings).not.toContain(RELEASED);
    const left = await asService((sql) => sql`select 1 from private.worker_heartbeats where worker_id = ${gone}`);
    expect(left).toHaveLength(0);
  });
});
