/**
 * Debian's Chromium driven by playwright-core: no browser download, ever.
 * Flags keep it off the network this machine does not have.
 *
 * Debian's chromium-headless-shell first: the headless-only build that
 * playwright itself drives for headless runs, which took about a quarter less
 * CPU than the full browser for the same pages (BENCHMARKS.md). The full
 * `chromium` package serves as well where the shell is not installed.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserServer } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"];
const CHROMIUM = process.env.CHROMIUM_PATH ?? CANDIDATES.find((candidate) => existsSync(candidate)) ?? CANDIDATES[0]!;

export type ChromiumServer = { wsEndpoint: string; stop: () => Promise<void> };

/**
 * One Chromium that test files connect to (chromium.connect), each with contexts of its own: a launch costs
 * about four seconds of a core, once per run instead of once per page's file (BENCHMARKS.md).
 */
export async function launchChromiumServer(): Promise<ChromiumServer> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Browser tests need Chromium at ${CHROMIUM}: run \`apt-get install chromium-headless-shell\` (or set CHROMIUM_PATH).`);
  }
  // Chromium writes a few files of its own to TMPDIR (.org.chromium.Chromium.*) and does not always remove them:
  // give the browser a folder of its own, removed when the browser goes away.
  const scratch = await mkdtemp(path.join(tmpdir(), "postora-chromium-"));
  // playwright-core gives each context a fresh, empty profile of its own.
  let server: BrowserServer;
  try {
    server = await chromium.launchServer({
      executablePath: CHROMIUM,
      env: { ...process.env, TMPDIR: scratch },
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  return {
    wsEndpoint: server.wsEndpoint(),
    async stop() {
      await server.close();
      await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
