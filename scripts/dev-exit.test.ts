/**
 * `npm run dev` leaves nothing running however it ends, not only on Ctrl-C
 * (dev.test.ts): a closed terminal (SIGHUP to its process group) and dev.ts
 * itself killed with SIGKILL (no handler runs; its watchdog cleans up) both
 * end `next dev`, which runs in a process group of its own, and the
 * embedded Postgres.
 */
import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnDev } from "@/test/dev-server";
import { freePort } from "@/test/ports";

const root = path.resolve(import.meta.dirname, "..");
let dataDir = "";
const distDir = `.next-test-dev-exit-${process.pid}`;
const tsconfig = `${distDir}.tsconfig.json`;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "postora-dev-exit-"));
  await writeFile(path.join(root, tsconfig), JSON.stringify({ extends: "./tsconfig.json" }));
});

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await rm(path.join(root, distDir), { recursive: true, force: true });
  await rm(path.join(root, tsconfig), { force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function processesMentioning(text: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes(text) && !line.includes("ps -eo"));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts `tsx scripts/dev.ts` in its own process group (as a terminal would) and waits until Next.js listens. */
async function startDev() {
  const [port, dbPort] = [await freePort(), await freePort()];
  const { child: tsxCli, output } = spawnDev({ port, dbPort, dataDir, distDir, tsconfig });
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && !(await listening(port))) await sleep(300);
  expect(await listening(port), output()).toBe(true);
  expect(await listening(dbPort), output()).toBe(true);
  // tsx's CLI runs dev.ts in a child process of its own.
  const devPid = Number(execFileSync("ps", ["-o", "pid=", "--ppid", String(tsxCli.pid)], { encoding: "utf8" }).trim().split("\n")[0]);
  expect(devPid).toBeGreaterThan(0);
  return { tsxCli, devPid, port, dbPort, output };
}

async function expectNothingLeft(dev: { port: number; dbPort: number; output: () => string }) {
  const deadline = Date.now() + 20_000;
  const left = async () => ({
    next: await listening(dev.port),
    postgres: await listening(dev.dbPort),
    processes: [...processesMentioning(dataDir), ...processesMentioning(`--port ${dev.port}`)],
  });
  while (Date.now() < deadline) {
    const now = await left();
    if (!now.next && !now.postgres && now.processes.length === 0) break;
    await sleep(300);
  }
  expect(await left(), dev.output()).toEqual({ next: false, postgres: false, processes: [] });
}

describe("npm run dev ends everything it started", () => {
  it("when its terminal closes (SIGHUP to the process group)", async () => {
    const dev = await startDev();
    process.kill(-dev.tsxCli.pid!, "SIGHUP");
    await expectNothingLeft(dev);
  }, 180_000);

  it("when dev.ts itself is killed with SIGKILL", async () => {
    const dev = await startDev();
    process.kill(dev.devPid, "SIGKILL");
    await expectNothingLeft(dev);
  }, 180_000);
});
