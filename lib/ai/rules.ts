/**
 * The rules every writer's output keeps before it is stored: each bullet,
 * slide body and quote is a sentence or clause that stands alone (ends with
 * its script's terminal mark, never on "that" or "and", never cut with an
 * ellipsis), within the template's word limits, and no point is made twice;
 * each slide title is a short phrase that does not trail off. The offline
 * writer picks only lines that pass; a language model's answer that fails is
 * asked for once more and then refused (lib/ai/model.ts).
 */
import type { GeneratedContent, Limits } from "@/lib/generations/content";
import { countWords, fragmentProblem, isStopword, languageOf, titleProblem, wordsOf, type Language } from "@/lib/ai/sentences";

/** Content words of a line, lower-cased, for telling whether two lines make the same point. */
export function termsOf(text: string, language: Language): Set<string> {
  const minimum = language === "zh" || language === "ja" ? 2 : 3;
  const words = wordsOf(text, language).map((word) => word.text.toLocaleLowerCase());
  return new Set(words.filter((word) => [...word].length >= minimum && !isStopword(word)));
}

/** Two lines make the same point when most of their content words are shared (Jaccard over `threshold`). */
export function samePoint(a: Set<string>, b: Set<string>, threshold = 0.6): boolean {
  if (a.size === 0 || b.size === 0) return false;
  const shared = [...a].filter((term) => b.has(term)).length;
  return shared / (a.size + b.size - shared) > threshold;
}

const quoted = (text: string) => `"${text.length > 60 ? `${text.slice(0, 57)}...` : text}"`;

function lineProblems(label: string, text: string, maxWords: number, language: Language): string[] {
  const problems: string[] = [];
  const fragment = fragmentProblem(text, language);
  if (fragment) problems.push(`${label} ${quoted(text)}: ${fragment}`);
  const words = countWords(text);
  if (words > maxWords) problems.push(`${label} ${quoted(text)} has ${words} words, more than the ${maxWords} allowed`);
  return problems;
}

function duplicateProblems(label: string, lines: string[], language: Language): string[] {
  const terms = lines.map((line) => termsOf(line, language));
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    for (let j = 0; j < i; j++) {
      if (lines[i]!.trim().toLocaleLowerCase() === lines[j]!.trim().toLocaleLowerCase() || samePoint(terms[i]!, terms[j]!)) {
        problems.push(`${label} ${i + 1} makes the same point as ${label} ${j + 1}`);
        break;
      }
    }
  }
  return problems;
}

/** Everything in this output that breaks the rules, one readable line each (empty: it may be stored). */
export function contentProblems(content: GeneratedContent, limits: Limits, language: Language = languageOf(textOf(content))): string[] {
  switch (content.format) {
    case "bullet_points": {
      if (limits.format !== "bullet_points") return ["the output is not in the template's format"];
      const { bullets, maxWordsPerBullet } = limits.limits;
      const problems = content.bulletPoints.flatMap((bullet, index) => lineProblems(`bullet ${index + 1}`, bullet, maxWordsPerBullet, language));
      if (content.bulletPoints.length === 0) problems.push("there are no bullet points");
      if (content.bulletPoints.length > bullets) problems.push(`there are ${content.bulletPoints.length} bullet points, more than the ${bullets} asked for`);
      return [...problems, ...duplicateProblems("bullet", content.bulletPoints, language)];
    }
    case "carousel": {
      if (limits.format !== "carousel") return ["the output is not in the template's format"];
      const { slides, maxTitleWords, maxBodyWords } = limits.limits;
      const problems = content.slides.flatMap((slide, index) => {
        const title = titleProblem(slide.title, language);
        const titleWords = countWords(slide.title);
        return [
          ...(title ? [`slide ${index + 1}'s title ${quoted(slide.title)}: ${title}`] : []),
          ...(titleWords > maxTitleWords ? [`slide ${index + 1}'s title has ${titleWords} words, more than the ${maxTitleWords} allowed`] : []),
          ...lineProblems(`slide ${index + 1}'s body`, slide.body, maxBodyWords, language),
        ];
      });
      if (content.slides.length === 0) problems.push("there are no slides");
      if (content.slides.length > slides) problems.push(`there are ${content.slides.length} slides, more than the ${slides} asked for`);
      return [...problems, ...duplicateProblems("slide", content.slides.map((slide) => slide.body), language)];
    }
    case "canva_design": {
      if (limits.format !== "canva_design") return ["the output is not in the template's format"];
      return lineProblems("the quote", content.quote, limits.limits.maxQuoteWords, language);
    }
  }
}

/** All the output's text, to tell its language by. */
function textOf(content: GeneratedContent): string {
  switch (content.format) {
    case "bullet_points":
      return content.bulletPoints.join("\n");
    case "carousel":
      return content.slides.map((slide) => `${slide.title}\n${slide.body}`).join("\n");
    case "canva_design":
      return content.quote;
  }
}
