/**
 * Generations: a person's raw text on its way to becoming a post. Every
 * function takes the caller's transaction (withUser), so row-level security
 * decides what exists; "not yours" and "does not exist" are the same here.
 */
import { withinQuota } from "@/lib/billing/quota";
import type { Sql } from "@/lib/db/client";
import { columnList, emptySql, sqlText, textLiteral } from "@/lib/db/literal";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { inRequestedOrder, isUuid } from "@/lib/ids";
import { keysetPage, pageWindow, type Page, type PageRequest, type Read } from "@/lib/pagination";
import { GENERATIONS_BUCKET, generationFilePaths, generationObjectPath } from "@/lib/storage/types";

export const OUTPUT_FORMATS = ["bullet_points", "carousel", "canva_design"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const GENERATION_STATUSES = ["queued", "processing", "completed", "failed"] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export type GenerationRow = {
  id: string;
  userId: string;
  templateId: string | null;
  inputContent: string;
  outputFormat: OutputFormat;
  bulletPoints: string[] | null;
  canvaDesignId: string | null;
  status: GenerationStatus;
  createdAt: Date;
  /** CAROUSEL output, written by the pipeline (lib/generations/pipeline.ts); altText is absent on slides made before it existed. */
  slides: { title: string; body: string; altText?: string }[] | null;
  /** CANVA_DESIGN output: the line on the quote card. */
  quote: string | null;
  /** Why the pipeline gave up (status failed). */
  failureReason: string | null;
  completedAt: Date | null;
  /** Alt text for the image (the card, or a carousel's cover), written with the output; null before. */
  altText: string | null;
  /** The BCP 47 tag the person gave for the text's language (null: guessed from the text). */
  language: string | null;
};

/** The column each property of a row is read from. */
const COLUMN_OF: Record<keyof GenerationRow, string> = {
  id: "id",
  userId: "user_id",
  templateId: "template_id",
  inputContent: "input_content",
  outputFormat: "output_format",
  bulletPoints: "bullet_points",
  canvaDesignId: "canva_design_id",
  status: "status",
  createdAt: "created_at",
  slides: "slides",
  quote: "quote",
  failureReason: "failure_reason",
  completedAt: "completed_at",
  altText: "alt_text",
  language: "language",
};

const ALL_COLUMNS = Object.values(COLUMN_OF).join(", ");

const columns = (sql: Sql) => sql.unsafe(ALL_COLUMNS);

/** The columns holding these properties (and the id), in a fixed order; every column when not told. */
function columnsFor(properties: ReadonlySet<keyof GenerationRow> | null | undefined) {
  const all = Object.keys(COLUMN_OF) as (keyof GenerationRow)[];
  const wanted = properties ? all.filter((property) => property === "id" || properties.has(property)) : all;
  return columnList(wanted.map((property) => COLUMN_OF[property]));
}

export function objectPathOf(generation: Pick<GenerationRow, "id" | "userId">): string {
  return generationObjectPath(generation.userId, generation.id);
}

/** What of a page is read: which properties of its rows (null: all), and whether its cursors. */
export type PageReading = { properties: ReadonlySet<keyof GenerationRow> | null; cursors: boolean };

/**
 * The caller's generations, newest first, a page at a time in either
 * direction. A `reading` narrows what is read: the rows hold only those
 * properties (and their ids), without cursors if none is asked for: the list
 * a client asks for most needs 4 of 13 columns and no cursor, which leaves
 * less for Postgres to compute and send and for the driver to parse. The
 * page is read in one go (`read`: readOnce for a request, lib/db/client.ts).
 */
export async function listGenerations(
  read: Read,
  request: PageRequest & { status?: GenerationStatus | null; outputFormat?: OutputFormat | null },
  reading: PageReading = { properties: null, cursors: true },
): Promise<Page<GenerationRow>> {
  const status = request.status ? sqlText`and status = ${textLiteral(request.status)}` : emptySql;
  const format = request.outputFormat ? sqlText`and output_format = ${textLiteral(request.outputFormat)}` : emptySql;
  return keysetPage<GenerationRow>(
    read,
    pageWindow(request),
    columnsFor(reading.properties),
    sqlText`generations
      where user_id = (select private.requesting_user_id())
        ${status}
        ${format}`,
    { cursors: reading.cursors },
  );
}

/** One query for any number of ids; results in the order asked, null where invisible or malformed. */
export async function generationsByIds(sql: Sql, ids: readonly string[]): Promise<(GenerationRow | null)[]> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length ? await sql<GenerationRow[]>`select ${columns(sql)} from generations where id = any(${wellFormed}::uuid[])` : [];
  return inRequestedOrder(ids, rows);
}

