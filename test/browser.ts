/**
 * Debian's Chromium driven by playwright-core: no browser download, ever.
 * Flags keep it off the network this machine does not have.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Browser tests need Chromium at ${CHROMIUM}: run \`apt-get install chromium\` (or set CHROMIUM_PATH).`);
  }
  // Chromium writes a few files of its own to TMPDIR (.org.chromium.Chromium.*) and does not always remove them:
  // give each browser a folder of its own, removed when the browser goes away.
  const scratch = await mkdtemp(path.join(tmpdir(), "postora-chromium-"));
  // playwright-core gives each launch a fresh, empty profile of its own.
  const browser = await chromium.launch({
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
  }).catch(async (error: unknown) => {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  });
  browser.on("disconnected", () => void rm(scratch, { recursive: true, force: true }));
  return browser;
}
