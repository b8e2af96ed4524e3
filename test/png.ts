/**
 * Decodes a PNG far enough to prove it is one: signature, IHDR, every chunk's
 * CRC, and the IDAT stream inflated to exactly the bytes its dimensions need.
 * Returns the dimensions.
 */
import { crc32, deflateSync, inflateSync } from "node:zlib";
import pixelmatch from "pixelmatch";
import sharp from "sharp";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function decodePng(bytes: Uint8Array): { width: number; height: number } {
  const png = Buffer.from(bytes);
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG: bad signature");
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number; colorType: number } | null = null;
  const data: Buffer[] = [];
  let ended = false;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString("latin1");
    const body = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== crc) throw new Error(`bad CRC in ${type}`);
    if (type === "IHDR") header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), bitDepth: body[8]!, colorType: body[9]! };
    if (type === "IDAT") data.push(body);
    offset += 12 + length;
    if (type === "IEND") {
      ended = true;
      break;
    }
  }
  if (!header || !ended) throw new Error("not a PNG: missing IHDR or IEND");
  const pixels = inflateSync(Buffer.concat(data));
  const rowBytes = Math.ceil((header.width * CHANNELS[header.colorType]! * header.bitDepth) / 8);
  if (pixels.length !== header.height * (1 + rowBytes)) throw new Error(`IDAT holds ${pixels.length} bytes, not ${header.height * (1 + rowBytes)}`);
  return { width: header.width, height: header.height };
}

/** A valid opaque grey PNG of the given dimensions (8-bit RGB), for tests that need a real image of a known size. */
export function solidPng(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, "latin1"), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x80)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([SIGNATURE, chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}

type Pixels = { width: number; height: number; data: Buffer };

/** A PNG's pixels as 8-bit RGBA, decoded by sharp (libvips: native, several times faster than a JavaScript decoder). */
export async function pixelsOf(png: Buffer): Promise<Pixels> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/**
 * How many pixels differ between two images of the same size (pixelmatch at threshold 0.1, which ignores
 * anti-aliasing noise). A Buffer is decoded first; pass Pixels to decode a reference once for several comparisons.
 */
export async function differentPixels(actual: Buffer | Pixels, expected: Buffer | Pixels): Promise<number> {
  const [a, b] = await Promise.all([actual, expected].map((image) => (Buffer.isBuffer(image) ? pixelsOf(image) : image)));
  if (a!.width !== b!.width || a!.height !== b!.height) throw new Error(`The images differ in size: ${a!.width}x${a!.height} against ${b!.width}x${b!.height}.`);
  return pixelmatch(a!.data, b!.data, null, a!.width, a!.height, { threshold: 0.1 });
}
