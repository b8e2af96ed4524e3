/**
 * Sentences, clauses and words in any script, and the rules a line must keep
 * to stand alone on a card. Intl.Segmenter (ICU's boundary rules, with its
 * dictionaries for Chinese, Japanese and Thai, which have no spaces) finds
 * sentences and words; this module adds what ICU leaves to callers: list
 * items and line breaks as boundaries, abbreviations such as "Dr." that ICU
 * takes for the end of a sentence, and which words a sentence must not end on.
 *
 * The offline writer (lib/ai/offline.ts) picks its lines with these rules,
 * and lib/ai/rules.ts holds every writer's output to them.
 */

export type Language = "en" | "de" | "es" | "fr" | "zh" | "ja" | "ko" | "ar" | "he" | "other";

/** Scripts written without spaces between words: counted and joined by ICU's word segments. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

/** The language a text is most likely in: by script, then (for Latin) by its commonest small words. */
export function languageOf(text: string): Language {
  const count = (pattern: RegExp) => text.match(pattern)?.length ?? 0;
  const letters = Math.max(1, count(/\p{L}/gu));
  if (count(/[\p{Script=Hiragana}\p{Script=Katakana}]/gu) / letters > 0.05) return "ja";
  if (count(/\p{Script=Han}/gu) / letters > 0.2) return "zh";
  if (count(/\p{Script=Hangul}/gu) / letters > 0.2) return "ko";
  if (count(/\p{Script=Arabic}/gu) / letters > 0.3) return "ar";
  if (count(/\p{Script=Hebrew}/gu) / letters > 0.3) return "he";
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const hits = (list: string) => {
    const set = new Set(list.split(" "));
    return words.filter((word) => set.has(word)).length;
  };
  const scores: [Language, number][] = [
    ["en", hits("the and of to is that with for are was this")],
    ["de", hits("der die das und ist nicht mit sich auch ein eine wir")],
    ["es", hits("el la los las y que es en por con una para")],
    ["fr", hits("le la les et est que une pour dans pas avec nous")],
  ];
  scores.sort((a, b) => b[1] - a[1]);
  return scores[0]![1] > 0 ? scores[0]![0] : "other";
}

const isCjk = (language: Language) => language === "zh" || language === "ja";

/** What ends a sentence in each script, and what this module adds to a clause or list item that has none. */
const TERMINAL: Record<"cjk" | "ar" | "other", { ends: RegExp; add: string }> = {
  cjk: { ends: /[。！？]$/u, add: "。" },
  ar: { ends: /[.!؟]$/u, add: "." },
  other: { ends: /[.!?]$/u, add: "." },
};
const terminalFor = (language: Language) => TERMINAL[isCjk(language) ? "cjk" : language === "ar" ? "ar" : "other"];
/** Closing quotes and brackets that may follow a sentence's final mark. */
const CLOSERS = /["'”’»)）」』]+$/u;

export function endsAsSentence(text: string, language: Language): boolean {
  return terminalFor(language).ends.test(text.trim().replace(CLOSERS, ""));
}

/** The text with its script's terminal mark added when it has none (a list item, a clause cut at a semicolon). */
export function asSentence(text: string, language: Language): string {
  const trimmed = text.trim().replace(/[,;:،؛，；：\s]+$/u, "");
  return endsAsSentence(trimmed, language) ? trimmed : trimmed + terminalFor(language).add;
}

// ---------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------

export type Word = { text: string; index: number };

const segmenters = new Map<string, { words: Intl.Segmenter; sentences: Intl.Segmenter }>();
function segmenterFor(language: Language) {
  const locale = language === "other" ? "en" : language;
  let pair = segmenters.get(locale);
  if (!pair) {
    pair = { words: new Intl.Segmenter(locale, { granularity: "word" }), sentences: new Intl.Segmenter(locale, { granularity: "sentence" }) };
    segmenters.set(locale, pair);
  }
  return pair;
}

/** The text's words (letters or digits), with where each starts. */
export function wordsOf(text: string, language: Language = languageOf(text)): Word[] {
  const words: Word[] = [];
  for (const segment of segmenterFor(language).words.segment(text)) if (segment.isWordLike) words.push({ text: segment.segment, index: segment.index });
  return words;
}

/**
 * Words as a person counts them against a limit: a space-separated token with
 * a letter or digit is one word ("time-zone", "3.5%"); text in a script
 * without spaces counts ICU's words.
 */
export function countWords(text: string): number {
  let count = 0;
  for (const token of text.split(/\s+/)) {
    if (UNSPACED.test(token)) count += wordsOf(token, languageOf(token)).length;
    else if (/[\p{L}\p{N}]/u.test(token)) count += 1;
  }
  return count;
}

// ---------------------------------------------------------------------
// Sentences and clauses
// ---------------------------------------------------------------------

/** Abbreviations after which ICU wrongly ends a sentence. */
const ABBREVIATION = /(?:^|\s)(?:Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|Sra|Srta|Inc|Ltd|Co|vs|etc|Nr|Abs|Hr|Fr|Dipl|Ing|approx|No|Vol|Fig|[A-Z])\.\s*$/u;
/** A list item's or thread post's marker: "- ", "2. ", "(3) ", "4/ ", "5/12 ". */
const LIST_MARKER = /^\s*(?:[-*•–—]|\d{1,2}[.)]|\(\d{1,2}\)|[a-z][.)]|\d{1,2}\/\d{0,2})\s+/u;

