/**
 * The offline writer: real output with no key and no network, the same for
 * the same input every time. It is extractive: it splits the text into
 * sentences (Intl.Segmenter, so any script), drops filler ("In this post",
 * "Thanks for reading", an opening "So,"), scores each sentence by how many
 * of the document's frequent content words it carries (normalised for
 * length, with a small bonus for the opening sentence, which usually states
 * the point, and for numbers, which are facts), and keeps the best that make
 * different points, in their original order.
 *
 * It never cuts a sentence to fit: a sentence longer than the template
 * allows is replaced by its clauses when a semicolon separates ones that
 * stand alone, else left out for a shorter one. A slide's title is the
 * slide's own most telling phrase (a run of adjacent words that starts and
 * ends on content words), never a list of keywords gathered from all over.
 */
import type { GeneratedContent, Slide } from "@/lib/generations/content";
import { contentProblems, samePoint, termsOf } from "@/lib/ai/rules";
import {
  asSentence,
  capitalise,
  clausesOf,
  countWords,
  endsAsSentence,
  fragmentProblem,
  independentPartsOf,
  isFiller,
  isStopword,
  languageOf,
  sentencesOf,
  titleProblem,
  withoutFillerOpening,
  wordsOf,
  type Language,
  type Word,
} from "@/lib/ai/sentences";
import type { WriteRequest, Writer } from "@/lib/ai/writer";

type Unit = { order: number; text: string; terms: Set<string>; words: number };

/** Candidate lines in document order: whole sentences, or for one too long, its standalone clauses. */
function candidates(text: string, language: Language, maxWords: number, wanted: number): Unit[] {
  const sentences: { whole: string; clauses: string[] }[] = [];
  for (const raw of sentencesOf(text, language)) {
    if (isFiller(raw.text)) continue;
    let sentence = withoutFillerOpening(raw.text);
    // A line with no terminal mark is a point when it is a list item that reads like one, else a heading.
    if (!endsAsSentence(sentence, language)) {
      if (!raw.listed || countWords(sentence) < 4 || /[:：]$/u.test(sentence)) continue;
      sentence = asSentence(sentence, language);
    }
    if (fragmentProblem(sentence, language)) continue;
    sentences.push({ whole: sentence, clauses: clausesOf(sentence, language) });
  }
  const fits = (line: string) => countWords(line) <= maxWords;
  // Whole sentences first; a sentence's clauses stand in when it is too long, or when there are too few sentences.
  let lines = sentences.flatMap(({ whole, clauses }) => (fits(whole) ? [whole] : clauses.filter(fits)));
  if (lines.length < wanted) lines = sentences.flatMap(({ whole, clauses }) => (clauses.length > 1 ? clauses.filter(fits) : fits(whole) ? [whole] : []));
  // The last resort before giving up: the parts between a long sentence's commas that stand alone.
  if (lines.length === 0) lines = sentences.flatMap(({ whole }) => independentPartsOf(whole, language).filter(fits));
  return lines.map((line, order) => ({ order, text: line, terms: termsOf(line, language), words: countWords(line) }));
}

/** The n most informative units that make different points, in document order. */
function mostInformative(units: Unit[], n: number): Unit[] {
  const frequency = new Map<string, number>();
  for (const unit of units) for (const term of unit.terms) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const score = (unit: Unit) => {
    const content = [...unit.terms];
    if (content.length === 0) return 0;
    const weight = content.reduce((sum, term) => sum + (frequency.get(term) ?? 0), 0);
    return (
      (weight / Math.sqrt(content.length)) *
      (unit.words < 5 ? 0.6 : 1) *
      (unit.order === 0 ? 1.15 : 1) *
      (/\p{N}/u.test(unit.text) ? 1.1 : 1) *
      (/[?？؟]$/u.test(unit.text) ? 0.5 : 1)
    );
  };
  const ranked = units.map((unit) => ({ unit, score: score(unit) })).sort((a, b) => b.score - a.score || a.unit.order - b.unit.order);
  const chosen: Unit[] = [];
  for (const { unit } of ranked) {
    if (chosen.length === n) break;
    if (!chosen.some((other) => samePoint(other.terms, unit.terms, 0.5))) chosen.push(unit);
  }
  return chosen.sort((a, b) => a.order - b.order);
}

/**
 * A slide's title: the run of adjacent words in its body (no punctuation
 * between them) that starts and ends on a content word and carries the most
 * of the document's frequent terms, at most maxWords (and six) long. A run
 * that cuts a phrase (a content word just before or after it) counts for
 * less, and one that opens its sentence or clause for more, so titles read
 * as phrases ("Written proposals cut meeting time"), not as stray words.
 */
