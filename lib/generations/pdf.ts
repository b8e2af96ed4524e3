/**
 * A carousel as one PDF: LinkedIn posts a document (a swipeable carousel)
 * from a PDF, not from separate PNGs. One page per slide, in slide order,
 * each 1080x1350 points (its MediaBox) holding that slide's PNG at full
 * resolution: one image pixel per point, nothing resampled.
 *
 * pdfkit writes it (maintained, MIT; pdf-lib has had no release since
 * 2021). It embeds an RGB PNG's compressed data as it is, but decodes an
 * RGBA one in JavaScript to split off the alpha: our opaque slides are
 * turned into RGB first (lib/generations/opaque-png.ts).
 */
import { opaquePng } from "@/lib/generations/opaque-png";
import { CAROUSEL_SIZE } from "@/lib/render/sizes";
import { generationPdfPath, generationSlidePath, type FileStorage, type RenderedContentType } from "@/lib/storage/types";

/**
 * A carousel page's size in points is the slide's size in pixels, so each
 * page holds its slide at full resolution. (lib/render/sizes.ts has no
 * renderer in it, so the API's route can import it without resvg's addon.)
 */
const CAROUSEL_PAGE = CAROUSEL_SIZE;

/** The PDF of a carousel whose slides are these PNGs (slide 1 first). */
export async function carouselPdf(slides: readonly Uint8Array[], title: string): Promise<Buffer> {
  if (slides.length === 0) throw new RangeError("A carousel PDF needs at least one slide.");
  // pdfkit loads with the first PDF: the API's process reaches this module only for an old carousel's download,
  // and should not carry the writer's memory (BENCHMARKS.md) through every other request.
  const { default: PDFDocument } = await import("pdfkit");
  const size: [number, number] = [CAROUSEL_PAGE.width, CAROUSEL_PAGE.height];
  const doc = new PDFDocument({ autoFirstPage: false, size, margin: 0, info: { Title: title, Producer: "Postora", Creator: "Postora" } });
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    try {
      for (const png of slides) {
        doc.addPage({ size, margin: 0 });
        const opaque = opaquePng(png);
        doc.image(Buffer.from(opaque.buffer, opaque.byteOffset, opaque.byteLength), 0, 0, { width: size[0], height: size[1] });
      }
      doc.end();
    } catch (error) {
      reject(error as Error);
    }
  });
}

/** A file the pipeline stores: an image, or a carousel's PDF. */
export type RenderedFile = { path: string; png: Uint8Array; contentType?: RenderedContentType };

/** The PDF file of a carousel the pipeline just rendered, from its slides' PNGs (in order). */
export async function carouselPdfFile(userId: string, generationId: string, slides: readonly RenderedFile[], title: string): Promise<RenderedFile> {
  return { path: generationPdfPath(userId, generationId), png: await carouselPdf(slides.map((slide) => slide.png), title), contentType: "application/pdf" };
}

/**
 * The stored PDF of a completed carousel, made from its stored slides the
 * first time it is asked for (a carousel completed before PDFs existed).
 * Returns its path. Two requests at once may both make it; the bytes are
 * the same slides either way, and the second write replaces the first.
 */
export async function ensureCarouselPdf(storage: FileStorage, carousel: { id: string; userId: string; slides: readonly { title: string }[] }): Promise<string> {
  const path = generationPdfPath(carousel.userId, carousel.id);
  if (await storage.exists(path)) return path;
  const pngs = await Promise.all(carousel.slides.map((_, index) => storage.read(generationSlidePath(carousel.userId, carousel.id, index + 1))));
  await storage.putRendered(path, await carouselPdf(pngs, carousel.slides[0]?.title ?? "Carousel"), "application/pdf");
  return path;
}