/** A sentence, and whether it came from a list item or thread post (which may lack a terminal mark). */
export type Sentence = { text: string; listed: boolean };

/** The text's sentences in order: each line on its own (a list item, a heading), split by ICU within a line. */
export function sentencesOf(text: string, language: Language = languageOf(text)): Sentence[] {
  const sentences: Sentence[] = [];
  for (const rawLine of text.split(/\n+/)) {
    const listed = LIST_MARKER.test(rawLine);
    const line = rawLine.replace(LIST_MARKER, "").replace(/\s+/g, " ").trim();
    if (!line) continue;
    let pending = "";
    for (const { segment } of segmenterFor(language).sentences.segment(line)) {
      pending += segment;
      if (ABBREVIATION.test(pending)) continue;
      if (pending.trim()) sentences.push({ text: pending.trim(), listed });
      pending = "";
    }
    if (pending.trim()) sentences.push({ text: pending.trim(), listed });
  }
  return sentences;
}

/** A sentence's clauses where a semicolon separates two that stand alone; the sentence itself when none does. */
export function clausesOf(sentence: string, language: Language): string[] {
  const parts = sentence.split(/\s*[;؛；]\s*/u);
  if (parts.length < 2) return [sentence];
  const clauses = parts.map((part) => asSentence(capitalise(part), language));
  return clauses.every((clause) => fragmentProblem(clause, language) === null) ? clauses : [sentence];
}

/** Words that open a dependent part: a part of a sentence opening with one cannot stand alone. */
const DEPENDENT_OPENING = new Set(
  ("if when because since although though while after before until unless so then and but or which who whom whose that where whereas as " +
    "in on at by for from with without to of into during about like than such especially including e.g " +
    "wenn weil da obwohl während nachdem bevor bis sodass dann und aber oder der die das welche welcher dass wo als in an auf bei mit " +
    "von zu für nach ohne si cuando porque aunque mientras después antes hasta entonces y pero o que quien donde como en con de para por " +
    "sin parce lorsque quand puisque bien tandis après avant jusqu alors et mais ou qui dont où comme dans avec pour par sans")
    .split(" "),
);

/**
 * The parts of a sentence between its commas that stand alone ("We raised
 * prices by 30% in January" from "..., after two years at the same
 * price."), for when neither the sentence nor its semicolon clauses fit. A
 * part opening with a word that makes it dependent ("after", "which",
 * "so") is not one. Languages without such a list get none.
 */
