/**
 * What a query asks of a connection's nodes, so a resolver reads only the
 * columns those fields need (graphql/schema/viewer.ts).
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

type Info = Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">;

function eachField(info: Info, selectionSet: SelectionSetNode | undefined, visit: (field: FieldNode) => void): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(info, selection.selectionSet, visit);
    else eachField(info, info.fragments[selection.name.value]?.selectionSet, visit);
  }
}

/**
 * The names of the fields selected on `edges { node { ... } }` below the
 * field being resolved, through inline fragments and fragment spreads.
 * Directives (@include, @skip) are not evaluated: a field they might leave
 * out still counts, so the set is never smaller than what runs.
 */
export function connectionNodeFields(info: Info): Set<string> {
  const fields = new Set<string>();
  for (const connection of info.fieldNodes) {
    eachField(info, connection.selectionSet, (edges) => {
      if (edges.name.value !== "edges") return;
      eachField(info, edges.selectionSet, (node) => {
        if (node.name.value === "node") eachField(info, node.selectionSet, (field) => fields.add(field.name.value));
      });
    });
  }
  return fields;
}

/** Whether any cursor is asked for below the connection: `edges { cursor }` or `pageInfo { startCursor endCursor }`. */
export function connectionReadsCursors(info: Info): boolean {
  let reads = false;
  for (const connection of info.fieldNodes) {
    eachField(info, connection.selectionSet, (part) => {
      const wanted = part.name.value === "edges" ? ["cursor"] : part.name.value === "pageInfo" ? ["startCursor", "endCursor"] : [];
      if (wanted.length) eachField(info, part.selectionSet, (field) => (reads ||= wanted.includes(field.name.value)));
    });
  }
  return reads;
}
