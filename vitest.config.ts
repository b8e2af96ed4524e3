import { createRequire } from "node:module";
import path from "node:path";
import { defineConfig } from "vitest/config";

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
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
