/**
 * One `npm run dev` for every browser test file of a run. Starting next dev
 * (compiling pages, an embedded Postgres, the worker) costs far more than any
 * page test, so the run's main process (global-setup.ts) starts it on the
 * first file's request and stops it at the end. Test files ask for it over a
 * loopback HTTP endpoint, since they run in processes of their own; each
 * signs in as its own fresh users, so they share it safely.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inject } from "vitest";
import { startDevServer, type DevServer } from "@/test/dev-server";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where a test file asks for the run's shared dev server (see sharedDevServer()). */
    devServerBroker: string;
  }
}

type Answer = { state: "starting" } | { state: "failed"; error: string } | { state: "running"; server: Omit<DevServer, "output" | "stop"> };

/** In the run's main process: the endpoint that starts the shared dev server on the first request. */
export async function startDevServerBroker(): Promise<{ url: string; close: () => Promise<void> }> {
  let server: DevServer | undefined;
  let answer: Answer | undefined;
  let starting: Promise<void> | undefined;
  const start = () =>
    (starting ??= startDevServer().then(
      (started) => {
        server = started;
        const { port, origin, databaseUrl, dataDir, logFile } = started;
        answer = { state: "running", server: { port, origin, databaseUrl, dataDir, logFile } };
      },
      (error: unknown) => {
        answer = { state: "failed", error: (error as Error).message };
      },
    ));
  const http = createServer((request, response) => {
    void start();
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(answer ?? { state: "starting" }));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    async close() {
      await new Promise((resolve) => http.close(resolve));
      await starting;
      await server?.stop();
    },
  };
}

/**
 * In a test file: the run's shared dev server, started by whichever file asks
 * first. Its stop() leaves it running for the other files (the run stops it).
 */
export async function sharedDevServer(): Promise<DevServer> {
  const broker = inject("devServerBroker");
  for (;;) {
    const answer = (await (await fetch(broker)).json()) as Answer;
    if (answer.state === "failed") throw new Error(answer.error);
    if (answer.state === "running") {
      const { server } = answer;
      return { ...server, output: () => readFileSync(server.logFile, "utf8"), stop: async () => null };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
