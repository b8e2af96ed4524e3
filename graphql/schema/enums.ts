import { builder } from "@/graphql/builder";
import { TIERS } from "@/lib/billing/plans";
import { GENERATION_STATUSES, OUTPUT_FORMATS } from "@/lib/generations/generations";

/** GraphQL enum values are the database's check-constraint values, upper-cased, each with its description. */
function valuesOf<T extends string>(values: readonly T[], descriptions: Record<T, string>) {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), { value, description: descriptions[value] }])) as Record<
    Uppercase<T>,
    { value: T; description: string }
  >;
}

export const GenerationStatusEnum = builder.enumType("GenerationStatus", {
  description: "Where a generation is: QUEUED → PROCESSING → COMPLETED, or FAILED (which retryGeneration can QUEUE again).",
  values: valuesOf(GENERATION_STATUSES, {
    queued: "Waiting for the pipeline to pick it up.",
    processing: "The pipeline is making it.",
    completed: "Made; final.",
    failed: "The pipeline gave up on it; retryGeneration queues it again.",
  }),
});

export const OutputFormatEnum = builder.enumType("OutputFormat", {
  description: "What a generation produces.",
  values: valuesOf(OUTPUT_FORMATS, {
    bullet_points: "A list of bullet points.",
    carousel: "A carousel of slides.",
    canva_design: "A quote card (1080x1080): one line of the text, drawn large. The name is historical: any finished generation becomes a Canva design with sendGenerationToCanva.",
  }),
});

export const DownloadFormatEnum = builder.enumType("DownloadFormat", {
  description: "Which file of a generation to download.",
  values: {
    PNG: { value: "PNG", description: "The image (or a carousel's chosen slide)." },
    PDF: { value: "PDF", description: "A completed carousel as one PDF, a 1080x1350 pt page per slide: what LinkedIn posts as a document." },
  } as const,
});

export const TierEnum = builder.enumType("Tier", {
  description: "The plan a person is on.",
  values: valuesOf(TIERS, {
    free: "The free plan.",
    pro: "The Pro plan.",
    business: "The Business plan.",
  }),
});