export function independentPartsOf(sentence: string, language: Language): string[] {
  if (!["en", "de", "es", "fr"].includes(language)) return [];
  const parts = sentence.replace(/[.!?]+$/u, "").split(/,\s+/u);
  if (parts.length < 2) return [];
  return parts
    .filter((part) => !DEPENDENT_OPENING.has(wordsOf(part, language)[0]?.text.toLocaleLowerCase() ?? ""))
    .filter((part) => countWords(part) >= 4)
    .map((part) => asSentence(capitalise(part), language))
    .filter((part) => fragmentProblem(part, language) === null);
}

export function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}

/** Words too common to tell one point from another, or to open or close a title. */
const STOPWORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below between both but by can could did do " +
    "does doing down during each few for from further had has have having he her here hers him his how i if in into is it its itself just me more " +
    "most my no nor not now of off on once only or other our ours out over own same she should so some such than that the their theirs them then " +
    "there these they this those through to too under until up very was we were what when where which while who whom why will with would you your " +
    "yours one get got make made many much may might must us via per let it's that's don't can't won't isn't we're they're you're i'm " +
    "der die das den dem des ein eine einen einem einer und oder aber dass weil wenn als ob ist sind war wir ihr sie es ich du mit von zu für auf " +
    "an in im bei nach aus auch nicht noch nur schon sehr so wie was wer uns unser unsere " +
    "el la los las un una unos unas y o pero que porque si como cuando de del al en con por para es son fue era muy más menos nos nuestro nuestra " +
    "su sus lo le les se ya también " +
    "le la les et ou mais que de du des au aux en dans avec pour par est sont nous vous ils elles très plus " +
    "的 了 是 在 和 与 及 我们 你们 他们 我 你 他 她 它 这 那 这个 那个 一个 就 也 都 而 但 但是 因为 所以 如果 或者 把 被 对 让 很 更 最 " +
    "في من على إلى عن مع أن إن لأن التي الذي الذين هذا هذه ذلك تلك هو هي نحن هم كان كانت لا ما لم لن قد ثم أو و"
  ).split(" "),
);

export const isStopword = (word: string) => STOPWORDS.has(word.toLocaleLowerCase());

// ---------------------------------------------------------------------
// Standing alone
// ---------------------------------------------------------------------

/**
 * Words a statement cannot end on: it would be waiting for what comes next.
 * Only words that are (almost) never last: no particles that end sentences
 * ("log in", "fangen an", "发布了"), no pronouns or verbs.
 */
const ENGLISH_DANGLING = new Set(
    ("that and because but or nor so to of the a an with which who whom whose for from at by as if than when while whether into " +
      "such our their its my your very although though unless until since")
      .split(" "),
);
const DANGLING: Record<Language, Set<string>> = {
  en: ENGLISH_DANGLING,
  de: new Set("dass und weil aber oder denn der die das den dem des ein eine einen einem einer von für wenn als ob".split(" ")),
  es: new Set("que y porque pero o ni de la el los las un una con para en por si como cuando del al muy nuestro nuestra".split(" ")),
  fr: new Set("que et parce mais ou de la le les un une avec pour en par si comme quand du des au très".split(" ")),
  zh: new Set("和 与 及 因为 但是 但 而且 或者 或 如果 所以 把 被 对 让".split(" ")),
  ja: new Set("を に".split(" ")),
  ko: new Set(),
  ar: new Set("أن لأن التي الذي الذين في من على إلى و أو لكن عن مع ثم إذا كل".split(" ")),
  he: new Set("ש ו או אבל של עם על את כי אם".split(" ")),
  // An undetected language is most often short English ("Ship it."): its words are the safer guess.
  other: ENGLISH_DANGLING,
};

