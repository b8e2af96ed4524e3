/**
 * What a query asks of a connection, so a resolver reads only the
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
 * What is selected below a connection field, in one walk of its selection
 * (through inline fragments and fragment spreads):
 * - `nodeFields`: the names of the fields on `edges { node { ... } }`.
 *   Directives (@include, @skip) are not evaluated: a field they might leave
 *   out still counts, so the set is never smaller than what runs;
 * - `cursors`: whether any cursor is asked for, `edges { cursor }` or
 *   `pageInfo { startCursor endCursor }`.
 */
export function connectionSelection(info: Info): { nodeFields: Set<string>; cursors: boolean } {
  const nodeFields = new Set<string>();
  let cursors = false;
  for (const connection of info.fieldNodes) {
    eachField(info, connection.selectionSet, (part) => {
      if (part.name.value === "edges") {
        eachField(info, part.selectionSet, (edgeField) => {
          if (edgeField.name.value === "cursor") cursors = true;
          else if (edgeField.name.value === "node") eachField(info, edgeField.selectionSet, (field) => nodeFields.add(field.name.value));
        });
      } else if (part.name.value === "pageInfo") {
        eachField(info, part.selectionSet, (field) => {
          if (field.name.value === "startCursor" || field.name.value === "endCursor") cursors = true;
        });
      }
    });
  }
  return { nodeFields, cursors };
}
