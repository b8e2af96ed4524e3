/**
 * Keyset pagination over (created_at desc, id desc), both ways: stable under
 * inserts, constant cost per page however deep. `first`/`after` walk towards
 * older rows, `last`/`before` towards newer ones; either way a page's edges
 * are newest first. Cursors are opaque to clients; inside they carry the
 * row's created_at to the microsecond (a JS Date would round it to the
 * millisecond and make rows repeat or vanish at page boundaries) and its id.
 */
import type { ReadResults } from "@/lib/db/client";
import { emptySql, integerLiteral, sqlText, textLiteral, type SqlText } from "@/lib/db/literal";
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

/** Runs statements known in full as the caller and answers each one's rows (readOnce, lib/db/client.ts). */
export type Read = (statements: readonly SqlText[]) => Promise<ReadResults>;

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

const CURSOR_COLUMNS = sqlText`, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as page_cursor_at, id as page_cursor_id`;

/** `and (created_at, id) <op> (<cursor>)`: the cursor's parts are checked (decodeCursor) and written as literals. */
function keyCondition(operator: "<" | ">" | "<=" | ">=", { at, id }: Cursor): SqlText {
  // Compared as text cast to timestamptz: a JS Date would lose the microseconds.
  const position = sqlText`(${textLiteral(at)}::timestamptz, ${textLiteral(id)}::uuid)`;
  if (operator === "<") return sqlText`and (created_at, id) < ${position}`;
  if (operator === ">") return sqlText`and (created_at, id) > ${position}`;
  if (operator === "<=") return sqlText`and (created_at, id) <= ${position}`;
  return sqlText`and (created_at, id) >= ${position}`;
}

/**
 * One page of `select <columns> from <from>` where `from` is a table with
 * `created_at` and `id` followed by its where clause (`generations where …`).
 * Two statements at most, sent together as one read: the page (one row more
 * than asked says whether more lie ahead), and, when a cursor is given,
 * whether any row lies behind it. With `cursors: false` (nobody asked for
 * one) the rows are read without the cursor's two columns; asking for a
 * cursor of such a page then throws.
 */
export async function keysetPage<T extends object>(
  read: Read,
  window: PageWindow,
  columns: SqlText,
  from: SqlText,
  { cursors = true }: { cursors?: boolean } = {},
): Promise<Page<T>> {
  const { backward, limit, cursor } = window;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new Error(`keysetPage: bad limit ${limit}`);
  const after = cursor ? keyCondition(backward ? ">" : "<", cursor) : emptySql;
  const order = backward ? sqlText`created_at asc, id asc` : sqlText`created_at desc, id desc`;
  const page = sqlText`
    select ${columns}${cursors ? CURSOR_COLUMNS : emptySql}
    from ${from} ${after}
    order by ${order}
    limit ${integerLiteral(limit + 1)}`;
  const behind = cursor ? sqlText`select exists (select 1 from ${from} ${keyCondition(backward ? "<=" : ">=", cursor)}) as exists` : null;
  const [rows = [], behindRows = []] = await read(behind ? [page, behind] : [page]);
  const ahead = rows.length > limit;
  const kept = rows.slice(0, limit) as PageRow<T>[];
  if (backward) kept.reverse();
  const hasBehind = (behindRows[0] as { exists?: boolean } | undefined)?.exists ?? false;
  // A row is its edge's node as it is (its two cursor columns are not fields of any type), and a
  // cursor is encoded only if a client asks for it.
  const edges = kept.map((row) => new Edge<T>(row));
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? hasBehind : ahead,
      hasPreviousPage: backward ? ahead : hasBehind,
      get startCursor() {
        return edges[0] ? edges[0].cursor : null;
      },
      get endCursor() {
        return edges.length ? edges.at(-1)!.cursor : null;
      },
    },
  };
}
