import { builder } from "@/graphql/builder";
import { TIERS } from "@/lib/billing/plans";
import { GENERATION_STATUSES, OUTPUT_FORMATS } from "@/lib/generations/generations";

/** GraphQL enum values are the database's check-constraint values, upper-cased. */
function valuesOf<T extends string>(values: readonly T[]) {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<Uppercase<T>, { value: T }>;
}

export const GenerationStatusEnum = builder.enumType("GenerationStatus", {
  description: "Where a generation is: QUEUED → PROCESSING → COMPLETED, or FAILED (which can be QUEUED again).",
  values: valuesOf(GENERATION_STATUSES),
});

export const OutputFormatEnum = builder.enumType("OutputFormat", {
  description: "What a generation produces.",
  values: valuesOf(OUTPUT_FORMATS),
});

export const TierEnum = builder.enumType("Tier", {
  description: "The plan a person is on.",
  values: valuesOf(TIERS),
});
