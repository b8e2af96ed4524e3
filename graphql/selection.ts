/**
 * What a query asks of a connection's nodes, so a resolver reads only the
 * columns those fields need (graphql/schema/viewer.ts).
 */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/**
 * The names of the fields selected on `edges { node { ... } }` below the
 * field being resolved, through inline fragments and fragment spreads.
 * Directives (@include, @skip) are not evaluated: a field they might leave
 * out still counts, so the set is never smaller than what runs.
 */
export function connectionNodeFields(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">): Set<string> {
  const fields = new Set<string>();
  const eachField = (selectionSet: SelectionSetNode | undefined, visit: (field: FieldNode) => void) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) visit(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(selection.selectionSet, visit);
      else eachField(info.fragments[selection.name.value]?.selectionSet, visit);
    }
  };
  for (const connection of info.fieldNodes) {
    eachField(connection.selectionSet, (edges) => {
      if (edges.name.value !== "edges") return;
      eachField(edges.selectionSet, (node) => {
        if (node.name.value === "node") eachField(node.selectionSet, (field) => fields.add(field.name.value));
      });
    });
  }
  return fields;
}
