/**
 * An opaque RGBA PNG as an RGB PNG of the same pixels. satori/resvg write
 * RGBA even for a slide with an opaque background, and pdfkit embeds an RGBA
 * PNG by decoding it in JavaScript to split off the alpha channel (seconds
 * per slide); an RGB PNG's compressed data it embeds as it is. Inflating,
 * unfiltering and deflating here uses Node's native zlib. Any PNG this does
 * not handle (other formats, interlaced, or with a pixel not fully opaque)
 * is returned unchanged.
 */
import { crc32, deflateSync, inflateSync } from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])));
  return Buffer.concat([head, body, crc]);
}

const paeth = (a: number, b: number, c: number) => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

export function opaquePng(input: Uint8Array): Uint8Array {
  const png = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!png.subarray(0, 8).equals(SIGNATURE)) return input;
  let header: Buffer | null = null;
  const data: Buffer[] = [];
  for (let offset = 8; offset + 8 <= png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") header = body;
    else if (type === "IDAT") data.push(body);
    offset += 12 + length;
  }
  // 8-bit RGBA, not interlaced: what resvg writes.
  if (!header || header[8] !== 8 || header[9] !== 6 || header[12] !== 0) return input;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * 4;
  if (raw.length !== height * (stride + 1)) return input;
  const rgb = Buffer.alloc(height * (width * 3 + 1));
  let previous = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const left = x >= 4 ? line[x - 4]! : 0;
      const up = previous[x]!;
      const upLeft = x >= 4 ? previous[x - 4]! : 0;
      const value = line[x]!;
      line[x] = filter === 1 ? value + left : filter === 2 ? value + up : filter === 3 ? value + ((left + up) >> 1) : filter === 4 ? value + paeth(left, up, upLeft) : value;
    }
    const out = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      if (line[x * 4 + 3] !== 255) return input;
      rgb[out + 1 + x * 3] = line[x * 4]!;
      rgb[out + 2 + x * 3] = line[x * 4 + 1]!;
      rgb[out + 3 + x * 3] = line[x * 4 + 2]!;
    }
    previous = line;
  }
  const ihdr = Buffer.from(header);
  ihdr[9] = 2;
  return Buffer.concat([SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rgb)), chunk("IEND", Buffer.alloc(0))]);
}
