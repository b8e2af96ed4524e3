/**
 * Templates: system templates (is_system) everyone signed in can use, and a
 * person's own. Row-level security hides other people's and deleted users'
 * orphaned ones; system templates are visible but read-only, and saying so
 * leaks nothing. "System" is the is_system column, never a missing owner.
 */
import type { Sql } from "@/lib/db/client";
import { columnList, emptySql, sqlText, textLiteral } from "@/lib/db/literal";
import { AppError, NotFoundError } from "@/lib/errors";
import type { OutputFormat } from "@/lib/generations/generations";
import { inRequestedOrder, isUuid } from "@/lib/ids";
import { keysetPage, pageWindow, type Page, type PageRequest, type Read } from "@/lib/pagination";

export type TemplateRow = {
  id: string;
  userId: string | null;
  /** Postora's own template (templates.is_system): read-only for everyone. */
  isSystem: boolean;
  name: string;
  type: OutputFormat;
  content: unknown;
  createdAt: Date;
};

const COLUMNS = ["id", "user_id", "is_system", "name", "type", "content", "created_at"];
const columns = (sql: Sql) => sql.unsafe(COLUMNS.join(", "));

/** System templates and the caller's own (or only their own), newest first, a page at a time in either direction. */
export async function listTemplates(
  read: Read,
  request: PageRequest & { type?: OutputFormat | null; ownOnly?: boolean },
): Promise<Page<TemplateRow>> {
  const own = request.ownOnly ? sqlText`and user_id = (select private.requesting_user_id())` : emptySql;
  const type = request.type ? sqlText`and type = ${textLiteral(request.type)}` : emptySql;
  return keysetPage<TemplateRow>(
    read,
    pageWindow(request),
    columnList(COLUMNS),
    sqlText`templates
      where true
        ${own}
        ${type}`,
  );
}

/** One query for any number of ids; results in the order asked, null where invisible or malformed. */
export async function templatesByIds(sql: Sql, ids: readonly string[]): Promise<(TemplateRow | null)[]> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await sql<TemplateRow[]>`select ${columns(sql)} from templates where id = any(${wellFormed}::uuid[])` : [];
  return inRequestedOrder(ids, rows);
}

export async function insertTemplate(sql: Sql, input: { name: string; type: OutputFormat; content: unknown }): Promise<TemplateRow> {
  const [row] = await sql<TemplateRow[]>`
    insert into templates (user_id, name, type, content)
    values ((select private.requesting_user_id()), ${input.name}, ${input.type}, ${sql.json(input.content as never)})
    returning ${columns(sql)}`;
  return row!;
}

/** Loads a template the caller may change: their own. System templates say why they cannot be. */
async function ownTemplateForUpdate(sql: Sql, id: string): Promise<TemplateRow> {
  const [row] = await sql<TemplateRow[]>`select ${columns(sql)} from templates where id = ${id}`;
  if (!row) throw new NotFoundError("template", id);
  if (row.isSystem) {
    throw new AppError("FORBIDDEN", "System templates are read-only: copy it with createTemplate and change the copy.");
  }
  return row;
}

export async function patchTemplate(sql: Sql, id: string, patch: { name?: string | null; content?: unknown }): Promise<TemplateRow> {
  await ownTemplateForUpdate(sql, id);
  const [row] = await sql<TemplateRow[]>`
    update templates set
      name = ${patch.name ? sql`${patch.name}` : sql`name`},
      content = ${patch.content === undefined || patch.content === null ? sql`content` : sql`${sql.json(patch.content as never)}`}
    where id = ${id}
    returning ${columns(sql)}`;
  return row!;
}

export async function removeTemplate(sql: Sql, id: string): Promise<string> {
  await ownTemplateForUpdate(sql, id);
  await sql`delete from templates where id = ${id}`;
  return id;
}
