/**
 * The theme a generation renders with: its person's brand kit as it is when
 * the worker renders (so a finished image never changes, and a retry uses
 * the kit as it is then), with the template's overrides on top.
 *
 * A template overrides colours and font with an optional `brand` object in
 * its content, beside the format's limits:
 *   { "slides": 6, "brand": { "backgroundColor": "#fef3c7", "accentColor": "#b45309", "fontFamily": "serif" } }
 * The result must pass the same contrast rules as a kit; a template whose
 * `brand` does not is a TemplateContentError (the generation fails saying
 * what to fix). The logo is read and checked again at every render; a logo
 * that has become unusable is left out (and logged), never drawn broken.
 */
import type { Sql } from "@/lib/db/client";
import { contrastProblems, mutedColorFor, textColorFor } from "@/lib/brand/contrast";
import { brandKitOf, type BrandKit } from "@/lib/brand/kits";
import { brandLogoPath, LogoError, logoImage } from "@/lib/brand/logo";
import { templateBrandOf, type TemplateBrand } from "@/lib/brand/template-brand";
import { TemplateContentError } from "@/lib/generations/content";
import type { Logger } from "@/lib/log";
import { DEFAULT_THEME, type Theme } from "@/lib/render/cards";
import { StorageObjectNotFoundError } from "@/lib/storage/errors";
import type { FileStorage } from "@/lib/storage/types";

/** The template's `brand` object, checked; null when it has none. */
function overrideOf(templateContent: unknown): TemplateBrand | null {
  const { brand, problems } = templateBrandOf(templateContent);
  if (problems.length) throw new TemplateContentError(`The template's brand overrides are not usable (${problems.join("; ")}). Fix the template with updateTemplate.`);
  return brand;
}

/** The kit with a template's overrides applied; TemplateContentError when the colours no longer pass. */
function withOverrides(kit: BrandKit, templateContent: unknown): BrandKit {
  const override = overrideOf(templateContent);
  if (!override) return kit;
  const merged = {
    ...kit,
    backgroundColor: override.backgroundColor ?? kit.backgroundColor,
    accentColor: override.accentColor ?? kit.accentColor,
    fontFamily: override.fontFamily ?? kit.fontFamily,
  };
  const [problem] = contrastProblems(merged.backgroundColor, merged.accentColor);
  if (problem) throw new TemplateContentError(`The template's brand colours, with your brand kit, fail a contrast check: ${problem.field} ${problem.message} Fix the template with updateTemplate.`);
  return { ...merged, textColor: textColorFor(merged.backgroundColor) };
}

/** The card theme for a kit (DEFAULT_THEME itself for Postora's unchanged look), with its logo when it has one. */
export function themeOf(kit: BrandKit, logo: Theme["logo"] = undefined): Theme {
  const isDefaultLook =
    kit.updatedAt === null && kit.backgroundColor === DEFAULT_THEME.colors.background && kit.accentColor === DEFAULT_THEME.colors.accent && kit.fontFamily === DEFAULT_THEME.family;
  if (isDefaultLook) return DEFAULT_THEME;
  return {
    family: kit.fontFamily,
    colors: { background: kit.backgroundColor, text: kit.textColor, muted: mutedColorFor(kit.textColor, kit.backgroundColor), accent: kit.accentColor },
    // A person without a kit whose template changes the colours still signs as Postora.
    label: kit.updatedAt === null ? DEFAULT_THEME.label : kit.displayName,
    handle: kit.handle,
    ...(logo ? { logo } : {}),
  };
}

/** The logo a card embeds, or undefined when the stored file is gone or unusable (logged: the render goes on without it). */
async function logoFor(storage: FileStorage, userId: string, log: Logger): Promise<Theme["logo"]> {
  try {
    return await logoImage(await storage.read(brandLogoPath(userId)));
  } catch (error) {
    if (error instanceof LogoError || error instanceof StorageObjectNotFoundError) {
      log.warn("brand logo left out of the render", { reason: (error as Error).message });
      return undefined;
    }
    throw error;
  }
}

/** What a generation of this user renders with now: their kit (read on the service path), the template's overrides, the logo. */
export async function renderThemeFor(deps: { db: Sql; storage: FileStorage; log: Logger }, userId: string, templateContent: unknown): Promise<Theme> {
  const kit = withOverrides(await brandKitOf(deps.db, userId), templateContent);
  return themeOf(kit, kit.logo ? await logoFor(deps.storage, userId, deps.log) : undefined);
}
