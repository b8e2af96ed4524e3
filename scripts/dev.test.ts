/**
 * `npm run dev` as a person uses it: on a machine with no DATABASE_URL it
 * starts the embedded Postgres, migrates, serves GraphQL over real HTTP, stops
 * cleanly on Ctrl-C with no process left behind, and reuses its data next time.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_TOKEN_COOKIE } from "@/graphql/graphiql";
import { launchChromium } from "@/test/browser";
import { ARTICLE } from "@/test/pipeline";
import { decodePng } from "@/test/png";
import { spawnDev } from "@/test/dev-server";
import { freePort } from "@/test/ports";

const root = path.resolve(import.meta.dirname, "..");
let dataDir = "";
const distDir = `.next-test-dev-${process.pid}`;
// Next.js adds its build folders to the tsconfig it uses; give it a throwaway one.
const tsconfig = `${distDir}.tsconfig.json`;

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  await rm(path.join(root, distDir), { recursive: true, force: true });
  await rm(path.join(root, tsconfig), { force: true });
});

function processesMentioning(text: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes(text) && !line.includes("ps -eo"));
}

/** The processes still mentioning `text` once those on their way out have had a few seconds to go. */
async function processesLeft(text: string): Promise<string[]> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && processesMentioning(text).length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  return processesMentioning(text);
}

async function startDev(port: number, dbPort: number) {
  const { child, output } = spawnDev({ port, dbPort, dataDir, distDir, tsconfig });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  let answer: unknown = null;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ health { ok databaseRole } }" }),
      });
      if (response.ok) {
        answer = await response.json();
        break;
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const graphiql = await fetch(`http://127.0.0.1:${port}/api/graphql`, { headers: { accept: "text/html" } }).then((r) => r.text(), () => "");
  const stop = async () => {
    process.kill(-child.pid!, "SIGINT");
    return exited;
  };
  return { answer, graphiql, stop, output };
}

describe("npm run dev on embedded defaults", () => {
  it("starts Postgres and Next.js, answers GraphQL, stops cleanly, and reuses its data", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "postora-dev-"));
    await writeFile(path.join(root, tsconfig), JSON.stringify({ extends: "./tsconfig.json" }));
    const [port, dbPort] = [await freePort(), await freePort()];

    const first = await startDev(port, dbPort);
    expect(first.answer, first.output()).toEqual({ data: { health: { ok: true, databaseRole: "anon" } } });
    expect(first.graphiql).toContain("<title>Postora API</title>");
    expect(first.output()).toMatch(/initialising a new PostgreSQL 17 cluster/);
    expect(first.output()).toMatch(/migration\(s\) applied/);

    // A client's whole journey over real HTTP: token, generation, upload, download.
    // Asynchronously: a blocked event loop would miss the server closing its idle keep-alive socket (after 5 s),
    // and the next fetch would be sent down that closed socket ("other side closed").
    const token = (
      await promisify(execFile)(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/token.ts", "--user", "user_2journey", "--email", "journey@example.com"], {
        cwd: root,
        env: { ...process.env, POSTORA_DATA_DIR: dataDir, PORT: String(port) },
        encoding: "utf8",
      })
    ).stdout.trim();
    const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data: Record<string, unknown> };
    };
    const created = await graphql(`mutation { createGeneration(input: { inputContent: "Over the wire", outputFormat: CAROUSEL }) { generation { id } upload { url } } }`);
    const { generation, upload } = created.data.createGeneration as { generation: { id: string }; upload: { url: string } };
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
    const put = await fetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: png });
    expect(put.status, await put.clone().text()).toBe(200);
    const link = await graphql(`mutation($id: ID!) { createGenerationDownloadUrl(input: { id: $id }) { download { url } } }`, { id: generation.id });
    const download = await fetch((link.data.createGenerationDownloadUrl as { download: { url: string } }).download.url);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);

    // The worker that dev starts takes a generation to COMPLETED with nothing configured.
    const made = await graphql(`mutation { createGeneration(input: { inputContent: "${ARTICLE}", outputFormat: BULLET_POINTS }) { generation { id } } }`);
    const madeId = (made.data.createGeneration as { generation: { id: string } }).generation.id;
    let status = "QUEUED";
    for (const deadline = Date.now() + 60_000; status !== "COMPLETED" && status !== "FAILED" && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = ((await graphql(`query($id: ID!) { generation(id: $id) { status } }`, { id: madeId })).data.generation as { status: string }).status;
    }
    expect(status).toBe("COMPLETED");
    const card = await graphql(`mutation($id: ID!) { createGenerationDownloadUrl(input: { id: $id }) { download { url } } }`, { id: madeId });
    const rendered = Buffer.from(await (await fetch((card.data.createGenerationDownloadUrl as { download: { url: string } }).download.url)).arrayBuffer());
    expect(decodePng(rendered)).toEqual({ width: 1080, height: 1350 });

    // A person opens GraphiQL in a real browser and runs the default query.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const external: string[] = [];
      page.on("request", (request) => {
        if (!request.url().startsWith(`http://127.0.0.1:${port}/`) && !/^(data|blob):/.test(request.url())) external.push(request.url());
      });
      // Signed in as the dashboard's development sign-in leaves it (app/api/dev-identity/token): GraphiQL opens its
      // example tabs with the person's token. Its editor loads after the page: run once the editor holds the query.
      await page.context().addCookies([{ name: DEV_TOKEN_COOKIE, value: token, domain: "127.0.0.1", path: "/api/graphql" }]);
      await page.goto(`http://127.0.0.1:${port}/api/graphql`);
      await page.getByRole("tab").first().getByRole("button", { name: "Health" }).click({ timeout: 60_000 });
      await expect.poll(() => page.locator(".graphiql-query-editor").innerText(), { timeout: 60_000 }).toContain("Health");
      await page.locator(".graphiql-execute-button").click({ timeout: 30_000 });
      // The editors lay text out with non-breaking spaces.
      await expect
        .poll(async () => (await page.locator(".graphiql-response").innerText()).replace(/\s+/g, " "), { timeout: 30_000 })
        .toContain('"databaseRole": "authenticated"');
      if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, "graphiql.png") });
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
    expect(await first.stop()).toBe(130);
    expect(await processesLeft(dataDir), first.output()).toEqual([]);
    expect(await processesLeft(distDir), first.output()).toEqual([]);

    const second = await startDev(port, dbPort);
    expect(second.answer, second.output()).toEqual({ data: { health: { ok: true, databaseRole: "anon" } } });
    expect(second.output()).not.toMatch(/initialising/);
    expect(second.output()).toMatch(/database schema is up to date/);
    expect(await second.stop()).toBe(130);
    expect(await processesLeft(dataDir), second.output()).toEqual([]);
  }, 240_000);
});
