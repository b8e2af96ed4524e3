/**
 * What a person can do with their templates, one function per operation,
 * each one transaction as the caller. The GraphQL resolvers only map to
 * these; tests call them directly.
 */
import { templateBrandOf } from "@/lib/brand/template-brand";
import { ValidationError } from "@/lib/errors";
import type { OutputFormat } from "@/lib/generations/generations";
import type { ServiceDeps } from "@/lib/services";
import { insertTemplate, patchTemplate, removeTemplate, type TemplateRow } from "@/lib/templates/templates";

/** A `brand` object that would fail every generation made with the template is refused when it is saved. */
function checkBrand(content: unknown): void {
  const { problems } = templateBrandOf(content);
  if (problems.length) throw new ValidationError(problems.map((problem) => `content.${problem}`).join("; "), ["input", "content"]);
}

export async function createTemplate(
  { db }: Pick<ServiceDeps, "db">,
  input: { name: string; type: OutputFormat; content: unknown },
): Promise<TemplateRow> {
  checkBrand(input.content);
  return db((sql) => insertTemplate(sql, input));
}

/** Renames or rewrites one of the caller's templates; system templates are FORBIDDEN (read-only). */
export async function updateTemplate(
  { db }: Pick<ServiceDeps, "db">,
  id: string,
  patch: { name?: string | null; content?: unknown },
): Promise<TemplateRow> {
  if (patch.content != null) checkBrand(patch.content);
  return db((sql) => patchTemplate(sql, id, patch));
}

/** Deletes one of the caller's templates; generations made with it keep their content. */
export async function deleteTemplate({ db }: Pick<ServiceDeps, "db">, id: string): Promise<{ id: string }> {
  return { id: await db((sql) => removeTemplate(sql, id)) };
}
