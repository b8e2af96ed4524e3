/** Logos: what is refused (with what to fix), and what a card gets: a PNG this process made. */
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { logoImage } from "@/lib/brand/logo";

const svg = (inner: string, attributes = 'width="80" height="40"') => `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ${attributes}>${inner}</svg>`;
const refusal = (bytes: string | Buffer) => logoImage(Buffer.from(bytes)).then(() => "accepted", (error: Error) => error.message);

describe("logoImage", () => {
  it("rasterises a plain SVG, keeping its proportions, and scales a PNG down", async () => {
    const fromSvg = await logoImage(Buffer.from(svg('<rect width="80" height="40" fill="#dc2626"/>')));
    expect({ width: fromSvg.width, height: fromSvg.height }).toEqual({ width: 160, height: 80 });
    expect((await sharp(fromSvg.png).metadata()).format).toBe("png");
    const big = await sharp({ create: { width: 1000, height: 500, channels: 3, background: "#000" } }).png().toBuffer();
    expect(await logoImage(big)).toMatchObject({ width: 160, height: 80 });
  });

  it("accepts embedded raster images and references to its own parts", async () => {
    const tiny = (await sharp({ create: { width: 2, height: 2, channels: 3, background: "#000" } }).png().toBuffer()).toString("base64");
    const inner = `<defs><linearGradient id="g"><stop offset="0" stop-color="#000"/></linearGradient></defs><rect width="80" height="40" fill="url(#g)"/><image href="data:image/png;base64,${tiny}" width="2" height="2"/>`;
    expect(await refusal(svg(inner))).toBe("accepted");
  });

  it.each([
    ["a file on this machine", '<image xlink:href="/etc/hostname" width="1" height="1"/>', 'it refers to an outside resource (href="/etc/hostname")'],
    ["a file URL", '<image href="file:///etc/passwd" width="1" height="1"/>', 'it refers to an outside resource (href="file:///etc/passwd")'],
    ["a web address", '<image href="https://example.com/a.png" width="1" height="1"/>', "it refers to an outside resource"],
    ["an SVG inside a data URI", '<image href="data:image/svg+xml;base64,PHN2Zy8+" width="1" height="1"/>', "it refers to an outside resource"],
    ["a script", "<script>alert(1)</script>", "it contains a script"],
    ["an event handler", '<rect width="1" height="1" onclick="alert(1)"/>', "it has event handler attributes"],
    ["foreignObject", "<foreignObject><p>hi</p></foreignObject>", "it contains foreignObject"],
    ["a CSS url to elsewhere", '<rect width="1" height="1" style="fill: url(https://example.com/p.svg#x)"/>', "it refers to an outside resource (url("],
    ["a CSS import", "<style>@import url(#x);</style>", "its CSS imports another file"],
  ])("refuses an SVG with %s", async (_what, inner, reason) => {
    expect(await refusal(svg(inner))).toContain(`The SVG logo was refused: ${reason}`);
  });

  it("refuses entities, files that are neither PNG nor SVG, broken PNGs, empty and oversized files", async () => {
    expect(await refusal(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>${svg("<text>&a;</text>")}`)).toContain("it has a DOCTYPE or entities");
    expect(await refusal("GIF89a....")).toBe("The logo is not a PNG or an SVG file; upload one of those.");
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#000" } }).png().toBuffer();
    expect(await refusal(png.subarray(0, 30))).toMatch(/^The logo's PNG could not be read/);
    expect(await refusal("")).toBe("The logo file is empty; upload a PNG or an SVG.");
    expect(await refusal(Buffer.alloc(600 * 1024, 0x20))).toBe("The logo is 614400 bytes; a logo may be at most 524288 bytes (512 KiB).");
    // Drawn 160 pixels high, this would be a 160-million-pixel-wide image.
    expect(await refusal(svg("", 'width="1000000" height="1"'))).toBe("The SVG logo is 1000000x1; a logo may be at most 6 times as wide as it is high, or as high as it is wide.");
  });
});
