/**
 * The offline writer over a corpus of varied texts kept in lib/ai/corpus
 * (articles, notes, threads, lists; English, German, Spanish, French,
 * Chinese, Arabic), in every format, with roomy and tight limits. Every
 * bullet, slide and quote must be a whole sentence or clause of the source,
 * ending with its script's own terminal mark, within the limits, never a
 * fragment, never the same point twice; every title a phrase of its own
 * slide. The checks here are written out on their own, not borrowed from
 * lib/ai/rules.ts, so a bug there cannot hide a bug in the writer.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { offlineWriter } from "@/lib/ai/offline";
import { countWords } from "@/lib/ai/sentences";
import { limitsFor, type GeneratedContent, type Limits } from "@/lib/generations/content";

const CORPUS = path.join(__dirname, "corpus");
const texts = readdirSync(CORPUS)
  .filter((name) => name.endsWith(".txt"))
  .sort()
  .map((name) => ({ name, language: name.split("-")[0]!, text: readFileSync(path.join(CORPUS, name), "utf8") }));

const TERMINAL: Record<string, RegExp> = { zh: /[。！？]$/u, ar: /[.!؟]$/u };
const LATIN_TERMINAL = /[.!?]["”»)]?$/u;
const DANGLING: Record<string, string[]> = {
  en: ["that", "and", "because", "but", "or", "of", "to", "the", "a", "which", "with"],
  de: ["dass", "und", "weil", "aber", "oder", "der", "die", "das", "mit"],
  es: ["que", "y", "porque", "pero", "de", "la", "el", "con"],
  fr: ["que", "et", "parce", "mais", "de", "la", "le", "avec"],
  zh: ["和", "因为", "但是", "而且", "或者", "如果"],
  ar: ["أن", "لأن", "التي", "الذي", "في", "من", "على"],
};
const FILLER = /thanks for reading|follow me|that's it for now|danke fürs lesen|谢谢阅读|🧵/iu;

/** The source as one line per sentence stream: list markers gone, whitespace collapsed. */
const flatten = (text: string) =>
  text
    .split("\n")
    .map((line) => line.replace(/^\s*(?:[-*•]|\d{1,2}[.)]|\d{1,2}\/)\s+/u, "").trim())
    .join(" ")
    .replace(/\s+/g, " ");

const lowerFirst = (text: string) => text.charAt(0).toLocaleLowerCase() + text.slice(1);
const contains = (haystack: string, needle: string) => haystack.includes(needle) || lowerFirst(haystack).includes(lowerFirst(needle)) || haystack.toLocaleLowerCase().includes(needle.toLocaleLowerCase());

function lastWord(line: string): string {
  const words = [...new Intl.Segmenter(undefined, { granularity: "word" }).segment(line)].filter((segment) => segment.isWordLike);
  return words.at(-1)?.segment.toLocaleLowerCase() ?? "";
}

/** Checks one bullet, body or quote; returns what is wrong with it. */
function lineFaults(line: string, source: string, language: string, maxWords: number): string[] {
  const faults: string[] = [];
  const terminal = TERMINAL[language] ?? LATIN_TERMINAL;
  if (!terminal.test(line)) faults.push("does not end with the script's terminal mark");
  if (/(\.\.\.|…)$/u.test(line)) faults.push("ends with an ellipsis");
  if (/[.。]$/u.test(line) && DANGLING[language]!.includes(lastWord(line))) faults.push(`ends on "${lastWord(line)}"`);
  const core = line.replace(/[.!?。！？؟]+$/u, "").replace(/^["“]|["”]$/gu, "");
  if (!contains(source, core)) faults.push("is not a sentence or clause of the source");
  if (countWords(line) > maxWords) faults.push(`has ${countWords(line)} words, over ${maxWords}`);
  if (countWords(line) < 2) faults.push("is a fragment");
  if (FILLER.test(line)) faults.push("is filler");
  return faults.map((fault) => `${JSON.stringify(line)} ${fault}`);
}

