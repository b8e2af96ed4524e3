/**
 * The processes a benchmark run starts and watches (bench/http.ts): starting
 * and stopping a server's process group, waiting for it to answer, and
 * reading its CPU time and memory from /proc (Linux).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { cpuSecondsAt } from "@/bench/measure";

const root = path.resolve(import.meta.dirname, "..");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const psLines = (args: string[]) => execFileSync("ps", args, { encoding: "utf8" }).split("\n").map((line) => line.trim()).filter(Boolean);

/** CPU seconds (user + system, and with `reaped` the children's already waited for) of some processes, from /proc (10 ms resolution). */
function cpuSecondsOf(pids: string[], reaped = false): number {
  let seconds = 0;
  for (const pid of pids) {
    try {
      seconds += cpuSecondsAt(`/proc/${pid}/stat`, reaped);
    } catch {
      /* exited meanwhile */
    }
  }
  return seconds;
}

/** CPU seconds so far of each process in a group: its main thread, and its other threads (V8's GC and compiler, libuv's pool) together. */
export function threadCpu(processGroup: number): Map<string, { main: number; others: number }> {
  const byProcess = new Map<string, { main: number; others: number }>();
  for (const pid of psLines(["-o", "pid=", "-g", String(processGroup)])) {
    const usage = { main: 0, others: 0 };
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        usage[tid === pid ? "main" : "others"] += cpuSecondsAt(`/proc/${pid}/task/${tid}/stat`);
      } catch {
        /* gone */
      }
    }
    byProcess.set(pid, usage);
  }
  return byProcess;
}

/** CPU seconds used so far by every process in a group. */
export function groupCpuSeconds(processGroup: number): number {
  return cpuSecondsOf(psLines(["-o", "pid=", "-g", String(processGroup)]));
}

/** CPU seconds used so far by the Postgres serving `dataDir`: its postmaster and every backend, live or ended. */
export function postgresCpuSeconds(dataDir: string): number {
  const postmaster = psLines(["-eo", "pid=,args="]).find((line) => line.includes(dataDir) && /postgres/.test(line))?.split(/\s+/)[0];
  if (!postmaster) return Number.NaN;
  return cpuSecondsOf([postmaster], true) + cpuSecondsOf(psLines(["-o", "pid=", "--ppid", postmaster]));
}

/** Sum of RSS (KiB) over a process group, sampled until stopped; returns the peak in MiB. */
export function watchRss(processGroup: number) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const out = execFileSync("ps", ["-o", "rss=", "-g", String(processGroup)], { encoding: "utf8" });
      const total = out.split("\n").reduce((sum, line) => sum + (Number(line.trim()) || 0), 0);
      peak = Math.max(peak, total);
    } catch {
      /* group gone */
    }
  }, 200);
  return {
    reset: () => (peak = 0),
    peakMiB: () => peak / 1024,
    stop: () => clearInterval(timer),
  };
}

export async function waitFor(url: string, init: RequestInit, child: ChildProcess, output: () => string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
      return response;
    } catch {
      await sleep(300);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${output()}`);
}

/** Starts a command in a process group of its own, in the repository, keeping the tail of its output. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  child.stderr!.on("data", (chunk) => (output = (output + chunk).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* gone */
    }
    await Promise.race([exited, sleep(10_000)]);
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  return { child, output: () => output, stop };
}
