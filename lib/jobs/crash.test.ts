/**
 * `npm run worker` as a real process: SIGTERM lets the job in flight finish
 * and exits 0 with no process left; SIGKILL mid-job leaves the job locked by
 * a dead worker, which another worker releases once the heartbeat goes
 * quiet, and the generation then completes exactly once (or, on its last
 * attempt, ends failed with a reason a retry clears).
 */
import { spawn, execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { insertGeneration } from "@/lib/generations/generations";
import { ARTICLE, generationState, ScriptedWriter, startTestWorker, waitForStatus } from "@/test/pipeline";
import { seedUser, type SeededUser } from "@/test/support";

const root = path.resolve(import.meta.dirname, "../..");
let person: SeededUser;

function startWorkerProcess() {
  // What `npm run worker` runs: one node process with tsx's loader.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: root,
    detached: true,
    env: { ...process.env, DATABASE_URL: getEnv().databaseUrl!, POSTORA_DATA_DIR: getEnv().dataDir, WORKER_CONCURRENCY: "1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    while (!output.includes("running") && Date.now() < deadline && child.exitCode === null) await sleep(50);
    if (!output.includes("running")) throw new Error(`worker did not start:\n${output}`);
  })();
  return { child, exited, ready, output: () => output };
}

const processesInGroup = (pgid: number) =>
  execFileSync("ps", ["-eo", "pgid=,pid="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([group]) => Number(group) === pgid);

async function carousel(input: string) {
  return (await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: input, outputFormat: "carousel" }))).id;
}

beforeAll(async () => {
  // Business tier: these tests make more generations than the free tier's monthly quota.
  person = await seedUser({ tier: "business" });
});

afterAll(async () => {
  await asService((sql) => sql`delete from private.worker_heartbeats`);
});

describe("npm run worker", () => {
  it("on SIGTERM finishes the job in flight, exits 0 and leaves no process", async () => {
    const worker = startWorkerProcess();
    await worker.ready;
    const id = await carousel(`${ARTICLE} Drained on SIGTERM.`);
    await waitForStatus(id, ["processing"], 30_000);
    process.kill(-worker.child.pid!, "SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect((await generationState(id)).status).toBe("completed");
    expect(processesInGroup(worker.child.pid!)).toEqual([]);
  }, 90_000);

  it("killed mid-job (SIGKILL): another worker picks the job up after the heartbeat goes quiet and completes it once", async () => {
    const worker = startWorkerProcess();
    await worker.ready;
    const input = `${ARTICLE} Killed mid-job.`;
    const id = await carousel(input);
    await waitForStatus(id, ["processing"], 30_000);
    process.kill(-worker.child.pid!, "SIGKILL");
    await worker.exited;
    const [locked] = await asService((sql) => sql<{ lockedBy: string | null }[]>`
      select locked_by from graphile_worker.jobs where key = ${`generation:${id}`}`);
    expect(locked?.lockedBy).toBeTruthy();
    expect((await generationState(id)).status).toBe("processing");

    const writer = new ScriptedWriter();
    const rescuer = await startTestWorker({ writer, lockTimeoutSeconds: 2 });
    try {
      const done = await waitForStatus(id, ["completed", "failed"], 30_000);
      expect(done.status).toBe("completed");
      expect(done.slides).toHaveLength(6);
      expect(writer.calls.filter((call) => call === input)).toHaveLength(1);
      const [jobs] = await asService((sql) => sql<{ count: number }[]>`
        select count(*)::int as count from graphile_worker.jobs where key = ${`generation:${id}`}`);
      expect(jobs!.count).toBe(0);
    } finally {
      await rescuer.close();
    }
  }, 120_000);

  it("killed on the job's last attempt: the generation ends FAILED with a reason, and a retry completes it", async () => {
    const worker = startWorkerProcess();
    await worker.ready;
    const input = `${ARTICLE} Killed on the last attempt.`;
    const id = await carousel(input);
    await waitForStatus(id, ["processing"], 30_000);
    // As if four earlier attempts had failed: this one is the last the queue will make. Only this test
    // writes the queue's own table, to stage that state; nothing in lib/ touches it (it reads the jobs view).
    await asService((sql) => sql`update graphile_worker._private_jobs set attempts = max_attempts where key = ${`generation:${id}`}`);
    process.kill(-worker.child.pid!, "SIGKILL");
    await worker.exited;

    const writer = new ScriptedWriter();
    const rescuer = await startTestWorker({ writer, lockTimeoutSeconds: 2 });
    try {
      const failed = await waitForStatus(id, ["completed", "failed"], 30_000);
      expect(failed.status).toBe("failed");
      expect(failed.failureReason).toMatch(/stopped on its last attempt.*retryGeneration/);
      expect(writer.calls).toHaveLength(0);
      await withUser(person.identity, (sql) => sql`update generations set status = 'queued' where id = ${id}`);
      const done = await waitForStatus(id, ["completed", "failed"], 30_000);
      expect(done.status).toBe("completed");
      expect(writer.calls.filter((call) => call === input)).toHaveLength(1);
    } finally {
      await rescuer.close();
    }
  }, 120_000);
});
