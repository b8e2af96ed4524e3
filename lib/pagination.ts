/**
 * Keyset pagination over (created_at desc, id desc): stable under inserts,
 * constant cost per page however deep. Cursors are opaque to clients.
 */
import { ValidationError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

export type Cursor = { createdAt: Date; id: string };

function encodeCursor(row: Cursor): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string, argument = "after"): Cursor {
  const [createdAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const date = new Date(createdAt ?? "");
  if (!id || !isUuid(id) || Number.isNaN(date.getTime())) {
    throw new ValidationError(`\`${argument}\` is not a cursor this API issued: pass an endCursor from a previous page.`, [argument]);
  }
  return { createdAt: date, id };
}

export type PageRequest = { first?: number | null; after?: string | null; last?: number | null; before?: string | null };

export function forwardPage(request: PageRequest): { limit: number; after: Cursor | null } {
  if (request.last != null || request.before != null) {
    throw new ValidationError("Only forward pagination is supported: use `first` and `after`.", [request.last != null ? "last" : "before"]);
  }
  const first = request.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new ValidationError(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}; got ${first}.`, ["first"]);
  }
  return { limit: first, after: request.after ? decodeCursor(request.after) : null };
}

export type Page<T> = {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

/** Turns limit+1 fetched rows into a page: the extra row only says whether more exist. */
export function toPage<T extends Cursor>(rows: T[], limit: number, hadCursor: boolean): Page<T> {
  const nodes = rows.slice(0, limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: hadCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
