/**
 * Keyset pagination over (created_at desc, id desc), both ways: stable under
 * inserts, constant cost per page however deep. `first`/`after` walk towards
 * older rows, `last`/`before` towards newer ones; either way a page's edges
 * are newest first. Cursors are opaque to clients; inside they carry the
 * row's created_at to the microsecond (a JS Date would round it to the
 * millisecond and make rows repeat or vanish at page boundaries) and its id.
 */
import type postgres from "postgres";
import type { Sql } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** A position in the order: created_at as Postgres prints it in UTC (microseconds), and the id. */
type Cursor = { at: string; id: string };

const exactInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.at}|${cursor.id}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string, argument: string): Cursor {
  const [at, id, extra] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!at || !id || extra !== undefined || !exactInstant.test(at) || !isUuid(id)) {
    const hint = argument === "before" ? "a startCursor" : "an endCursor";
    throw new ValidationError(`\`${argument}\` is not a cursor this API issued: pass ${hint} from a previous page.`, [argument]);
  }
  return { at, id };
}

export type PageRequest = { first?: number | null; after?: string | null; last?: number | null; before?: string | null };

/** Which way a page goes, how long it is, and where it starts (exclusive). */
export type PageWindow = { backward: boolean; limit: number; cursor: Cursor | null };

export function pageWindow(request: PageRequest): PageWindow {
  const backward = request.last != null || request.before != null;
  if (backward && (request.first != null || request.after != null)) {
    const forward = request.first != null ? "first" : "after";
    const back = request.last != null ? "last" : "before";
    throw new ValidationError(
      `\`${forward}\` and \`${back}\` cannot be combined: page forward with \`first\`/\`after\` or backward with \`last\`/\`before\`.`,
      [back],
    );
  }
  const sizeArgument = backward ? "last" : "first";
  const size = (backward ? request.last : request.first) ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new ValidationError(`\`${sizeArgument}\` must be between 1 and ${MAX_PAGE_SIZE}; got ${size}.`, [sizeArgument]);
  }
  const cursorArgument = backward ? "before" : "after";
  const given = backward ? request.before : request.after;
  return { backward, limit: size, cursor: given ? decodeCursor(given, cursorArgument) : null };
}

export type Page<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

type Fragment = postgres.Fragment;

type CursorColumns = { pageCursorAt: string; pageCursorId: string };

/** A row with its cursor's columns, when the page was read with them. */
type PageRow<T> = T & Partial<CursorColumns>;

function cursorOf(row: Partial<CursorColumns>): string {
  // Loud, not a wrong cursor: the caller said no cursor would be asked for (keysetPage's `cursors`).
  if (row.pageCursorAt === undefined || row.pageCursorId === undefined) throw new Error("keysetPage: this page was read without its cursors");
  return encodeCursor({ at: row.pageCursorAt, id: row.pageCursorId });
}

class Edge<T> {
  constructor(readonly node: PageRow<T>) {}

  get cursor(): string {
    return cursorOf(this.node);
  }
}

/**
 * One page of `select <columns> from <from>` where `from` is a table with
 * `created_at` and `id` followed by its where clause (`generations where …`).
 * Two statements at most: the page (one row more than asked says whether
 * more lie ahead), and, when a cursor is given, whether any row lies behind it.
 * With `cursors: false` (nobody asked for one) the rows are read without the
 * cursor's two columns; asking for a cursor of such a page then throws.
 */
export async function keysetPage<T extends object>(
  sql: Sql,
  window: PageWindow,
  columns: Fragment,
  from: Fragment,
  { cursors = true }: { cursors?: boolean } = {},
): Promise<Page<T>> {
  const { backward, limit, cursor } = window;
  // The limit is written into the statement, not bound: a first page without filters then has no
  // parameter at all, and postgres.js sends it in one round trip instead of two (it describes every
  // parameterised statement first when statements are not prepared). Only a whole number in range passes.
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new Error(`keysetPage: bad limit ${limit}`);
  const key = (operator: "<" | ">" | "<=" | ">=", { at: instant, id }: Cursor) => {
    // Sent as text: a parameter typed timestamptz would go through a JS Date and lose the microseconds.
    const position = sql`(${instant}::text::timestamptz, ${id}::uuid)`;
    if (operator === "<") return sql`and (created_at, id) < ${position}`;
    if (operator === ">") return sql`and (created_at, id) > ${position}`;
    if (operator === "<=") return sql`and (created_at, id) <= ${position}`;
    return sql`and (created_at, id) >= ${position}`;
  };
  // Both statements are sent at once: a query's read sends what it has issued with its commit
  // (lib/db/client.ts userReads), and the second does not depend on the first.
  const [rows, behindRows] = await Promise.all([
    // Without indentation: the read's whole message must stay under 1 KiB to be one packet (userReads).
    sql<PageRow<T>[]>`select ${columns}${
      cursors ? sql`, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as page_cursor_at, id as page_cursor_id` : sql``
    } from ${from} ${
      cursor ? key(backward ? ">" : "<", cursor) : sql``
    } order by ${backward ? sql`created_at asc, id asc` : sql`created_at desc, id desc`} limit ${sql.unsafe(String(limit + 1))}`,
    cursor ? sql<{ exists: boolean }[]>`select exists (select 1 from ${from} ${key(backward ? "<=" : ">=", cursor)}) as exists` : null,
  ]);
  const ahead = rows.length > limit;
  const kept = rows.slice(0, limit);
  if (backward) kept.reverse();
  const behind = behindRows?.[0]?.exists ?? false;
  // A row is its edge's node as it is (its two cursor columns are not fields of any type), and a
  // cursor is encoded only if a client asks for it: copying and encoding every row cost about 5%
  // of a list request's database-side CPU (BENCHMARKS.md).
  const edges = kept.map((row) => new Edge<T>(row));
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? behind : ahead,
      hasPreviousPage: backward ? ahead : behind,
      get startCursor() {
        return edges[0] ? edges[0].cursor : null;
      },
      get endCursor() {
        return edges.length ? edges.at(-1)!.cursor : null;
      },
    },
  };
}
