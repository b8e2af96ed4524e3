/**
 * Makes `npm run dev` leave nothing running however it ends. Ctrl-C and
 * SIGTERM are handled in dev.ts; this covers the rest:
 *
 * - its own parent going away (the terminal's shell, or tsx's CLI, killed):
 *   dev.ts polls its parent pid and stops itself when it is re-parented;
 * - dev.ts itself killed (SIGKILL runs no handler): a small detached
 *   watchdog process (this file, run as a script) polls dev.ts's pid and,
 *   once it is gone, stops `next dev`'s process group and the embedded
 *   Postgres. After a normal stop it finds nothing left and exits.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const POLL_MS = 250;

export type Guarded = {
  /** `next dev`'s pid, the leader of its own process group (spawned detached). */
  processGroup: number;
  /** The embedded Postgres's data folder, when dev.ts started one. */
  postgresDataDir: string | null;
  /** Called once when dev.ts's parent is gone. */
  onParentGone: () => void;
};

/** Starts the guards; call the returned function on a normal stop, once everything is stopped. */
export function guardChildren(guarded: Guarded): () => void {
  const parent = process.ppid;
  const poll = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(poll);
      guarded.onParentGone();
    }
  }, POLL_MS);
  poll.unref();

  const watchdog = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), String(process.pid), String(guarded.processGroup), guarded.postgresDataDir ?? ""],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();
  return () => {
    clearInterval(poll);
    // SIGKILL: it holds nothing to clean up, and tsx's signal relay would only delay a SIGTERM.
    if (watchdog.exitCode === null) watchdog.kill("SIGKILL");
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    /* already gone */
  }
}

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0] ?? "", 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The watchdog: waits for dev.ts to go, then stops what it left running. */
async function watch(devPid: number, processGroup: number, postgresDataDir: string): Promise<void> {
  // A closed terminal must not take the watchdog with it.
  process.on("SIGHUP", () => {});
  while (alive(devPid)) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  signal(-processGroup, "SIGTERM");
  const postgres = postgresDataDir ? postmasterPid(postgresDataDir) : null;
  // SIGINT is Postgres's fast shutdown: roll back open transactions, stop cleanly.
  if (postgres) signal(postgres, "SIGINT");
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (alive(-processGroup) || (postgres !== null && alive(postgres)))) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  signal(-processGroup, "SIGKILL");
  if (postgres && alive(postgres)) signal(postgres, "SIGQUIT");
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [devPid, processGroup, postgresDataDir] = process.argv.slice(2);
  void watch(Number(devPid), Number(processGroup), postgresDataDir ?? "").then(() => process.exit(0));
}