/**
 * The caller's generations that may have changed since `since` unheard (a
 * live stream resyncing, lib/live/stream.ts): these ids, those still in the
 * pipeline, and those created or finished since then. Newest first, at most 100.
 */
export async function generationsChangedSince(sql: Sql, since: Date, ids: readonly string[]): Promise<GenerationRow[]> {
  return sql<GenerationRow[]>`
    select ${columns(sql)} from generations
    where id = any(${ids.filter(isUuid)}::uuid[]) or status in ('queued', 'processing')
       or created_at >= ${since} or completed_at >= ${since}
    order by created_at desc, id desc limit 100`;
}

export async function getGeneration(sql: Sql, id: string): Promise<GenerationRow> {
  const [row] = await generationsByIds(sql, [id]);
  if (!row) throw new NotFoundError("generation", id);
  return row;
}

export async function insertGeneration(
  sql: Sql,
  input: { inputContent: string; outputFormat: OutputFormat; templateId?: string | null; language?: string | null },
): Promise<GenerationRow> {
  if (input.templateId) {
    // The foreign key alone would accept another user's template: FK checks ignore RLS.
    const [template] = await sql`select id from templates where id = ${input.templateId}`;
    if (!template) throw new NotFoundError("template", input.templateId);
  }
  // The database enforces the tier's monthly limit on the insert itself (private.generations_take_quota).
  const [row] = await withinQuota(() => sql<GenerationRow[]>`
    insert into generations (user_id, input_content, output_format, template_id, language)
    values ((select private.requesting_user_id()), ${input.inputContent}, ${input.outputFormat}, ${input.templateId ?? null}, ${input.language ?? null})
    returning ${columns(sql)}`);
  return row!;
}

/**
 * What a person may change on their generation. Status is not among it (see
 * retryGeneration), nor the Canva design: a send sets it (lib/canva/send.ts).
 */
export type GenerationPatch = {
  bulletPoints?: string[] | null;
};

export async function patchGeneration(sql: Sql, id: string, patch: GenerationPatch): Promise<GenerationRow> {
  const [row] = await sql<GenerationRow[]>`
    update generations set
      bullet_points = ${patch.bulletPoints === undefined ? sql`bullet_points` : sql`${patch.bulletPoints === null ? null : sql.json(patch.bulletPoints)}`}
    where id = ${id}
    returning ${columns(sql)}`;
  if (!row) throw new NotFoundError("generation", id);
  return row;
}

/**
 * Queues a failed generation again: the one status change a person may make
 * (every other move is the worker's). The row is locked so two retries, or
 * a retry racing the worker, cannot both pass the check.
 */
export async function requeueFailedGeneration(sql: Sql, id: string): Promise<GenerationRow> {
  const [current] = await sql<{ status: GenerationStatus }[]>`select status from generations where id = ${id} for update`;
  if (!current) throw new NotFoundError("generation", id);
  if (current.status !== "failed") {
    throw new PreconditionError(
      `Only a failed generation can be retried; this one is ${current.status}` +
        (current.status === "completed" ? " and final." : ": wait for it to complete or fail."),
      { status: current.status.toUpperCase() },
    );
  }
  const [row] = await sql<GenerationRow[]>`update generations set status = 'queued' where id = ${id} returning ${columns(sql)}`;
  return row!;
}

/** Soft delete: hidden from every query from now on. Returns the storage paths to clean up (the image and any slides). */
export async function softDeleteGeneration(sql: Sql, id: string): Promise<{ id: string; objectPath: string; objectPaths: string[] }> {
  const [row] = await sql<{ id: string | null; userId: string | null }[]>`
    select private.soft_delete_generation(${id}) as id, (select private.requesting_user_id()) as user_id`;
  if (!row?.id || !row.userId) throw new NotFoundError("generation", id);
  return { id: row.id, objectPath: generationObjectPath(row.userId, row.id), objectPaths: generationFilePaths(row.userId, row.id) };
}

/**
 * The stored version of one object path (storage.objects.version: a new one
 * on every upload or render, in Supabase Storage and ours alike), or null
 * when no file is there (under RLS).
 */
export async function objectVersion(sql: Sql, path: string): Promise<string | null> {
  const [row] = await sql<{ version: string }[]>`
    select coalesce(version, (extract(epoch from updated_at) * 1000)::bigint::text) as version
    from storage.objects where bucket_id = ${GENERATIONS_BUCKET} and name = ${path}`;
  return row?.version ?? null;
}

/** Which of these object paths have an uploaded file, as storage records them (under RLS). */
export async function uploadedPaths(sql: Sql, paths: readonly string[]): Promise<Set<string>> {
  const rows = await sql<{ name: string }[]>`
    select name from storage.objects where bucket_id = ${GENERATIONS_BUCKET} and name = any(${paths as string[]})`;
  return new Set(rows.map((row) => row.name));
}
