/**
 * A carousel as one PDF: LinkedIn posts a document (a swipeable carousel)
 * from a PDF, not from separate PNGs. One page per slide, in slide order,
 * each 1080x1350 points (its MediaBox) holding that slide's PNG at full
 * resolution: one image pixel per point, nothing resampled.
 *
 * Written here rather than with a PDF library: a page is an image and the
 * one operator that draws it, and a PNG's compressed data is already what a
 * PDF image holds (FlateDecode with PNG predictors, PDF 1.2), so each slide's
 * IDAT bytes are copied into the file as they are. pdfkit, used before, did
 * the same but first copied every IDAT byte into a JavaScript array (png-js),
 * which took most of the time of a carousel's PDF.
 *
 * A PNG whose data cannot be copied (transparency, interlacing, or another
 * format) is turned into an opaque RGB PNG first: an opaque RGBA one with
 * Node's zlib (lib/generations/opaque-png.ts, what resvg wrote), anything
 * else with sharp, onto white, as a PDF viewer shows it.
 */
import sharp from "sharp";
import { opaquePng } from "@/lib/generations/opaque-png";
import { CAROUSEL_SIZE } from "@/lib/render/sizes";
import { generationPdfPath, generationSlidePath, type FileStorage, type RenderedContentType } from "@/lib/storage/types";

/**
 * A carousel page's size in points is the slide's size in pixels, so each
 * page holds its slide at full resolution. (lib/render/sizes.ts has no
 * renderer in it, so the API's route can import it without resvg's addon.)
 */
const CAROUSEL_PAGE = CAROUSEL_SIZE;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG's image as a PDF image: its dictionary's entries and its compressed data. */
type PdfImage = { width: number; height: number; colorSpace: string; colors: number; bits: number; data: Buffer[] };

/** The PNG as a PDF image, or null when its data cannot be copied as it is. */
function pdfImage(png: Buffer): PdfImage | null {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  let header: Buffer | null = null;
  let palette: Buffer | null = null;
  const data: Buffer[] = [];
  for (let offset = 8; offset + 8 <= png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") header = body;
    else if (type === "PLTE") palette = body;
    else if (type === "IDAT") data.push(body);
    // Transparency needs a soft mask, which a copy cannot give.
    else if (type === "tRNS") return null;
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  if (!header || header.length < 13 || data.length === 0 || header[12] !== 0) return null;
  const [bits, colorType] = [header[8]!, header[9]!];
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  if (colorType === 2) return { width, height, colorSpace: "/DeviceRGB", colors: 3, bits, data };
  if (colorType === 0) return { width, height, colorSpace: "/DeviceGray", colors: 1, bits, data };
  if (colorType === 3 && palette) {
    return { width, height, colorSpace: `[/Indexed /DeviceRGB ${palette.length / 3 - 1} <${palette.toString("hex")}>]`, colors: 1, bits, data };
  }
  return null;
}

/** A slide as a PDF image, made copyable first when it is not (see the file's header). */
async function slideImage(slide: Uint8Array): Promise<PdfImage> {
  const png = Buffer.from(slide.buffer, slide.byteOffset, slide.byteLength);
  const image = pdfImage(png) ?? pdfImage(Buffer.from(opaquePng(png)));
  if (image) return image;
  const flat = await sharp(png).flatten({ background: "#ffffff" }).png({ compressionLevel: 4 }).toBuffer();
  const converted = pdfImage(flat);
  if (!converted) throw new Error("A carousel slide could not be read as an image.");
  return converted;
}

/** A PDF text string: UTF-16BE with its byte order mark, in hex, so any script and any character is safe. */
const pdfText = (text: string) => `<feff${Buffer.from(text, "utf16le").swap16().toString("hex")}>`;

/** A PDF date (D:YYYYMMDDHHmmSSZ), in UTC. */
const pdfDate = (date: Date) => `(D:${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z)`;

/** The PDF of a carousel whose slides are these PNGs (slide 1 first). */
export async function carouselPdf(slides: readonly Uint8Array[], title: string): Promise<Buffer> {
  if (slides.length === 0) throw new RangeError("A carousel PDF needs at least one slide.");
  const images = await Promise.all(slides.map(slideImage));
  const { width, height } = CAROUSEL_PAGE;
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const write = (part: string | Buffer) => {
    const bytes = typeof part === "string" ? Buffer.from(part, "latin1") : part;
    parts.push(bytes);
    length += bytes.length;
  };
  // Objects are numbered from 1: the catalog, the page tree, the document's info, then three per slide.
  const object = (id: number, dictionary: string, stream?: Buffer[]) => {
    offsets[id] = length;
    write(`${id} 0 obj\n${dictionary}\n`);
    if (stream) {
      write("stream\n");
      for (const chunk of stream) write(chunk);
      write("\nendstream\n");
    }
    write("endobj\n");
  };
  const pageId = (index: number) => 4 + index * 3;

  // A binary comment on the second line tells transfer tools the file is binary.
  write("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  object(2, `<< /Type /Pages /Kids [${images.map((_, index) => `${pageId(index)} 0 R`).join(" ")}] /Count ${images.length} >>`);
  object(3, `<< /Title ${pdfText(title)} /Producer (Postora) /Creator (Postora) /CreationDate ${pdfDate(new Date())} >>`);
  images.forEach((image, index) => {
    const [page, contents, xobject] = [pageId(index), pageId(index) + 1, pageId(index) + 2];
    // The image fills the page, whatever its pixel size.
    const draw = Buffer.from(`q ${width} 0 0 ${height} 0 0 cm /Slide Do Q`, "latin1");
    object(page, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Resources << /XObject << /Slide ${xobject} 0 R >> >> /Contents ${contents} 0 R >>`);
    object(contents, `<< /Length ${draw.length} >>`, [draw]);
    const bytes = image.data.reduce((sum, chunk) => sum + chunk.length, 0);
    object(
      xobject,
      `<< /Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} /ColorSpace ${image.colorSpace} ` +
        `/BitsPerComponent ${image.bits} /Filter /FlateDecode ` +
        `/DecodeParms << /Predictor 15 /Colors ${image.colors} /BitsPerComponent ${image.bits} /Columns ${image.width} >> /Length ${bytes} >>`,
      image.data,
    );
  });
  const count = pageId(images.length);
  const xref = length;
  write(`xref\n0 ${count}\n0000000000 65535 f \n`);
  for (let id = 1; id < count; id++) write(`${String(offsets[id]).padStart(10, "0")} 00000 n \n`);
  write(`trailer\n<< /Size ${count} /Root 1 0 R /Info 3 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts, length);
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
