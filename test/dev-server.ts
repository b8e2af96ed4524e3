/**
 * `npm run dev` started as a person starts it, for tests that need the whole
 * app over real HTTP (pages, GraphQL, storage, the worker): its own data
 * folder, free ports, and a throwaway Next.js build folder and tsconfig.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { freePort } from "@/test/ports";

const root = path.resolve(import.meta.dirname, "..");

export type DevServer = {
  port: number;
  origin: string;
  /** The embedded database's admin URL (for checks a test makes behind the app's back). */
  databaseUrl: string;
  dataDir: string;
  output: () => string;
  /** The file its output also goes to, for processes other than the one that started it. */
  logFile: string;
  /** Ctrl-C, then removes everything the server wrote; resolves with its exit code. */
  stop: () => Promise<number | null>;
};

export type DevProcessOptions = {
  port: number;
  dbPort: number;
  dataDir: string;
  /** The Next.js build folder (NEXT_DIST_DIR) and the tsconfig it may write to (NEXT_TSCONFIG_PATH), relative to the root. */
  distDir: string;
  tsconfig: string;
  env?: Record<string, string>;
  /** A file to copy the output to as well. */
  logFile?: string;
};

/**
 * `tsx scripts/dev.ts` in a process group of its own, as a terminal starts
 * it, on embedded defaults (no DATABASE_URL) and the given ports and folders.
 */
export function spawnDev(options: DevProcessOptions): { child: ChildProcessByStdio<null, Readable, Readable>; output: () => string } {
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/dev.ts"], {
    cwd: root,
    detached: true,
    env: {
      ...process.env,
      DATABASE_URL: "",
      PORT: String(options.port),
      POSTORA_DB_PORT: String(options.dbPort),
      POSTORA_DATA_DIR: options.dataDir,
      NEXT_DIST_DIR: options.distDir,
      NEXT_TSCONFIG_PATH: options.tsconfig,
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const log = options.logFile ? createWriteStream(options.logFile) : null;
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    log?.write(chunk);
  };
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  child.on("close", () => log?.end());
  return { child, output: () => output };
}

export async function startDevServer(env: Record<string, string> = {}): Promise<DevServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "postora-dev-server-"));
  const [port, dbPort] = [await freePort(), await freePort()];
  const distDir = `.next-test-${process.pid}-${port}`;
  // Next.js adds its build folders to the tsconfig it uses; give it a throwaway one.
  const tsconfig = `${distDir}.tsconfig.json`;
  await writeFile(path.join(root, tsconfig), JSON.stringify({ extends: "./tsconfig.json" }));
  const logFile = `${dataDir}.log`;
  const origin = `http://127.0.0.1:${port}`;
  // APP_URL is where redirects (the Canva callback, signed storage URLs) send the browser: the origin the tests sign in at.
  const { child, output } = spawnDev({ port, dbPort, dataDir, distDir, tsconfig, env: { APP_URL: origin, ...env }, logFile });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const cleanUp = async () => {
    // The last of next dev's cache writes can land while its folder is being removed (ENOTEMPTY): rm retries.
    await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    await rm(logFile, { force: true });
    await rm(path.join(root, distDir), { recursive: true, force: true, maxRetries: 5 });
    await rm(path.join(root, tsconfig), { force: true });
  };
  const stop = async () => {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGINT");
    const code = await exited;
    await cleanUp();
    return code;
  };

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${origin}/api/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ health { ok } }" }),
      });
      if (response.ok) {
        return { port, origin, databaseUrl: `postgres://postgres:postgres@127.0.0.1:${dbPort}/postgres`, dataDir, output, logFile, stop };
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`npm run dev did not answer within two minutes:\n${output()}`);
}
