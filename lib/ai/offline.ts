/**
 * The offline writer: real output with no key and no network, the same for
 * the same input every time. It is extractive: it splits the text into
 * sentences, scores each by how many of the document's frequent content
 * words it carries (normalised for length, so a long sentence does not win
 * by size alone, with a small bonus for the opening sentence, which usually
 * states the point), drops near-duplicates, keeps the best in their original
 * order and fits each to the template's word limits.
 */
import { fitToLimits, fitWords, type GeneratedContent, type Slide } from "@/lib/generations/content";
import type { WriteRequest, Writer } from "@/lib/ai/writer";

const STOPWORDS = new Set(
  ("a about above after again against all also am an and any are as at be because been before being below between both but by can " +
    "could did do does doing down during each few for from further had has have having he her here hers him his how i if in into is " +
    "it its itself just me more most my no nor not now of off on once only or other our ours out over own same she should so some " +
    "such than that the their theirs them then there these they this those through to too under until up very was we were what when " +
    "where which while who whom why will with would you your yours one two get got make made many much may might must us via per " +
    "let lets it's that's don't can't won't isn't aren't we're they're you're i'm")
    .split(" "),
);

type Unit = { index: number; text: string; terms: string[] };

function contentTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [])
    .map((word) => word.replace(/['’]s$/, ""))
    .filter((word) => word.length >= 3 && !STOPWORDS.has(word));
}

function splitSentences(input: string): string[] {
  const lines = input
    .split(/\n+/)
    .map((line) => line.replace(/^\s*([-*•\u2022]|\d+[.)])\s+/, "").trim())
    .filter(Boolean);
  const sentences: string[] = [];
  for (const line of lines) {
    for (const piece of line.split(/(?<=[.!?\u2026])["'”’)]?\s+(?=["'“‘(]?[\p{Lu}\p{N}])/u)) {
      const sentence = piece.replace(/\s+/g, " ").trim();
      if (sentence) sentences.push(sentence);
    }
  }
  return sentences;
}

/** Splits the longest unit at a clause break (or its middle) until there are enough or none is long. */
function enough(sentences: string[], needed: number): string[] {
  const units = [...sentences];
  while (units.length < needed) {
    let longest = -1;
    for (let i = 0; i < units.length; i++) if (units[i]!.split(" ").length >= 8 && (longest < 0 || units[i]!.length > units[longest]!.length)) longest = i;
    if (longest < 0) break;
    const words = units[longest]!.split(" ");
    const middle = Math.floor(words.length / 2);
    let cut = -1;
    for (let offset = 0; offset < middle - 2 && cut < 0; offset++) {
      for (const at of [middle + offset, middle - offset]) if (at > 2 && at < words.length - 2 && /[,;:]$/.test(words[at - 1]!)) cut = at;
    }
    if (cut < 0) cut = middle;
    const first = words.slice(0, cut).join(" ").replace(/[,;:]$/, "");
    const rest = words.slice(cut).join(" ");
    units.splice(longest, 1, `${first}.`, rest.charAt(0).toUpperCase() + rest.slice(1));
  }
  return units;
}

/** The n most informative units, in document order. */
function mostInformative(input: string, n: number): Unit[] {
  const units: Unit[] = enough(splitSentences(input), n).map((text, index) => ({ index, text, terms: contentTerms(text) }));
  const frequency = new Map<string, number>();
  for (const unit of units) for (const term of new Set(unit.terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const score = (unit: Unit) => {
    const unique = [...new Set(unit.terms)];
    if (unique.length === 0) return 0;
    const weight = unique.reduce((sum, term) => sum + (frequency.get(term) ?? 0), 0);
    const lengthPenalty = unit.terms.length < 4 ? 0.6 : 1;
    return (weight / Math.sqrt(unit.terms.length)) * lengthPenalty * (unit.index === 0 ? 1.15 : 1);
  };
  const ranked = units.map((unit) => ({ unit, score: score(unit) })).sort((a, b) => b.score - a.score || a.unit.index - b.unit.index);
  const chosen: Unit[] = [];
  const similar = (a: Unit, b: Unit) => {
    const left = new Set(a.terms);
    const right = new Set(b.terms);
    const shared = [...left].filter((term) => right.has(term)).length;
    const union = new Set([...left, ...right]).size;
    return union > 0 && shared / union > 0.6;
  };
  for (const { unit } of ranked) {
    if (chosen.length === n) break;
    if (!chosen.some((other) => similar(other, unit))) chosen.push(unit);
  }
  // Near-duplicates come back only when nothing else is left.
  for (const { unit } of ranked) {
    if (chosen.length === n) break;
    if (!chosen.includes(unit)) chosen.push(unit);
  }
  return chosen.sort((a, b) => a.index - b.index);
}

/** A slide title: the unit's most frequent content words, in the order it uses them. */
function titleOf(unit: Unit, maxWords: number, frequency: Map<string, number>): string {
  const wanted = Math.min(maxWords, 5);
  const words = unit.text.replace(/[.!?\u2026]+$/, "").split(" ");
  const ranked = words
    .map((word, position) => ({ word, position, term: contentTerms(word)[0] }))
    .filter((entry) => entry.term)
    .sort((a, b) => (frequency.get(b.term!) ?? 0) - (frequency.get(a.term!) ?? 0) || a.position - b.position)
    .slice(0, wanted)
    .sort((a, b) => a.position - b.position)
    .map((entry) => entry.word.replace(/^[("'“‘]+|[),;:.!?"'”’]+$/g, ""));
  const title = ranked.length > 0 ? ranked.join(" ") : fitWords(unit.text, wanted);
  return title.charAt(0).toUpperCase() + title.slice(1);
}

function writeOffline(request: WriteRequest): GeneratedContent {
  const { limits } = request;
  const text = request.inputContent;
  switch (limits.format) {
    case "bullet_points": {
      const units = mostInformative(text, limits.limits.bullets);
      return fitToLimits({ format: "bullet_points", bulletPoints: units.map((unit) => unit.text) }, limits);
    }
    case "carousel": {
      const units = mostInformative(text, limits.limits.slides);
      const frequency = new Map<string, number>();
      for (const term of contentTerms(text)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
      const slides: Slide[] = units.map((unit) => ({ title: titleOf(unit, limits.limits.maxTitleWords, frequency), body: unit.text }));
      return fitToLimits({ format: "carousel", slides }, limits);
    }
    case "canva_design": {
      const [best] = mostInformative(text, 1);
      return fitToLimits({ format: "canva_design", quote: best?.text ?? text }, limits);
    }
  }
}

export const offlineWriter: Writer = {
  name: "offline",
  async write(request) {
    return writeOffline(request);
  },
};
