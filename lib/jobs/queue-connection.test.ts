/**
 * A queue connection the database ends: a warning when nobody asked the
 * worker to stop (a restart, an outage), only a debug line when a stop
 * follows within moments (a terminal's Ctrl-C reaches Postgres and the
 * worker at once, and Postgres may be first).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import { startTestWorker } from "@/test/pipeline";

function capturingLogger(lines: { level: string; message: string }[]): Logger {
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => log };
  return log;
}

/**
 * Ends the worker's LISTEN connection from the database side, as a restart or a fast shutdown would. A worker
 * that has just started may not have sent its LISTEN yet: wait for it, up to 5 s.
 */
async function terminateQueueListener() {
  for (let waited = 0; ; waited += 50) {
    const [row] = await asService((sql) => sql<{ n: number }[]>`
      select count(*)::int as n from (
        select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and query ilike 'LISTEN%' and pid <> pg_backend_pid()) ended`);
    if (row!.n > 0 || waited >= 5000) return row!.n;
    await sleep(50);
  }
}

describe("a queue connection the database ends", () => {
  it("is a warning when no stop follows, and only a debug line when one does within moments", async () => {
    const lines: { level: string; message: string }[] = [];
    const worker = await startTestWorker({ log: capturingLogger(lines) });
    try {
      expect(await terminateQueueListener()).toBeGreaterThan(0);
      await sleep(1000);
      expect(lines.filter((line) => line.message === "the database closed a queue connection").map((line) => line.level)).toEqual(["warn"]);
    } finally {
      await worker.close();
    }

    lines.length = 0;
    const stopped = await startTestWorker({ log: capturingLogger(lines) });
    expect(await terminateQueueListener()).toBeGreaterThan(0);
    await sleep(50);
    await stopped.close();
    await sleep(700);
    expect(lines.some((line) => line.level === "warn" && line.message.includes("queue connection"))).toBe(false);
    // graphile-worker's own complaints about the ended connection (its UNLISTEN fails) are not errors either.
    expect(lines.filter((line) => line.level === "error" || line.level === "warn")).toEqual([]);
    expect(lines.some((line) => line.level === "debug" && line.message === "a queue connection closed while stopping")).toBe(true);
  });
});