function faultsOf(content: GeneratedContent, limits: Limits, source: string, language: string): string[] {
  const flat = flatten(source);
  const faults: string[] = [];
  const distinct = (lines: string[]) => {
    const seen = new Set(lines.map((line) => line.toLocaleLowerCase().replace(/[\p{P}\s]+/gu, " ").trim()));
    if (seen.size !== lines.length) faults.push(`a point is made twice: ${JSON.stringify(lines)}`);
  };
  switch (content.format) {
    case "bullet_points": {
      if (limits.format !== "bullet_points") throw new Error("format");
      if (content.bulletPoints.length === 0 || content.bulletPoints.length > limits.limits.bullets) faults.push(`${content.bulletPoints.length} bullets`);
      for (const bullet of content.bulletPoints) faults.push(...lineFaults(bullet, flat, language, limits.limits.maxWordsPerBullet));
      distinct(content.bulletPoints);
      break;
    }
    case "carousel": {
      if (limits.format !== "carousel") throw new Error("format");
      if (content.slides.length === 0 || content.slides.length > limits.limits.slides) faults.push(`${content.slides.length} slides`);
      for (const { title, body } of content.slides) {
        faults.push(...lineFaults(body, flat, language, limits.limits.maxBodyWords));
        // A phrase of its own slide: words that stand together in the body, not keywords gathered from around it.
        if (!contains(body, title)) faults.push(`title ${JSON.stringify(title)} is not a phrase of its slide ${JSON.stringify(body)}`);
        if (countWords(title) > limits.limits.maxTitleWords) faults.push(`title ${JSON.stringify(title)} is over ${limits.limits.maxTitleWords} words`);
        if (DANGLING[language]!.includes(lastWord(title))) faults.push(`title ${JSON.stringify(title)} ends on "${lastWord(title)}"`);
        if (/[.…,;:]$/u.test(title)) faults.push(`title ${JSON.stringify(title)} ends with punctuation`);
      }
      distinct(content.slides.map((slide) => slide.body));
      distinct(content.slides.map((slide) => slide.title));
      break;
    }
    case "canva_design": {
      if (limits.format !== "canva_design") throw new Error("format");
      faults.push(...lineFaults(content.quote, flat, language, limits.limits.maxQuoteWords));
      break;
    }
  }
  return faults;
}

const SHAPES: [string, Limits][] = [
  ["bullets, default limits", limitsFor("bullet_points", null)],
  ["bullets, 3 of at most 12 words", limitsFor("bullet_points", { bullets: 3, maxWordsPerBullet: 12 })],
  ["carousel, default limits", limitsFor("carousel", null)],
  ["carousel, 4 slides, titles of 4 words, bodies of 14", limitsFor("carousel", { slides: 4, maxTitleWords: 4, maxBodyWords: 14 })],
  ["quote card", limitsFor("canva_design", null)],
];

describe("the offline writer over the corpus", () => {
  it("has at least 30 texts, in English, German, Spanish, Chinese and Arabic", () => {
    expect(texts.length).toBeGreaterThanOrEqual(30);
    expect(new Set(texts.map((text) => text.language))).toEqual(new Set(["en", "de", "es", "fr", "zh", "ar"]));
  });

  for (const [shape, limits] of SHAPES) {
    it(`writes only whole sentences within the limits: ${shape}`, async () => {
      const faults: string[] = [];
      let lines = 0;
      for (const { name, language, text } of texts) {
        const content = await offlineWriter.write({ inputContent: text, limits }).catch((error: Error) => {
          faults.push(`${name}: ${error.message}`);
          return null;
        });
        if (!content) continue;
        lines += content.format === "bullet_points" ? content.bulletPoints.length : content.format === "carousel" ? content.slides.length : 1;
        faults.push(...faultsOf(content, limits, text, language).map((fault) => `${name}: ${fault}`));
      }
      expect(faults).toEqual([]);
      // Not trivially passing: most texts yield several points.
      expect(lines).toBeGreaterThanOrEqual(limits.format === "canva_design" ? texts.length : texts.length * 2.5);
    });
  }

  it("never cuts the issue's sentence into a fragment, and titles its slides with phrases", async () => {
    const text = texts.find((entry) => entry.name === "en-article-remote-work.txt")!.text;
    const carousel = await offlineWriter.write({ inputContent: text, limits: limitsFor("carousel", null) });
    if (carousel.format !== "carousel") throw new Error("format");
    const survey = carousel.slides.find((slide) => slide.body.startsWith("Our survey"));
    expect(survey?.body).toBe("Our survey of forty startups found that written proposals cut meeting time by a third.");
    expect(survey?.title).toBe("Written proposals cut meeting time");
    expect(carousel.slides.map((slide) => slide.body)).toContain("Dr. Chen at Acme Inc. measured a 27.5% drop in calls after six months.");
    // "So, we moved ..." loses its filler opening; "Thanks for reading!" is not a point.
    expect(carousel.slides.map((slide) => slide.body)).not.toContain("So, we moved every decision into a shared document.");
  });

  it("chooses shorter sentences, or a sentence's own clauses, rather than cutting one", async () => {
    const text = texts.find((entry) => entry.name === "en-long-sentences.txt")!.text;
    const bullets = await offlineWriter.write({ inputContent: text, limits: limitsFor("bullet_points", { bullets: 4, maxWordsPerBullet: 12 }) });
    if (bullets.format !== "bullet_points") throw new Error("format");
    expect(bullets.bulletPoints).toEqual([
      "The plan adds 35 km of protected bike lanes over four years.",
      "It also removes 400 parking spaces from the old town.",
      "Construction starts in April.",
      "The first lanes will connect the train station with the university.",
    ]);
  });

  it("fails with a reason the person can act on when no sentence fits", async () => {
    const text = "The council debated the plan for five hours and heard from sixty residents. The plan adds bike lanes across the old town.";
    await expect(offlineWriter.write({ inputContent: text, limits: limitsFor("bullet_points", { maxWordsPerBullet: 4 }) })).rejects.toThrow(
      /no complete sentence of at most 4 words .* raise maxWordsPerBullet in the template/,
    );
  });
});
