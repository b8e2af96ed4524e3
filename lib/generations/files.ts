/**
 * A generation's files: rendered, then stored, the two overlapping. Each file
 * is stored as soon as its image is ready, a few at a time (STORE_AT_ONCE),
 * while the other slides of a carousel still render; the carousel's PDF is
 * assembled once all its slides are, and stored last. A store is several
 * round trips (the storage guard's window, the object row, the upload), so
 * one after another they took longer than rendering the slides.
 *
 * Every store is waited for before this returns or throws, so a caller that
 * cleans up after a failure or a deletion sees every file that was written.
 */
import type { GeneratedContent } from "@/lib/generations/content";
import { carouselPdfFile, type RenderedFile } from "@/lib/generations/pdf";
import { renderBulletCard, renderQuoteCard, renderSlide, type RenderOptions } from "@/lib/render/cards";
import { generationObjectPath, generationSlidePath, type FileStorage } from "@/lib/storage/types";

/** Files stored at once per generation: each holds a pooled connection for its round trips. */
const STORE_AT_ONCE = 4;

export type StoredFiles = {
  /** Every file of the output, in order (a carousel: its slides, then its PDF). */
  files: string[];
  /** Those this run wrote. */
  written: string[];
  /** Those left as they were: a person's own upload (FileStorage.putRendered). */
  kept: string[];
};

/** Runs tasks at most `limit` at a time, in the order they were given. */
function bounded(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Waits for every promise to settle, then throws the first failure, if any. */
async function allSettled(promises: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * Renders the content's images (and a carousel's PDF) and stores each as it
 * is ready. `signal`, once aborted, stops files not yet stored from being
 * stored (the rendering finishes, it is not interruptible).
 */
export async function renderAndStore(
  storage: FileStorage,
  owner: { userId: string; generationId: string },
  content: GeneratedContent,
  options: RenderOptions & { signal?: AbortSignal },
): Promise<StoredFiles> {
  const { userId, generationId } = owner;
  const { signal, ...render } = options;
  const written = new Set<string>();
  const kept = new Set<string>();
  const storeSlot = bounded(STORE_AT_ONCE);
  const store = (file: RenderedFile) =>
    storeSlot(async () => {
      signal?.throwIfAborted();
      const result = await storage.putRendered(file.path, file.png, file.contentType);
      (result === "written" ? written : kept).add(file.path);
    });
  const rendered = (path: string, png: Promise<Buffer>): Promise<RenderedFile> => png.then((bytes) => ({ path, png: bytes }));

  let files: Promise<RenderedFile>[];
  switch (content.format) {
    case "bullet_points":
      files = [rendered(generationObjectPath(userId, generationId), renderBulletCard(content.bulletPoints, render))];
      break;
    case "canva_design":
      files = [rendered(generationObjectPath(userId, generationId), renderQuoteCard(content.quote, render))];
      break;
    case "carousel": {
      // satori lays the slides out one at a time (lib/render/draw.ts); sharp rasterises them off the main thread meanwhile.
      const slides = content.slides.map((slide, index) =>
        rendered(generationSlidePath(userId, generationId, index + 1), renderSlide(slide, index, content.slides.length, render)),
      );
      // LinkedIn posts a carousel as one PDF: it is stored beside the slides.
      const pdf = Promise.all(slides).then((ready) => carouselPdfFile(userId, generationId, ready, content.slides[0]!.title));
      files = [...slides, pdf];
      break;
    }
  }
  await allSettled(files.map((file) => file.then(store)));
  const paths = (await Promise.all(files)).map((file) => file.path);
  return { files: paths, written: paths.filter((path) => written.has(path)), kept: paths.filter((path) => kept.has(path)) };
}
