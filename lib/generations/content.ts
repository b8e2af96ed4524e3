/**
 * What each output format is made of, and how a template's `content` shapes
 * it. One zod schema per format validates a template's content (unknown keys
 * are allowed: templates may carry notes for people), and turns it into
 * limits with defaults; one per format describes the output a writer (the
 * language model or the offline extractive writer) must return.
 *
 * The seeded system templates (supabase/seed.sql) use exactly these keys.
 */
import { z } from "zod";
import type { OutputFormat } from "@/lib/generations/generations";

// ---------------------------------------------------------------------
// Template content -> limits
// ---------------------------------------------------------------------

const words = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

const bulletPointsContent = z.looseObject({
  // The card fits 8 x 30 words of long words at its smallest type (lib/render/cards.test.ts).
  bullets: words(1, 8, 5),
  maxWordsPerBullet: words(4, 30, 18),
  tone: z.string().trim().min(1).max(60).default("plain"),
});

const carouselContent = z
  .looseObject({
    slides: z.number().int().min(2).max(10).optional(),
    structure: z.array(z.string().trim().min(1).max(60)).min(2).max(10).optional(),
    maxTitleWords: words(2, 12, 8),
    maxBodyWords: words(5, 60, 30),
    tone: z.string().trim().min(1).max(60).default("plain"),
  })
  .refine((content) => !content.slides || !content.structure || content.structure.length === content.slides, {
    message: "structure must name one role per slide (its length must equal slides)",
    path: ["structure"],
  })
  .transform((content) => {
    const slides = content.slides ?? content.structure?.length ?? 6;
    return { ...content, slides, structure: content.structure ?? defaultStructure(slides) };
  });

const canvaDesignContent = z.looseObject({
  layout: z.literal("quote").default("quote"),
  aspectRatio: z.literal("1:1").default("1:1"),
  maxQuoteWords: words(5, 45, 30),
  tone: z.string().trim().min(1).max(60).default("plain"),
});

type BulletPointsLimits = z.output<typeof bulletPointsContent>;
type CarouselLimits = z.output<typeof carouselContent>;
type CanvaDesignLimits = z.output<typeof canvaDesignContent>;

export type Limits =
  | { format: "bullet_points"; limits: BulletPointsLimits }
  | { format: "carousel"; limits: CarouselLimits }
  | { format: "canva_design"; limits: CanvaDesignLimits };

function defaultStructure(slides: number): string[] {
  const middle = Array.from({ length: Math.max(0, slides - 2) }, () => "insight");
  return ["hook", ...middle, "call to action"].slice(0, slides);
}

/** A template whose content does not fit its format: a permanent failure the person can fix. */
export class TemplateContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateContentError";
  }
}

/** The limits for a format, from a template's content (null: no template, the defaults). */
export function limitsFor(format: OutputFormat, content: unknown): Limits {
  const source = content ?? {};
  const schema = { bullet_points: bulletPointsContent, carousel: carouselContent, canva_design: canvaDesignContent }[format];
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "content"}: ${issue.message}`).join("; ");
    throw new TemplateContentError(`The template's content does not describe a ${format} output (${problems}). Fix the template with updateTemplate.`);
  }
  return { format, limits: parsed.data } as Limits;
}

// ---------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------

export const slideSchema = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(1000),
});
export type Slide = z.infer<typeof slideSchema>;

export type GeneratedContent =
  | { format: "bullet_points"; bulletPoints: string[] }
  | { format: "carousel"; slides: Slide[] }
  | { format: "canva_design"; quote: string };
