/**
 * Global ids, the only ids the API shows: base64 of `<Type>:<database id>`.
 * Parsed here, never by the relay plugin's argument mapping, so a malformed
 * or wrong-type id gets an error that quotes it and names where it was sent.
 */
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { ValidationError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";

/** Every node type, by the noun lib/ uses for it (in NotFoundError's `what`). */
export const NODE_TYPES = { generation: "Generation", template: "Template", viewer: "Viewer" } as const;
export type NodeTypename = (typeof NODE_TYPES)[keyof typeof NODE_TYPES];

const typenames = new Set<string>(Object.values(NODE_TYPES));

/** The type and database id inside a global id, or null when it is not one of ours. */
export function parseGlobalId(globalId: string): { typename: NodeTypename; id: string } | null {
  try {
    const { typename, id } = decodeGlobalID(globalId);
    return typenames.has(typename) && isUuid(id) ? { typename: typename as NodeTypename, id } : null;
  } catch {
    return null;
  }
}

/** The database id of a `typename` id sent in `argument` (e.g. `input.id`); BAD_USER_INPUT quoting it otherwise. */
export function databaseId(globalId: string, argument: string, typename: NodeTypename): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.typename !== typename) {
    throw new ValidationError(`\`${argument}\` is not a ${typename} id: got "${globalId}".`, [argument]);
  }
  return parsed.id;
}

export function globalIdOf(typename: NodeTypename, id: string): string {
  return encodeGlobalID(typename, id);
}
