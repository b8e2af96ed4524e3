import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { connectionSelection } from "@/graphql/selection";

/** The resolve info of `viewer.generations` in a document: its field nodes and the document's fragments. */
function infoOf(source: string) {
  const document = parse(source);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)!;
  const viewer = operation.selectionSet.selections[0] as FieldNode;
  const fieldNodes = viewer.selectionSet!.selections.filter((selection): selection is FieldNode => selection.kind === Kind.FIELD && selection.name.value === "generations");
  const fragments = Object.fromEntries(
    document.definitions.filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  return { fieldNodes, fragments };
}

describe("the fields a connection's nodes are asked for", () => {
  it("are the fields under edges.node, by name not alias, through fragments and from every occurrence of the connection", () => {
    const info = infoOf(`
      query {
        viewer {
          generations(first: 5) { pageInfo { endCursor } edges { cursor node { id label: status ...Parts ... on Generation { createdAt } } } }
          generations(first: 5) { edges { node { hasFile @include(if: false) } } }
        }
      }
      fragment Parts on Generation { outputFormat ... on Generation { slides { title } } }`);
    expect([...connectionSelection(info).nodeFields].sort()).toEqual(["createdAt", "hasFile", "id", "outputFormat", "slides", "status"]);
  });

  it("are none when no node is asked for", () => {
    expect(connectionSelection(infoOf("{ viewer { generations { pageInfo { hasNextPage } } } }")).nodeFields.size).toBe(0);
  });

  it("include a cursor when an edge's cursor or pageInfo's start or end cursor is asked for, through fragments", () => {
    expect(connectionSelection(infoOf("{ viewer { generations { edges { node { id } } pageInfo { hasNextPage } } } }")).cursors).toBe(false);
    expect(connectionSelection(infoOf("{ viewer { generations { edges { position: cursor } } } }")).cursors).toBe(true);
    expect(connectionSelection(infoOf("{ viewer { generations { pageInfo { ...P } } } } fragment P on PageInfo { endCursor }")).cursors).toBe(true);
    expect(connectionSelection(infoOf("{ viewer { generations { ... on GenerationConnection { pageInfo { startCursor } } } } }")).cursors).toBe(true);
  });
});
