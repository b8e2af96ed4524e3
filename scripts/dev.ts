/**
 * `npm run dev`: the whole app on embedded defaults. With DATABASE_URL set
 * it uses that database; otherwise it starts the project's own PostgreSQL 17
 * under .postora/. Either way it applies pending migrations, then runs
 * `next dev` and a generation worker in this process (lib/jobs/worker.ts, the
 * offline writer unless AI_PROVIDER says otherwise), so a generation goes from
 * QUEUED to COMPLETED with nothing configured. Ctrl-C stops the worker,
 * Next.js and Postgres, leaving no process behind.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { seed } from "@/lib/db/migrate";
import { ConfigError, getEnv } from "@/lib/env";
import { startCanvaStandIn } from "@/lib/canva/stand-in";
import { startWorkerFromEnv } from "@/lib/jobs/from-env";
import { logger } from "@/lib/log";
import { prepareDatabase, say } from "@/scripts/database";
import { guardChildren } from "@/scripts/dev-guard";

async function main() {
  const env = getEnv();
  const { url: databaseUrl, embedded } = await prepareDatabase(env);
  if (embedded) await seed(databaseUrl);
  const worker = await startWorkerFromEnv(env, { log: logger.child({ source: "worker" }), connectionString: databaseUrl });
  say(`generation worker running (${env.worker.concurrency} at a time, writer: ${env.ai.provider})`);
  // No CANVA_CLIENT_ID: "Open in Canva" talks to a local stand-in (lib/canva/stand-in.ts), like local storage.
  const canvaStandIn = env.canva?.standInPort
    ? await startCanvaStandIn({ port: env.canva.standInPort, isProduction: env.isProduction }).catch((error: unknown) => {
        say(`Canva stand-in not started (${(error as Error).message}): set CANVA_STAND_IN_PORT to a free port for Open in Canva`);
        return null;
      })
    : null;
  if (canvaStandIn) say(`Canva stand-in: ${canvaStandIn.origin} (no CANVA_CLIENT_ID set)`);

  const nextBin = path.resolve("node_modules/next/dist/bin/next");
  const child = spawn(process.execPath, [nextBin, "dev", "--port", String(env.port)], {
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: databaseUrl },
    // Own process group, so stopping reaches every process Next.js forked.
    detached: true,
  });
  say(`GraphiQL: http://localhost:${env.port}/api/graphql`);

  let stopping = false;
  let dismissGuard = () => {};
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    try {
      // Stop taking jobs first; one in flight is handed back to the queue if Postgres goes first.
      const workerStopped = worker.close().catch((error: unknown) => console.error("[postora] worker stop:", error));
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          /* already gone */
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            try {
              process.kill(-child.pid!, "SIGKILL");
            } catch {
              /* already gone */
            }
            resolve();
          }, 5000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await workerStopped;
      await canvaStandIn?.close();
      await embedded?.stop();
      say("stopped");
    } catch (error) {
      // Whatever failed, the watchdog still goes and the process still exits: nothing may stay behind.
      console.error("[postora] while stopping:", error);
    } finally {
      dismissGuard();
      process.exit(code);
    }
  };
  // 128 + signal number, as shells report a process ended by that signal.
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  // A closed terminal (SIGHUP), a killed parent, or dev.ts itself killed: nothing stays behind.
  process.on("SIGHUP", () => void stop(129));
  dismissGuard = guardChildren({ processGroup: child.pid!, postgresDataDir: embedded ? path.join(env.dataDir, "postgres") : null, onParentGone: () => void stop(129) });
  child.on("exit", (code) => void stop(code ?? 0));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
