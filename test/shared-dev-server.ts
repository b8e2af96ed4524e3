/**
 * One `npm run dev` and one Chromium for every browser test file of a run.
 * Starting next dev (compiling pages, an embedded Postgres, the worker) costs
 * far more than any page test, and a browser launch more than most, so the
 * run's main process (global-setup.ts) starts each on the first file's
 * request and stops it at the end. Test files ask for them over a loopback
 * HTTP endpoint, since they run in processes of their own; each signs in as
 * its own fresh users in browser contexts of its own, so they share safely.
 * The same endpoint has the server compile each page a file needs once per
 * run (`next dev` compiles a page on its first request).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inject } from "vitest";
import { launchChromiumServer } from "@/test/browser";
import { startDevServer, type DevServer } from "@/test/dev-server";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where a test file asks for the run's shared dev server and browser (see sharedDevServer()). */
    devServerBroker: string;
  }
}

type Answer<T> = { state: "starting" } | { state: "failed"; error: string } | { state: "running"; server: T };
type SharedDevServer = Omit<DevServer, "output" | "stop">;
type SharedBrowser = { wsEndpoint: string };

/** Something started on the first ask, answered as "starting" until it runs, and stopped with the run. */
function startedOnFirstAsk<T, Running extends { stop: () => Promise<unknown> }>(start: () => Promise<Running>, describe: (running: Running) => T) {
  let running: Running | undefined;
  let answer: Answer<T> | undefined;
  let starting: Promise<void> | undefined;
  return {
    ask(): Answer<T> {
      starting ??= start().then(
        (started) => {
          running = started;
          answer = { state: "running", server: describe(started) };
        },
        (error: unknown) => {
          answer = { state: "failed", error: (error as Error).message };
        },
      );
      return answer ?? { state: "starting" };
    },
    async stop() {
      await starting;
      await running?.stop();
    },
  };
}

/**
 * In the run's main process: the endpoint that starts the shared dev server (/) and browser (/browser) when first
 * asked, and has the dev server compile a page once (/compile?page=/account).
 */
export async function startDevServerBroker(): Promise<{ url: string; close: () => Promise<void> }> {
  const devServer = startedOnFirstAsk(startDevServer, ({ port, origin, databaseUrl, dataDir, logFile }): SharedDevServer => ({ port, origin, databaseUrl, dataDir, logFile }));
  const browser = startedOnFirstAsk(launchChromiumServer, ({ wsEndpoint }): SharedBrowser => ({ wsEndpoint }));
  // `next dev` compiles a page on its first request; each page is asked for once per run, not once per file. A request
  // that fails is forgotten, so the next file asks again, and this file is told (askBroker throws).
  const compiled = new Map<string, Promise<void>>();
  const compile = (origin: string, page: string) => {
    const compiling = compiled.get(page) ?? fetch(new URL(page, origin)).then((answer) => answer.arrayBuffer()).then(() => undefined);
    compiled.set(page, compiling);
    compiling.catch(() => compiled.delete(page));
    return compiling;
  };
  const http = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://broker");
    const reply = (answer: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(answer));
    };
    if (url.pathname === "/browser") return reply(browser.ask());
    const answer = devServer.ask();
    const page = url.pathname === "/compile" ? url.searchParams.get("page") : null;
    if (!page || answer.state !== "running") return reply(answer);
    void compile(answer.server.origin, page).then(
      () => reply(answer),
      (error: unknown) => reply({ state: "failed", error: `Asking ${page} of the shared dev server failed: ${(error as Error).message}` }),
    );
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    async close() {
      await new Promise((resolve) => http.close(resolve));
      await browser.stop();
      await devServer.stop();
    },
  };
}

async function askBroker<T>(path: string): Promise<T> {
  const broker = new URL(path, inject("devServerBroker"));
  for (;;) {
    const answer = (await (await fetch(broker)).json()) as Answer<T>;
    if (answer.state === "failed") throw new Error(answer.error);
    if (answer.state === "running") return answer.server;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * In a test file: the run's shared dev server, started by whichever file asks
 * first. Its stop() leaves it running for the other files (the run stops it).
 */
export async function sharedDevServer(): Promise<DevServer> {
  const server = await askBroker<SharedDevServer>("/");
  return { ...server, output: () => readFileSync(server.logFile, "utf8"), stop: async () => null };
}

/** In a test file: the page (or route) compiled by the run's shared dev server, by whichever file asked for it first. */
export async function compiledOnce(page: string): Promise<void> {
  await askBroker<SharedDevServer>(`/compile?page=${encodeURIComponent(page)}`);
}

/** In a test file: where to connect (chromium.connect) to the run's Chromium, launched by whichever file asks first. */
export async function sharedBrowserEndpoint(): Promise<string> {
  return (await askBroker<SharedBrowser>("/browser")).wsEndpoint;
}
