/**
 * Alt text for the images a generation becomes: the words on each card and
 * slide, as a screen reader should read them and as a person pastes them
 * into the post's image description. Written from the output itself, in
 * its own language, with no framing words in another ("Slide 3 of 8") that
 * would be English in a Chinese post. Platforms cap image descriptions
 * (X at 1,000 characters), so a long card keeps whole points up to that
 * length, never half of one.
 */
import type { GeneratedContent, Slide } from "@/lib/generations/content";

/** The most characters an alt text holds (X's limit for an image description). */
const MAX_ALT_TEXT = 1000;

const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** Lines read one after another: with a space between them, or none in scripts written without spaces. */
function joined(lines: string[]): string {
  const parts: string[] = [];
  let length = 0;
  for (const line of lines) {
    const separator = parts.length === 0 || UNSPACED.test(line.slice(0, 1)) ? "" : " ";
    if (parts.length > 0 && length + separator.length + line.length > MAX_ALT_TEXT) break;
    parts.push(separator + line);
    length += separator.length + line.length;
  }
  return parts.join("");
}

/** A slide's alt text: its title, then its body. */
export function slideAltText(slide: Pick<Slide, "title" | "body">): string {
  const unspaced = UNSPACED.test(slide.title);
  return joined([`${slide.title}${unspaced ? "：" : ":"}`, slide.body]);
}

export type AltTexts = { image: string; slides: string[] | null };

/** The alt text of the generation's image (a carousel's cover), and of each slide. */
export function altTextsFor(content: GeneratedContent): AltTexts {
  switch (content.format) {
    case "bullet_points":
      return { image: joined(content.bulletPoints), slides: null };
    case "carousel": {
      const slides = content.slides.map(slideAltText);
      return { image: slides[0] ?? "", slides };
    }
    case "canva_design":
      return { image: joined([content.quote]), slides: null };
  }
}
