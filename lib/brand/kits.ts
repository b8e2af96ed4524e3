/**
 * Brand kits: what every card a person generates carries (their name and
 * handle, background and accent colours, font family, logo). One row per
 * person in public.brand_kits, read and written as the caller under RLS.
 *
 * A person without a row gets DEFAULT_KIT, Postora's own look. Colours are
 * refused, per field, unless the text colour chosen for the background
 * (white or near-black, lib/brand/contrast.ts) reaches 4.5:1 and the accent
 * 3:1; the database refuses the same (trigger brand_kits_contrast). The
 * logo is the file a person uploaded through createBrandLogoUploadUrl,
 * checked when the kit starts using it (lib/brand/logo.ts) and again at
 * every render.
 */
import { asService, type Sql } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { contrastProblems, HEX_COLOR, textColorFor } from "@/lib/brand/contrast";
import { brandLogoPath, LogoError, logoImage } from "@/lib/brand/logo";
import type { FamilyName } from "@/lib/render/fonts";
import type { ServiceDeps } from "@/lib/services";
import { StorageObjectNotFoundError } from "@/lib/storage/errors";
import type { SignedUpload } from "@/lib/storage/types";

export type BrandKit = {
  displayName: string;
  handle: string;
  backgroundColor: string;
  accentColor: string;
  textColor: string;
  fontFamily: FamilyName;
  logo: boolean;
  /** Null for DEFAULT_KIT: the person has not set a kit. */
  updatedAt: Date | null;
};

export type BrandKitPatch = Partial<Pick<BrandKit, "displayName" | "handle" | "backgroundColor" | "accentColor" | "fontFamily" | "logo">>;

/** Postora's own look (lib/render/cards.ts DEFAULT_THEME), for a person who has not set a kit. */
const DEFAULT_KIT: BrandKit = {
  displayName: "",
  handle: "",
  backgroundColor: "#0f172a",
  accentColor: "#38bdf8",
  textColor: textColorFor("#0f172a"),
  fontFamily: "sans",
  logo: false,
  updatedAt: null,
};

export const MAX_DISPLAY_NAME = 60;
export const MAX_HANDLE = 40;

const COLUMNS = "display_name, handle, background_color, accent_color, text_color, font_family, logo, updated_at";

/** The caller's kit (RLS: their own row), or DEFAULT_KIT. */
export async function readBrandKit(sql: Sql): Promise<BrandKit> {
  const [row] = await sql<BrandKit[]>`select ${sql.unsafe(COLUMNS)} from public.brand_kits`;
  return row ?? DEFAULT_KIT;
}

/** A user's kit on the service path (the pipeline renders with it), or DEFAULT_KIT. */
export async function brandKitOf(db: Sql, userId: string): Promise<BrandKit> {
  const [row] = await asService((sql) => sql<BrandKit[]>`select ${sql.unsafe(COLUMNS)} from public.brand_kits where user_id = ${userId}`, db);
  return row ?? DEFAULT_KIT;
}

/** #RGB or #RRGGBB in any case, as the #rrggbb a kit stores; BAD_USER_INPUT naming the field otherwise. */
function color(value: string, field: string): string {
  const trimmed = value.trim().toLowerCase();
  const full = /^#[0-9a-f]{3}$/.test(trimmed) ? `#${[...trimmed.slice(1)].map((digit) => digit + digit).join("")}` : trimmed;
  if (!HEX_COLOR.test(full)) throw new ValidationError(`${field} must be a hex colour such as #0f172a or #fff: got "${value}".`, ["input", field]);
  return full;
}

function text(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if ([...trimmed].length > max) throw new ValidationError(`${field} must be at most ${max} characters.`, ["input", field]);
  if (/[\p{Cc}]/u.test(trimmed)) throw new ValidationError(`${field} must be one line of text, without control characters.`, ["input", field]);
  return trimmed;
}

/** Checks the person's uploaded logo before the kit uses it. */
async function checkLogo(deps: Pick<ServiceDeps, "storage">, userId: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await deps.storage.read(brandLogoPath(userId));
  } catch (error) {
    if (error instanceof StorageObjectNotFoundError) {
      throw new ValidationError("logo: no logo uploaded yet. Upload a PNG or SVG to the URL from createBrandLogoUploadUrl, then set logo: true.", ["input", "logo"]);
    }
    throw error;
  }
  try {
    await logoImage(bytes);
  } catch (error) {
    if (error instanceof LogoError) throw new ValidationError(`logo: ${error.message}`, ["input", "logo"]);
    throw error;
  }
}

/** Sets the caller's kit: the fields sent change, the others keep their value (DEFAULT_KIT's for a first kit). */
export async function updateBrandKit(deps: Pick<ServiceDeps, "db" | "storage">, userId: string, patch: BrandKitPatch): Promise<BrandKit> {
  const current = await deps.db(readBrandKit);
  const next = {
    displayName: patch.displayName != null ? text(patch.displayName, "displayName", MAX_DISPLAY_NAME) : current.displayName,
    handle: patch.handle != null ? text(patch.handle, "handle", MAX_HANDLE) : current.handle,
    backgroundColor: patch.backgroundColor != null ? color(patch.backgroundColor, "backgroundColor") : current.backgroundColor,
    accentColor: patch.accentColor != null ? color(patch.accentColor, "accentColor") : current.accentColor,
    fontFamily: patch.fontFamily ?? current.fontFamily,
    logo: patch.logo ?? current.logo,
  };
  const [problem] = contrastProblems(next.backgroundColor, next.accentColor);
  if (problem) throw new ValidationError(`${problem.field} ${problem.message}`, ["input", problem.field]);
  if (patch.logo === true) await checkLogo(deps, userId);
  return deps.db(async (sql) => {
    const [row] = await sql<BrandKit[]>`
      insert into public.brand_kits (user_id, display_name, handle, background_color, accent_color, font_family, logo)
      values (${userId}, ${next.displayName}, ${next.handle}, ${next.backgroundColor}, ${next.accentColor}, ${next.fontFamily}, ${next.logo})
      on conflict (user_id) do update set
        display_name = excluded.display_name, handle = excluded.handle, background_color = excluded.background_color,
        accent_color = excluded.accent_color, font_family = excluded.font_family, logo = excluded.logo
      returning ${sql.unsafe(COLUMNS)}`;
    return row!;
  });
}

/** A fresh signed URL to upload the caller's logo to (<users.id>/brand-logo; PNG or SVG, at most 512 KiB). */
export async function createBrandLogoUploadUrl(deps: Pick<ServiceDeps, "storage">, userId: string): Promise<{ upload: SignedUpload }> {
  return { upload: await deps.storage.createSignedUploadUrl(brandLogoPath(userId)) };
}
