/**
 * `npm run dev` as a person uses it: on a machine with no DATABASE_URL it
 * starts the embedded Postgres, migrates, serves GraphQL over real HTTP, stops
 * cleanly on Ctrl-C with no process left behind, and reuses its data next time.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnDev } from "@/test/dev-server";
import { freePort } from "@/test/ports";

const root = path.resolve(import.meta.dirname, "..");
let dataDir = "";
const distDir = `.next-test-dev-${process.pid}`;
// Next.js adds its build folders to the tsconfig it uses; give it a throwaway one.
const tsconfig = `${distDir}.tsconfig.json`;

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await rm(path.join(root, distDir), { recursive: true, force: true });
  await rm(path.join(root, tsconfig), { force: true });
});

function processesMentioning(text: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes(text) && !line.includes("ps -eo"));
}

/** The processes still mentioning `text` once those on their way out have had a few seconds to go. */
async function processesLeft(text: string): Promise<string[]> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && processesMentioning(text).length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  return processesMentioning(text);
}

async function startDev(port: number, dbPort: number) {
  const { child, output } = spawnDev({ port, dbPort, dataDir, distDir, tsconfig });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  let answer: unknown = null;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ health { ok databaseRole } }" }),
      });
      if (response.ok) {
        answer = await response.json();
        break;
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const graphiql = await fetch(`http://127.0.0.1:${port}/api/graphql`, { headers: { accept: "text/html" } }).then((r) => r.text(), () => "");
  const stop = async () => {
    process.kill(-child.pid!, "SIGINT");
    return exited;
  };
  return { answer, graphiql, stop, output };
}

describe("npm run dev on embedded defaults", () => {
  it("starts Postgres and Next.js, answers GraphQL, stops cleanly, and reuses its data", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "postora-dev-"));
    await writeFile(path.join(root, tsconfig), JSON.stringify({ extends: "./tsconfig.json" }));
    const [port, dbPort] = [await freePort(), await freePort()];

    const first = await startDev(port, dbPort);
    expect(first.answer, first.output()).toEqual({ data: { health: { ok: true, databaseRole: "anon" } } });
    expect(first.graphiql).toContain("<title>Postora API</title>");
    expect(first.output()).toMatch(/initialising a new PostgreSQL 17 cluster/);
    expect(first.output()).toMatch(/migration\(s\) applied/);

    // What a client does with it over HTTP, and GraphiQL in a browser, are tested against the run's shared
    // `npm run dev` (scripts/dev-journey.test.ts, app/graphiql.test.ts): this file is about starting and stopping.
    expect(await first.stop()).toBe(130);
    expect(await processesLeft(dataDir), first.output()).toEqual([]);
    expect(await processesLeft(distDir), first.output()).toEqual([]);

    const second = await startDev(port, dbPort);
    expect(second.answer, second.output()).toEqual({ data: { health: { ok: true, databaseRole: "anon" } } });
    expect(second.output()).not.toMatch(/initialising/);
    expect(second.output()).toMatch(/database schema is up to date/);
    expect(await second.stop()).toBe(130);
    expect(await processesLeft(dataDir), second.output()).toEqual([]);
  }, 240_000);
});
