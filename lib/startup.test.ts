/**
 * The server's start-up check, run the way Next.js runs it: in production on
 * local defaults it must stop with one clear line per problem.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

function start(env: { NODE_ENV: "production" | "development" }) {
  return spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "lib/startup.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
}

it("refuses to start production on local defaults, naming each missing variable", () => {
  const result = start({ NODE_ENV: "production" });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/DATABASE_URL is required in production/);
  expect(result.stderr).toMatch(/the development identity cannot run there/);
  expect(result.stderr).toMatch(/local file storage cannot run there/);
});

it("starts quietly when the configuration is valid", () => {
  const result = start({ NODE_ENV: "development" });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
});
