/**
 * What a first `npm run dev` on a fresh machine serves, and a client's whole
 * journey over real HTTP against it, on embedded defaults (the run's shared
 * one, test/shared-dev-server.ts): GraphQL and GraphiQL, a token from
 * `npm run token`, a generation, an upload to its signed URL, the download,
 * and the worker dev starts taking a generation to COMPLETED with nothing
 * configured. (scripts/dev.test.ts starts and stops a dev of its own.)
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { DevServer } from "@/test/dev-server";
import { ARTICLE } from "@/test/pipeline";
import { decodePng } from "@/test/png";
import { sharedDevServer } from "@/test/shared-dev-server";

const root = path.resolve(import.meta.dirname, "..");
let server: DevServer;

beforeAll(async () => {
  server = await sharedDevServer();
}, 180_000);

/** `npm run token` as a developer runs it beside their dev server: it signs with that server's development key. */
async function token(clerkUserId: string, email: string): Promise<string> {
  // Asynchronously: a blocked event loop would miss the server closing its idle keep-alive socket (after 5 s),
  // and the next fetch would be sent down that closed socket ("other side closed").
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/token.ts", "--user", clerkUserId, "--email", email], {
    cwd: root,
    env: { ...process.env, POSTORA_DATA_DIR: server.dataDir, PORT: String(server.port) },
    encoding: "utf8",
  });
  return stdout.trim();
}

describe("npm run dev, used over HTTP", () => {
  it("on a fresh machine, makes and migrates its own Postgres and answers GraphQL and GraphiQL", async () => {
    expect(server.output()).toMatch(/initialising a new PostgreSQL 17 cluster/);
    expect(server.output()).toMatch(/migration\(s\) applied/);
    // What the README promises: `{ health }` answers, as an anonymous caller.
    const health = await fetch(`${server.origin}/api/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ health { ok databaseRole } }" }),
    });
    expect(await health.json()).toEqual({ data: { health: { ok: true, databaseRole: "anon" } } });
    const graphiql = await fetch(`${server.origin}/api/graphql`, { headers: { accept: "text/html" } });
    expect(await graphiql.text()).toContain("<title>Postora API</title>");
  });

  it("takes a client from a token to an uploaded file, a download and a finished generation", async () => {
    const bearer = await token("user_2journey", "journey@example.com");
    const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${server.origin}/api/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data: Record<string, unknown> };
    };
    const downloadUrl = async (id: string) =>
      ((await graphql(`mutation($id: ID!) { createGenerationDownloadUrl(input: { id: $id }) { download { url } } }`, { id })).data.createGenerationDownloadUrl as { download: { url: string } })
        .download.url;

    const created = await graphql(`mutation { createGeneration(input: { inputContent: "Over the wire", outputFormat: CAROUSEL }) { generation { id } upload { url } } }`);
    const { generation, upload } = created.data.createGeneration as { generation: { id: string }; upload: { url: string } };
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
    const put = await fetch(upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: png });
    expect(put.status, await put.clone().text()).toBe(200);
    const download = await fetch(await downloadUrl(generation.id));
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);

    const made = await graphql(`mutation { createGeneration(input: { inputContent: "${ARTICLE}", outputFormat: BULLET_POINTS }) { generation { id } } }`);
    const madeId = (made.data.createGeneration as { generation: { id: string } }).generation.id;
    let status = "QUEUED";
    for (const deadline = Date.now() + 60_000; status !== "COMPLETED" && status !== "FAILED" && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = ((await graphql(`query($id: ID!) { generation(id: $id) { status } }`, { id: madeId })).data.generation as { status: string }).status;
    }
    expect(status).toBe("COMPLETED");
    const rendered = Buffer.from(await (await fetch(await downloadUrl(madeId))).arrayBuffer());
    expect(decodePng(rendered)).toEqual({ width: 1080, height: 1350 });
  }, 180_000);
});
