/**
 * `npm test`: every check in one command. The static checks (types, lint and
 * knip, the generated files, schema compatibility) need a core for about a
 * minute and nothing else, while most test files wait on Postgres, HTTP or a
 * browser, so they all run side by side. Vitest's output streams as it comes;
 * each check's output is held back and printed whole, under its name, when
 * the tests are done, so nothing interleaves. Exits 1 if anything failed.
 */
import { spawn } from "node:child_process";

type Result = { name: string; code: number; seconds: number; output: string };

const CHECKS = ["typecheck", "lint", "codegen:check", "schema:check"];

function npmRun(script: string, args: string[], capture: boolean): Promise<Result> {
  const started = performance.now();
  const child = spawn("npm", ["run", "--silent", script, ...(args.length ? ["--", ...args] : [])], {
    stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => {
    const done = (code: number) => resolve({ name: script, code, seconds: (performance.now() - started) / 1000, output });
    child.on("error", (error) => {
      output += `${error.message}\n`;
      done(1);
    });
    child.on("close", (code) => done(code ?? 1));
  });
}

async function main() {
  const checks = Promise.all(CHECKS.map((script) => npmRun(script, [], true)));
  const tests = await npmRun("test:only", process.argv.slice(2), false);
  const results = [...(await checks), tests];
  console.log("");
  for (const { name, code, seconds, output } of results.slice(0, -1)) {
    console.log(`── npm run ${name}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds.toFixed(0)} s`);
    if (output.trim()) console.log(output.trimEnd());
  }
  const failed = results.filter((result) => result.code !== 0).map((result) => result.name);
  console.log(failed.length ? `\nnpm test FAILED: ${failed.join(", ")}` : `\nnpm test passed: ${results.map((result) => result.name).join(", ")}`);
  process.exitCode = failed.length ? 1 : 0;
}

await main();
