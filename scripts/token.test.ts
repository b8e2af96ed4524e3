/**
 * `npm run token` as a person uses it: the token alone on stdout, accepted
 * by the server's verifier; usage problems on stderr with nothing on
 * stdout; and no token at all in production.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenVerifier, verifierConfigFor } from "@/lib/auth/verify";
import { getEnv } from "@/lib/env";
import { newClerkUserId, PRODUCTION_ENV } from "@/test/support";

const root = path.resolve(import.meta.dirname, "..");
let cwd = "";

beforeAll(async () => {
  // Away from the project's own .env files, which a developer may have filled with Clerk keys.
  cwd = await mkdtemp(path.join(tmpdir(), "postora-token-"));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function runToken(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/token.ts"), ...args],
      {
        cwd,
        env: {
          PATH: process.env.PATH ?? "",
          TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json"),
          POSTORA_DATA_DIR: getEnv().dataDir,
          NODE_ENV: "development",
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run token", () => {
  it("prints only a token, which this server's verifier accepts", async () => {
    const clerkUserId = newClerkUserId();
    const { code, stdout, stderr } = await runToken(["--user", clerkUserId, "--email", "script@example.com"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const verify = createTokenVerifier(await verifierConfigFor(getEnv()));
    expect(await verify(stdout.trim())).toMatchObject({ clerkUserId, email: "script@example.com" });
  });

  it("prints only the token through `npm run -s`, as the README's command runs it", async () => {
    const clerkUserId = newClerkUserId();
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        "npm",
        ["run", "-s", "token", "--", "--user", clerkUserId, "--email", "npm@example.com"],
        { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", POSTORA_DATA_DIR: getEnv().dataDir, NODE_ENV: "development" } },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    expect(stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
  });

  it("leaves npm audible: a missing script is reported by npm, not swallowed", async () => {
    // The project once set loglevel=silent in .npmrc to quiet the token's banner, which also hid npm's own errors.
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile("npm", ["run", "no-such-script"], { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "development" } }, (error, _out, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Missing script: "no-such-script"/);
  });

  it("honours --expires-in", async () => {
    const { stdout } = await runToken(["--user", newClerkUserId(), "--email", "short@example.com", "--expires-in", "120"]);
    const claims = JSON.parse(Buffer.from(stdout.trim().split(".")[1]!, "base64url").toString()) as { exp: number; iat: number };
    expect(claims.exp - claims.iat).toBeGreaterThanOrEqual(115);
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(125);
  });

  it("puts usage problems on stderr and nothing on stdout", async () => {
    for (const args of [[], ["--user", "bob"], ["--user", "user_2abc", "--email", "nope"], ["--user", "user_2abc", "--expires-in", "soon"], ["--wat"]]) {
      const { code, stdout, stderr } = await runToken(args);
      expect(code, args.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).not.toBe("");
    }
  });

  it("refuses in production, whatever else is configured", async () => {
    const production = PRODUCTION_ENV;
    for (const env of [{ NODE_ENV: "production" }, production]) {
      const { code, stdout, stderr } = await runToken(["--user", newClerkUserId(), "--email", "prod@example.com"], env);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/development identity cannot run there|Clerk session tokens only/);
    }
  });
});
