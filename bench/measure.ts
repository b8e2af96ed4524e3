/**
 * What the benchmarks share: a middle value, and CPU time read from /proc
 * (Linux; clock ticks of 10 ms).
 */
import { readFileSync } from "node:fs";

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * CPU seconds (user + system) so far of a process (`/proc/<pid>/stat`) or one
 * of its threads (`/proc/<pid>/task/<tid>/stat`); with `reaped`, also those
 * of its children already waited for. Throws if it has gone.
 */
export function cpuSecondsAt(statPath: string, reaped = false): number {
  // After the command's closing parenthesis (the name may hold spaces): field 3 of stat is index 0 here.
  const fields = readFileSync(statPath, "utf8").replace(/^.*\) /, "").split(" ");
  let ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  if (reaped) ticks += Number(fields[13]) + Number(fields[14]); // cutime, cstime
  return ticks / 100;
}
