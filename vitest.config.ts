import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Where a test file goes in the order: first the browser tests (they import the shared `npm run dev`), then the file
 * that starts one of its own, then the rest. Read from the file's imports.
 */
function batchOf(spec: TestSpecification): 0 | 1 | 2 {
  const source = readFileSync(spec.moduleId, "utf8");
  if (source.includes(`"@/test/dashboard"`) || source.includes(`"@/test/shared-dev-server"`)) return 0;
  return source.includes(`"@/test/dev-server"`) ? 1 : 2;
}

/**
 * The browser tests take the longest and spend most of it waiting (on the shared `npm run dev`, which compiles pages
 * as they are first asked for, on the browser, on the worker), so they start first and the other files fill that
 * time. The file that starts `npm run dev` of its own comes right after them rather than beside the shared server's
 * first compile, which both would slow. Within each batch, Vitest's own order (slowest last time, or the largest file
 * on a fresh clone).
 */
class DevServersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const batches = new Map(sorted.map((spec) => [spec, batchOf(spec)]));
    // Array.prototype.sort is stable: Vitest's order holds within a batch.
    return sorted.sort((a, b) => batches.get(a)! - batches.get(b)!);
  }
}

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${path.resolve(import.meta.dirname)}/` },
      // graphql 16 ships CommonJS and ESM without an exports map: Node (and so
      // Pothos and Yoga) loads the CommonJS copy, Vite would pick the ESM one for
      // our files, and two copies refuse each other's types. Use Node's choice.
      { find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") },
    ],
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".next/**", ".postora/**"],
    // One embedded PostgreSQL for the run; each test file gets its own database cloned from a migrated template.
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/per-file-database.ts"],
    pool: "forks",
    // A worker process runs file after file: loading the packages (GraphQL, Pothos, Yoga, Clerk, Stripe, ...) once
    // per process instead of once per file halved the workers' CPU (BENCHMARKS.md). Each file still gets fresh
    // modules of ours, its own environment and its own database (test/per-file-database.ts).
    isolate: false,
    // Vitest's default on a 2-core machine is one file at a time (cores - 1), and most files spend their time
    // waiting on Postgres, HTTP, a browser or a timer, not on a core: three at once keep both cores busy.
    // VITEST_MAX_WORKERS overrides it (1 runs the files one by one, as before).
    maxWorkers: 3,
    sequence: { sequencer: DevServersFirst },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
