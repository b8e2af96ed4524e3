/**
 * `npm run dev` as a person uses it: on a machine with no DATABASE_URL it
 * starts the embedded Postgres and migrates, stops on Ctrl-C with exit code
 * 130, and reuses its data next time. However it ends, nothing it started
 * keeps running: Ctrl-C, a closed terminal (SIGHUP to its process group), and
 * dev.ts itself killed with SIGKILL (no handler runs; its watchdog cleans up)
 * all end `next dev`, which runs in a process group of its own, and the
 * embedded Postgres.
 *
 * One data folder and one build folder for the file: the later starts are the
 * restarts a person makes, on data the first one made. What a started dev
 * serves (GraphQL, GraphiQL, pages, the worker) is tested against the run's
 * shared `npm run dev` (scripts/dev-journey.test.ts, app/*.test.ts), so these
 * starts stop as soon as Next.js and Postgres listen, before Next.js compiles
 * a route.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnDev } from "@/test/dev-server";
import { freePort } from "@/test/ports";

const root = path.resolve(import.meta.dirname, "..");
let dataDir = "";
const distDir = `.next-test-dev-${process.pid}`;
// Next.js adds its build folders to the tsconfig it uses; give it a throwaway one.
const tsconfig = `${distDir}.tsconfig.json`;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "postora-dev-"));
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

/** `tsx scripts/dev.ts` in its own process group (as a terminal starts it), once Next.js and Postgres listen. */
async function startDev() {
  const [port, dbPort] = [await freePort(), await freePort()];
  const { child: tsxCli, output } = spawnDev({ port, dbPort, dataDir, distDir, tsconfig });
  const exited = new Promise<number | null>((resolve) => tsxCli.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && tsxCli.exitCode === null && !(await listening(port))) await sleep(300);
  expect(await listening(port), output()).toBe(true);
  expect(await listening(dbPort), output()).toBe(true);
  return { tsxCli, exited, port, dbPort, output };
}

type Dev = Awaited<ReturnType<typeof startDev>>;

async function expectNothingLeft(dev: Dev) {
  const deadline = Date.now() + 20_000;
  const left = async () => ({
    next: await listening(dev.port),
    postgres: await listening(dev.dbPort),
    processes: [...processesMentioning(dataDir), ...processesMentioning(`--port ${dev.port}`), ...processesMentioning(distDir)],
  });
  while (Date.now() < deadline) {
    const now = await left();
    if (!now.next && !now.postgres && now.processes.length === 0) break;
    await sleep(300);
  }
  expect(await left(), dev.output()).toEqual({ next: false, postgres: false, processes: [] });
}

describe("npm run dev on embedded defaults", () => {
  it("starts Postgres and Next.js, stops on Ctrl-C, and reuses its data until its terminal closes", async () => {
    const first = await startDev();
    expect(first.output()).toMatch(/initialising a new PostgreSQL 17 cluster/);
    expect(first.output()).toMatch(/migration\(s\) applied/);
    process.kill(-first.tsxCli.pid!, "SIGINT");
    expect(await first.exited, first.output()).toBe(130);
    await expectNothingLeft(first);

    const second = await startDev();
    expect(second.output()).not.toMatch(/initialising/);
    expect(second.output()).toMatch(/database schema is up to date/);
    process.kill(-second.tsxCli.pid!, "SIGHUP");
    await expectNothingLeft(second);
  }, 240_000);

  it("ends everything when dev.ts itself is killed with SIGKILL", async () => {
    const dev = await startDev();
    // tsx's CLI runs dev.ts in a child process of its own.
    const devPid = Number(execFileSync("ps", ["-o", "pid=", "--ppid", String(dev.tsxCli.pid)], { encoding: "utf8" }).trim().split("\n")[0]);
    expect(devPid).toBeGreaterThan(0);
    process.kill(devPid, "SIGKILL");
    await expectNothingLeft(dev);
  }, 180_000);
});