function titleOf(body: string, maxWords: number, frequency: Map<string, number>, language: Language, taken: Set<string>): string {
  const words = wordsOf(body, language);
  const limit = Math.min(maxWords, language === "zh" || language === "ja" ? 8 : 6);
  const isContent = (word: Word | undefined) => word !== undefined && !isStopword(word.text);
  // Words stand together when only spaces, apostrophes, hyphens or symbols ("30 %", "250 °C") come between them.
  const joined = (left: number, right: number) => /^[\s'’\-\p{S}%‰]*$/u.test(body.slice(words[left]!.index + words[left]!.text.length, words[right]!.index));
  /** Where a title ending on this word ends: after a symbol stuck to it ("27%"). */
  const endOf = (word: Word) => word.index + word.text.length + (/^[%‰\p{S}]+/u.exec(body.slice(word.index + word.text.length))?.[0].length ?? 0);
  const startOf = (word: Word) => word.index - (/\p{Sc}+$/u.exec(body.slice(0, word.index))?.[0].length ?? 0);
  let best: { title: string; score: number } | null = null;
  for (let start = 0; start < words.length; start++) {
    if (!isContent(words[start])) continue;
    const opens = start === 0 || !joined(start - 1, start);
    let score = 0;
    for (let end = start; end < words.length && end - start < limit; end++) {
      if (end > start && !joined(end - 1, end)) break;
      const word = words[end]!;
      if (!isContent(word)) continue;
      score += Math.min(frequency.get(word.text.toLocaleLowerCase()) ?? 1, 4);
      const title = capitalise(body.slice(startOf(words[start]!), endOf(word)));
      if (taken.has(title.toLocaleLowerCase()) || titleProblem(title, language) || countWords(title) > maxWords) continue;
      const length = end - start + 1;
      const closes = end + 1 === words.length || !joined(end, end + 1);
      const cutsAfter = !closes && isContent(words[end + 1]);
      const cutsBefore = !opens && isContent(words[start - 1]);
      const weighted =
        score *
        (length === 1 ? 0.5 : length === 2 ? 0.85 : 1) *
        (cutsAfter ? 0.6 : 1) *
        (cutsBefore ? 0.7 : 1) *
        (opens ? 1.2 : 1) *
        (closes ? 1.15 : 1);
      if (!best || weighted > best.score) best = { title, score: weighted };
    }
  }
  return best?.title ?? capitalise(words[0]?.text ?? body);
}

/** Thrown when the text has nothing that can be used whole: the person's to fix, so it is not retried. */
class NothingToUseError extends Error {
  constructor(maxWords: number, limitName: string) {
    super(
      `The text has no complete sentence of at most ${maxWords} words to use, and sentences are never cut. ` +
        `Write it in full sentences (each ending in . ! or ?), or raise ${limitName} in the template.`,
    );
    this.name = "NothingToUseError";
  }
}

function pick(text: string, language: Language, maxWords: number, n: number, limitName: string): Unit[] {
  const chosen = mostInformative(candidates(text, language, maxWords, n), n);
  if (chosen.length === 0) throw new NothingToUseError(maxWords, limitName);
  return chosen;
}

function writeOffline(request: WriteRequest): GeneratedContent {
  const { limits } = request;
  const text = request.inputContent;
  const language = languageOf(text);
  let content: GeneratedContent;
  switch (limits.format) {
    case "bullet_points": {
      const units = pick(text, language, limits.limits.maxWordsPerBullet, limits.limits.bullets, "maxWordsPerBullet");
      content = { format: "bullet_points", bulletPoints: units.map((unit) => unit.text) };
      break;
    }
    case "carousel": {
      const units = pick(text, language, limits.limits.maxBodyWords, limits.limits.slides, "maxBodyWords");
      const frequency = new Map<string, number>();
      for (const word of wordsOf(text, language)) frequency.set(word.text.toLocaleLowerCase(), (frequency.get(word.text.toLocaleLowerCase()) ?? 0) + 1);
      const taken = new Set<string>();
      const slides: Slide[] = units.map((unit) => {
        const title = titleOf(unit.text.replace(/[.!?。！？؟]+$/u, ""), limits.limits.maxTitleWords, frequency, language, taken);
        taken.add(title.toLocaleLowerCase());
        return { title, body: unit.text };
      });
      content = { format: "carousel", slides };
      break;
    }
    case "canva_design": {
      const [best] = pick(text, language, limits.limits.maxQuoteWords, 1, "maxQuoteWords");
      content = { format: "canva_design", quote: best!.text };
      break;
    }
  }
  // Picked by the rules, so this only fails on a bug here; better a failed job than a card with a fragment.
  const problems = contentProblems(content, limits, language);
  if (problems.length > 0) throw new Error(`The offline writer broke its own rules: ${problems.join("; ")}`);
  return content;
}

export const offlineWriter: Writer = {
  name: "offline",
  async write(request) {
    return writeOffline(request);
  },
};