/** Why this line does not stand alone as a sentence, or null when it does. */
export function fragmentProblem(text: string, language: Language): string | null {
  const trimmed = text.trim();
  if (/(\.\.\.|…)["'”’»)]*$/u.test(trimmed)) return "it ends with an ellipsis, as if cut";
  if (!endsAsSentence(trimmed, language)) return `it does not end as a sentence (with ${isCjk(language) ? "。！？" : language === "ar" ? ". or ؟" : ". ! or ?"})`;
  const words = wordsOf(trimmed, language);
  const last = words.at(-1)?.text.toLocaleLowerCase();
  if (!last) return "it has no words";
  // A question or exclamation may end on a preposition ("Where is it from?"); a statement may not.
  if (!/[?!？！؟]["'”’»)）」』]*$/u.test(trimmed) && DANGLING[language].has(last)) return `it ends on "${words.at(-1)!.text}", as if cut off`;
  if (countWords(trimmed) < (isCjk(language) ? 2 : 3)) return "it is too short to stand alone";
  return unbalancedProblem(trimmed);
}

/** A title: a phrase, so no terminal mark is needed, but it must not end on a word that waits for more, nor trail off. */
export function titleProblem(title: string, language: Language): string | null {
  const trimmed = title.trim();
  if (!trimmed) return "it is empty";
  if (/(\.\.\.|…)$/u.test(trimmed)) return "it ends with an ellipsis, as if cut";
  const last = wordsOf(trimmed, language).at(-1)?.text.toLocaleLowerCase();
  if (!last) return "it has no words";
  if (DANGLING[language].has(last)) return `it ends on "${last}", as if cut off`;
  return unbalancedProblem(trimmed);
}

const PAIRS: [string, string][] = [["(", ")"], ["“", "”"], ["«", "»"], ["（", "）"], ["「", "」"], ["[", "]"]];
function unbalancedProblem(text: string): string | null {
  for (const [open, close] of PAIRS) if (text.split(open).length !== text.split(close).length) return `its ${open}${close} do not pair up, as if cut`;
  if ((text.match(/"/g)?.length ?? 0) % 2 === 1) return "its quotation marks do not pair up, as if cut";
  return null;
}

// ---------------------------------------------------------------------
// Filler
// ---------------------------------------------------------------------

/** Whole sentences that carry no point of their own: sign-posts, sign-offs, thread markers. */
const FILLER_SENTENCE = new RegExp(
  [
    String.raw`^(in this (post|article|thread|piece|note)\b)`,
    String.raw`^(a )?thread\b`,
    String.raw`^(let'?s|let us) (dive|get started|begin|jump)`,
    String.raw`^(thanks|thank you) for reading`,
    String.raw`^(hope this helps|that'?s (it|all)( for now)?|more soon|stay tuned|read on)\b`,
    String.raw`^(follow|subscribe|like and share|share this)\b`,
    String.raw`^(here'?s (what|how|why) (i|we) (learned|think|did)\W*$)`,
    String.raw`^(danke fürs lesen|gracias por leer|sígueme|folgt mir|merci de votre lecture|谢谢阅读|感谢阅读|关注我|شكرا للقراءة)`,
    String.raw`^\d+\s*/\s*\d*\s*$`,
  ].join("|"),
  "iu",
);

/** Words that open a sentence without adding to it ("So, ", "Basically, "); dropped before the sentence is used. */
const FILLER_OPENING = /^(?:so|well|basically|honestly|actually|anyway|okay|ok|look|also|now|of course|to be honest|in fact|ehrlich gesagt|also|nun|bueno|pues|la verdad)\s*,\s+/iu;

export function isFiller(sentence: string): boolean {
  return FILLER_SENTENCE.test(sentence.replace(/^[\p{Emoji_Presentation}\s🧵👇]+/u, "").trim());
}

export function withoutFillerOpening(sentence: string): string {
  const stripped = sentence.replace(FILLER_OPENING, "");
  return stripped === sentence ? sentence : capitalise(stripped);
}
