/**
 * Reads a PDF back with poppler's own tools (pdfinfo, pdfimages; apt
 * poppler-utils, installed by .ci/run), so a test checks what a standard
 * parser sees rather than what our writer meant to write.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type PdfReading = {
  pages: number;
  /** Each page's size in points, as pdfinfo prints it ("1080 x 1350"). */
  pageSizes: string[];
  /** Each embedded image's pixel size and page ("1080x1350@1"), soft masks left out. */
  images: string[];
};

export async function readPdf(pdf: Uint8Array): Promise<PdfReading> {
  const dir = await mkdtemp(path.join(tmpdir(), "postora-pdf-"));
  try {
    const file = path.join(dir, "read.pdf");
    await writeFile(file, pdf);
    const info = (await run("pdfinfo", ["-f", "1", "-l", "9999", file])).stdout;
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? Number.NaN);
    const pageSizes = [...info.matchAll(/^Page\s+\d+ size:\s+([\d.]+ x [\d.]+) pts/gm)].map((match) => match[1]!);
    // pdfimages -list: page num type width height ...
    const list = (await run("pdfimages", ["-list", file])).stdout.split("\n").slice(2);
    const images = list
      .map((line) => line.trim().split(/\s+/))
      .filter((columns) => columns.length > 4 && columns[2] === "image")
      .map((columns) => `${columns[3]}x${columns[4]}@${columns[0]}`);
    return { pages, pageSizes, images };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
