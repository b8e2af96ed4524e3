/**
 * Colour emoji from @twemoji/svg: satori asks for each emoji grapheme it
 * meets (a skin tone, a flag, a ZWJ sequence such as 👩‍💻 is one grapheme)
 * and draws the image we return in its place.
 *
 * Satori keeps these images per render, so it asks again on every render; we
 * keep the data URLs of the most recently used emoji, a bounded number, so a
 * long-running worker's memory does not grow with every emoji it has ever
 * drawn.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const DIRECTORY = path.dirname(createRequire(import.meta.url).resolve("@twemoji/svg/package.json"));
const CACHED = 512;
const cache = new Map<string, Promise<string | undefined>>();

/**
 * Twemoji's file name for a grapheme: its code points in hex joined by "-",
 * without the variation selector U+FE0F unless the sequence has a ZWJ (the
 * rule of twemoji's own parser).
 */
export function twemojiName(grapheme: string): string {
  const text = grapheme.includes("\u200d") ? grapheme : grapheme.replaceAll("\ufe0f", "");
  return [...text].map((char) => char.codePointAt(0)!.toString(16)).join("-");
}

async function load(grapheme: string): Promise<string | undefined> {
  const names = [twemojiName(grapheme), twemojiName(grapheme.replaceAll("\ufe0f", ""))];
  for (const name of new Set(names)) {
    try {
      const svg = await readFile(path.join(DIRECTORY, `${name}.svg`));
      return `data:image/svg+xml;base64,${svg.toString("base64")}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return undefined;
}

/** The emoji's image as a data URL, or undefined when Twemoji has none (satori then falls back to the fonts). */
export function emojiImage(grapheme: string): Promise<string | undefined> {
  let image = cache.get(grapheme);
  if (image) {
    // Most recently used last.
    cache.delete(grapheme);
  } else {
    image = load(grapheme);
    image.catch(() => cache.delete(grapheme));
  }
  cache.set(grapheme, image);
  if (cache.size > CACHED) cache.delete(cache.keys().next().value!);
  return image;
}
