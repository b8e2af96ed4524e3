/**
 * renderAndStore: a carousel's eleven files each stored once, a few at a
 * time, reported in slide order; a failed store is reported only once every
 * other store has settled; an aborted job stores nothing more.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { GeneratedContent } from "@/lib/generations/content";
import { renderAndStore } from "@/lib/generations/files";
import { generationPdfPath, generationSlidePath, type FileStorage, type PutRenderedResult } from "@/lib/storage/types";

const owner = { userId: "00000000-0000-4000-8000-000000000001", generationId: "00000000-0000-4000-8000-000000000002" };
const carousel: GeneratedContent = {
  format: "carousel",
  slides: Array.from({ length: 10 }, (_, index) => ({ title: `Slide ${index + 1}`, body: `What slide ${index + 1} says, in one sentence.` })),
};
const paths = [...carousel.slides.map((_, index) => generationSlidePath(owner.userId, owner.generationId, index + 1)), generationPdfPath(owner.userId, owner.generationId)];

/** A storage whose putRendered takes `ms`, counting the stores in flight; `answer` decides each one's result. */
function timedStorage(ms: number, answer: (path: string) => Promise<PutRenderedResult> = async () => "written") {
  const seen = { inFlight: 0, most: 0, stored: [] as { path: string; contentType: string | undefined }[] };
  const storage = {
    putRendered: async (path: string, _bytes: Uint8Array, contentType?: string) => {
      seen.inFlight++;
      seen.most = Math.max(seen.most, seen.inFlight);
      try {
        await sleep(ms);
        const result = await answer(path);
        seen.stored.push({ path, contentType });
        return result;
      } finally {
        seen.inFlight--;
      }
    },
  } as unknown as FileStorage;
  return { storage, seen };
}

describe("renderAndStore", () => {
  it("stores a carousel's slides and PDF once each, at most four at a time, and reports them in slide order", async () => {
    const { storage, seen } = timedStorage(30, async (path) => (path.endsWith("slide-2.png") ? "kept" : "written"));
    const stored = await renderAndStore(storage, owner, carousel, {});
    expect(stored.files).toEqual(paths);
    expect(stored.kept).toEqual([paths[1]]);
    expect(stored.written).toEqual(paths.filter((path) => path !== paths[1]));
    expect(seen.stored.map((file) => file.path).sort()).toEqual([...paths].sort());
    expect(seen.stored.find((file) => file.path === paths[10])?.contentType).toBe("application/pdf");
    expect(seen.most).toBeGreaterThan(1);
    expect(seen.most).toBeLessThanOrEqual(4);
  });

  it("fails only after every other store has settled, so the caller sees every file written", async () => {
    const { storage, seen } = timedStorage(20, async (path) => {
      if (path === paths[2]) throw new Error("storage refused slide 3");
      return "written";
    });
    await expect(renderAndStore(storage, owner, carousel, {})).rejects.toThrow("storage refused slide 3");
    expect(seen.inFlight).toBe(0);
    expect(seen.stored).toHaveLength(paths.length - 1);
  });

  it("stores nothing once the job's signal is aborted", async () => {
    const { storage, seen } = timedStorage(0);
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await expect(renderAndStore(storage, owner, carousel, { signal: controller.signal })).rejects.toThrow("shutting down");
    expect(seen.stored).toHaveLength(0);
  });
});
