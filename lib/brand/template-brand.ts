/**
 * A template's optional `brand` object: colours and a font that override the
 * person's brand kit for generations made with it, e.g.
 *   { "slides": 6, "brand": { "backgroundColor": "#fef3c7", "accentColor": "#b45309", "fontFamily": "serif" } }
 *
 * Its shape is checked when the template is saved (a wrong colour or font is
 * refused there, naming the field; a database trigger keeps the same rule for
 * the Data API) and again when a generation renders with it, since rows
 * written before the check may hold anything. Whether the colours pass the
 * contrast check depends on the kit at render time, so that is checked only
 * then (lib/brand/theme.ts).
 */
import { z } from "zod";
import type { FamilyName } from "@/lib/render/fonts";

// Exactly #rrggbb, as the database's trigger has it (supabase/migrations/20261208070000_template_brand_shape.sql):
// no surrounding spaces, so what the API accepts the database accepts too.
const hex = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour")
  .transform((color) => color.toLowerCase());
// The bundled families by name. Not FAMILIES itself: lib/render/fonts.ts resolves font packages at run time, which
// the API route's bundle cannot hold (lib/db/data-api.test.ts checks this list against FAMILIES).
const FAMILY_NAMES = ["sans", "serif", "rounded", "mono"] as const satisfies readonly FamilyName[];
const templateBrand = z
  .object({
    backgroundColor: hex.optional(),
    accentColor: hex.optional(),
    fontFamily: z.enum(FAMILY_NAMES).optional(),
  })
  .strict();

export type TemplateBrand = z.infer<typeof templateBrand>;

/** The template content's `brand` object, checked: null when it has none; otherwise what is wrong with it, per field ("brand.accentColor: ..."). */
export function templateBrandOf(templateContent: unknown): { brand: TemplateBrand | null; problems: string[] } {
  const brand = templateContent && typeof templateContent === "object" ? (templateContent as Record<string, unknown>).brand : undefined;
  if (brand === undefined || brand === null) return { brand: null, problems: [] };
  const parsed = templateBrand.safeParse(brand);
  if (parsed.success) return { brand: parsed.data, problems: [] };
  return { brand: null, problems: parsed.error.issues.map((issue) => `brand${issue.path.map((key) => `.${String(key)}`).join("")}: ${issue.message}`) };
}
