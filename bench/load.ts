/**
 * Driving load at a server with autocannon (bench/http.ts), and what a run
 * makes of its measurements: a row per kind of request, the median of its
 * rounds, and the hottest functions of a CPU profile.
 */
import autocannon from "autocannon";
import { median } from "@/bench/measure";
import { groupCpuSeconds, threadCpu, type watchRss } from "@/bench/processes";

/** One row's rounds as one: medians of the rates and latencies, totals of failures, the highest RSS. */
export function medianRow(measured: Row[]): Row {
  const of = (key: "rps" | "p50" | "p99" | "cpuMsPerRequest" | "dbCpuMsPerRequest") => median(measured.map((row) => row[key]));
  return {
    name: measured[0]!.name,
    connections: measured[0]!.connections,
    rps: of("rps"),
    p50: of("p50"),
    p99: of("p99"),
    cpuMsPerRequest: of("cpuMsPerRequest"),
    dbCpuMsPerRequest: of("dbCpuMsPerRequest"),
    non2xx: measured.reduce((sum, row) => sum + row.non2xx, 0),
    errors: measured.reduce((sum, row) => sum + row.errors, 0),
    rssMiB: Math.max(...measured.map((row) => row.rssMiB)),
  };
}

export type Row = { name: string; connections: number; rps: number; p50: number; p99: number; non2xx: number; errors: number; rssMiB: number; cpuMsPerRequest: number; dbCpuMsPerRequest: number };

/**
 * One row, once: `connections` clients for `seconds` (after a 2 s warm-up) against `url`, rotating the Bearer
 * tokens, with the server's CPU (its process group) and Postgres's CPU per request beside the rates.
 */
export async function load(
  name: string,
  connections: number,
  options: { url: string; method?: "GET" | "POST"; body?: string; tokens: string[]; seconds: number },
  rss: ReturnType<typeof watchRss>,
  processGroup: number,
  databaseCpu: () => number,
): Promise<Row> {
  let next = 0;
  const run = (duration: number) =>
    autocannon({
      url: options.url,
      connections,
      duration,
      method: options.method ?? "GET",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: options.body,
      requests: [
        {
          setupRequest: (request) => {
            next = (next + 1) % options.tokens.length;
            return { ...request, headers: { ...request.headers, authorization: `Bearer ${options.tokens[next]}` } };
          },
        },
      ],
    });
  await run(2); // warm-up: JIT, connections, caches
  rss.reset();
  const cpuBefore = groupCpuSeconds(processGroup);
  const threadsBefore = process.env.BENCH_THREADS ? threadCpu(processGroup) : null;
  const dbCpuBefore = databaseCpu();
  const result = await run(options.seconds);
  const cpuUsed = groupCpuSeconds(processGroup) - cpuBefore;
  if (threadsBefore) {
    // The busiest process of the tree is the server (npm and sh barely run).
    const [main, others] = [...threadCpu(processGroup)]
      .map(([pid, after]) => [after.main - (threadsBefore.get(pid)?.main ?? 0), after.others - (threadsBefore.get(pid)?.others ?? 0)] as const)
      .sort((a, b) => b[0] + b[1] - (a[0] + a[1]))[0] ?? [0, 0];
    const perRequest = (cpuSeconds: number) => ((cpuSeconds * 1000) / Math.max(1, result.requests.total)).toFixed(2);
    console.log(`${name}, ${connections} conns: main thread ${perRequest(main)} ms/req, other threads ${perRequest(others)} ms/req`);
  }
  const dbCpuUsed = databaseCpu() - dbCpuBefore;
  return {
    name,
    connections,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rssMiB: rss.peakMiB(),
    cpuMsPerRequest: (cpuUsed * 1000) / Math.max(1, result.requests.total),
    dbCpuMsPerRequest: (dbCpuUsed * 1000) / Math.max(1, result.requests.total),
  };
}


/** The functions with the most self time in a V8 .cpuprofile. */
export function topFunctions(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[] }, n = 15) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\.next\//, ".next/")}:${frame.lineNumber}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, value]) => `${((value / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
