/**
 * A brand kit on real renders, end to end: a kit set through GraphQL shows
 * on a new carousel (its background, its logo) and not on one finished
 * before; a retry renders with the kit as it is then; a template overrides
 * colours; a logo replaced by a malicious SVG is left out, never fetched.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeGlobalID } from "@pothos/plugin-relay";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationSlidePath } from "@/lib/storage/types";
import { ARTICLE } from "@/test/pipeline";
import { usePipelineHarness } from "@/test/pipeline-harness";
import { storageFetch } from "@/test/storage";
import { postGraphQL, seedGeneration } from "@/test/support";

const { server, person } = usePipelineHarness();
let bait: Server;
const baitRequests: string[] = [];

beforeAll(async () => {
  // Where a malicious logo points: nothing may ever ask it for anything.
  bait = createServer((request, response) => {
    baitRequests.push(request.url ?? "");
    response.end();
  });
  await new Promise<void>((resolve) => bait.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise((resolve) => bait?.close(resolve));
});

const ask = async <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) => {
  const { body } = await postGraphQL<T>(server, query, { authorization: person().authorization, variables });
  expect(body.errors).toBeUndefined();
  return body.data!;
};
const setKit = (input: Record<string, unknown>) => ask("mutation($input: UpdateBrandKitInput!) { updateBrandKit(input: $input) { brandKit { updatedAt } } }", { input });

async function create(templateId?: string): Promise<string> {
  const data = await ask<{ createGeneration: { generation: { id: string } } }>(
    "mutation($input: CreateGenerationInput!) { createGeneration(input: $input) { generation { id } } }",
    { input: { inputContent: ARTICLE, outputFormat: "CAROUSEL", ...(templateId ? { templateId } : {}) } },
  );
  return data.createGeneration.generation.id;
}

async function finished(id: string): Promise<{ status: string; failureReason: string | null }> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(150)) {
    const { generation } = await ask<{ generation: { status: string; failureReason: string | null } }>("query($id: ID!) { generation(id: $id) { status failureReason } }", { id });
    if (generation.status === "COMPLETED" || generation.status === "FAILED") return generation;
  }
  throw new Error(`generation ${id} did not finish`);
}

const slide = (id: string, number = 1) => getLocalStorage().read(generationSlidePath(person().id, decodeGlobalID(id).id, number));

async function pixel(png: Uint8Array, x: number, y: number): Promise<string> {
  const data = await sharp(png).extract({ left: x, top: y, width: 1, height: 1 }).removeAlpha().raw().toBuffer();
  return `#${[...data].map((value) => value.toString(16).padStart(2, "0")).join("")}`;
}
/** Where the footer's logo sits on a 1080x1350 slide: inside the padding, 96 pixels from the left and the bottom. */
const LOGO_SPOT = [96 + 20, 1350 - 96 - 20] as const;

async function uploadLogo(body: BodyInit, contentType: string): Promise<void> {
  const data = await ask<{ createBrandLogoUploadUrl: { upload: { url: string } } }>("mutation { createBrandLogoUploadUrl(input: {}) { upload { url } } }");
  const put = await storageFetch(data.createBrandLogoUploadUrl.upload.url, { method: "PUT", headers: { "content-type": contentType }, body });
  expect(put.status).toBe(200);
}

describe("a brand kit on the rendered files", () => {
  let before: string;
  let beforeBytes: Uint8Array;

  it("shows on a new carousel, and never changes one finished before", async () => {
    before = await create();
    expect((await finished(before)).status).toBe("COMPLETED");
    beforeBytes = await slide(before, 3);
    expect(await pixel(beforeBytes, 10, 10)).toBe("#0f172a");

    const red = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#dc2626" } }).png().toBuffer();
    await uploadLogo(red, "image/png");
    await setKit({ displayName: "Alice Example", handle: "@alice", backgroundColor: "#fef3c7", accentColor: "#b45309", fontFamily: "SERIF", logo: true });

    const after = await create();
    expect((await finished(after)).status).toBe("COMPLETED");
    for (const number of [1, 3, 6]) {
      const png = await slide(after, number);
      expect(await pixel(png, 10, 10), `slide ${number}`).toBe("#fef3c7");
      expect(await pixel(png, ...LOGO_SPOT), `slide ${number}`).toBe("#dc2626");
    }
    expect(Buffer.from(await slide(before, 3)).equals(Buffer.from(beforeBytes))).toBe(true);
  });

  it("renders a retry with the kit as it is then", async () => {
    const failed = await seedGeneration(person().id, { inputContent: ARTICLE, outputFormat: "carousel", status: "failed" });
    await setKit({ backgroundColor: "#ffffff", accentColor: "#1d4ed8" });
    const id = Buffer.from(`Generation:${failed}`).toString("base64");
    await ask("mutation($input: RetryGenerationInput!) { retryGeneration(input: $input) { generation { id } } }", { input: { id } });
    expect((await finished(id)).status).toBe("COMPLETED");
    expect(await pixel(await slide(id, 2), 10, 10)).toBe("#ffffff");
  });

  it("lets a template override the colours, and fails one whose colours fail the contrast rules", async () => {
    const template = async (brand: Record<string, unknown>) =>
      (await ask<{ createTemplate: { template: { id: string } } }>("mutation($input: CreateTemplateInput!) { createTemplate(input: $input) { template { id } } }", {
        input: { name: "Branded", type: "CAROUSEL", content: { slides: 3, brand } },
      })).createTemplate.template.id;
    const dark = await create(await template({ backgroundColor: "#111827", accentColor: "#f59e0b", fontFamily: "mono" }));
    expect((await finished(dark)).status).toBe("COMPLETED");
    expect(await pixel(await slide(dark, 2), 10, 10)).toBe("#111827");

    const unreadable = await create(await template({ backgroundColor: "#ffffff", accentColor: "#fefce8" }));
    const failure = await finished(unreadable);
    expect(failure.status).toBe("FAILED");
    expect(failure.failureReason).toContain("accentColor #fefce8: contrast with the background #ffffff is");
  });

  it("leaves out a logo replaced by a malicious SVG, and never fetches what it points to", async () => {
    const { port } = bait.address() as AddressInfo;
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64" onload="fetch('http://127.0.0.1:${port}/onload')">` +
      `<script>fetch('http://127.0.0.1:${port}/script')</script>` +
      `<image xlink:href="http://127.0.0.1:${port}/logo.png" width="64" height="64"/><rect width="64" height="64" fill="#dc2626"/></svg>`;
    // updateBrandKit would refuse it; replacing the file after the kit took the logo is the way round that check.
    await uploadLogo(svg, "image/svg+xml");
    const id = await create();
    expect((await finished(id)).status).toBe("COMPLETED");
    const png = await slide(id, 2);
    expect(await pixel(png, 10, 10)).toBe("#ffffff");
    expect(await pixel(png, ...LOGO_SPOT)).not.toBe("#dc2626");
    expect(baitRequests).toEqual([]);
  });
});
