/**
 * The conventions v1 promises, checked on the served schema so nothing added
 * later escapes them: every type, field, argument, input field and enum value
 * has a description; every timestamp is named `…At`; every mutation is
 * `verbNoun(input: VerbNounInput!): VerbNounPayload!`; connections and edges
 * have stable names (`GenerationConnection`/`GenerationEdge`), never
 * field-derived ones (`ViewerGenerationsConnectionEdge`).
 */
import { readFileSync } from "node:fs";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from "graphql";
import { expect, it } from "vitest";
import { schema } from "@/graphql/schema/index";

/** Every schema coordinate (Type, Type.field, Type.field(arg:), Enum.VALUE) without a description. */
function undocumented(target: GraphQLSchema): string[] {
  const missing: string[] = [];
  const need = (coordinate: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(coordinate);
  };
  for (const type of Object.values(target.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    need(type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name}:)`, arg.description);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
    }
  }
  return missing.sort();
}

/** Output fields of type DateTime whose name does not end in `At`. */
function timestampsNotNamedAt(target: GraphQLSchema): string[] {
  const wrong: string[] = [];
  for (const type of Object.values(target.getTypeMap())) {
    if (isIntrospectionType(type) || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      if (getNamedType(field.type).name === "DateTime" && !field.name.endsWith("At")) wrong.push(`${type.name}.${field.name}`);
    }
  }
  return wrong;
}

it("describes every type, field, argument, input field and enum value", () => {
  expect(undocumented(schema)).toEqual([]);
});

it("describes them in the committed graphql/schema.graphql too", () => {
  const printed = buildSchema(readFileSync(new URL("./schema.graphql", import.meta.url), "utf8"));
  expect(undocumented(printed)).toEqual([]);
});

it("would notice a missing description", () => {
  const bare = buildSchema(`"""A."""\ntype Query { """Documented."""\na(x: Int): Int\nb: E }\nenum E { """One."""\nONE TWO }`);
  expect(undocumented(bare)).toEqual(["E", "E.TWO", "Query.a(x:)", "Query.b"]);
});

it("names every timestamp …At", () => {
  expect(timestampsNotNamedAt(schema)).toEqual([]);
  expect(timestampsNotNamedAt(buildSchema(`scalar DateTime\ntype Query { startDate: DateTime, endsAt: DateTime }`))).toEqual(["Query.startDate"]);
});

/** Mutations that are not verbNoun(input: VerbNounInput!): VerbNounPayload!, each with what is off. */
function offContract(target: GraphQLSchema): string[] {
  const wrong: string[] = [];
  for (const field of Object.values(target.getMutationType()?.getFields() ?? {})) {
    const name = field.name[0]!.toUpperCase() + field.name.slice(1);
    const args = field.args.map((arg) => `${arg.name}: ${String(arg.type)}`).join(", ");
    if (args !== `input: ${name}Input!`) wrong.push(`${field.name}(${args}): expected (input: ${name}Input!)`);
    if (String(field.type) !== `${name}Payload!`) wrong.push(`${field.name}: ${String(field.type)}, expected ${name}Payload!`);
  }
  return wrong;
}

/** Connection and edge types not named <Node>Connection / <Node>Edge. */
function unstableConnections(target: GraphQLSchema): string[] {
  const wrong: string[] = [];
  for (const type of Object.values(target.getTypeMap())) {
    if (!isObjectType(type) || !("pageInfo" in type.getFields())) continue;
    const edges = type.getFields().edges;
    const edge = edges && getNamedType(edges.type);
    const node = edge && isObjectType(edge) ? getNamedType(edge.getFields().node!.type).name : "?";
    if (type.name !== `${node}Connection`) wrong.push(`${type.name} (expected ${node}Connection)`);
    if (edge?.name !== `${node}Edge`) wrong.push(`${edge?.name} (expected ${node}Edge)`);
  }
  return wrong;
}

it("shapes every mutation verbNoun(input: VerbNounInput!): VerbNounPayload!", () => {
  expect(offContract(schema)).toEqual([]);
  const drifting = buildSchema(`type Query { a: Int }
    input DoThingInput { a: Int } type DoThingPayload { a: Int } type Thing { a: Int }
    type Mutation { doThing(input: DoThingInput!): DoThingPayload! other(id: ID!): Thing }`);
  expect(offContract(drifting)).toEqual(["other(id: ID!): expected (input: OtherInput!)", "other: Thing, expected OtherPayload!"]);
});

it("names every connection <Node>Connection and its edge <Node>Edge", () => {
  expect(unstableConnections(schema)).toEqual([]);
  const derived = buildSchema(`type Query { a: ViewerThingsConnection }
    type PageInfo { hasNextPage: Boolean } type Thing { a: Int }
    type ViewerThingsConnection { edges: [ViewerThingsConnectionEdge!]! pageInfo: PageInfo! }
    type ViewerThingsConnectionEdge { node: Thing! cursor: String! }`);
  expect(unstableConnections(derived)).toEqual(["ViewerThingsConnection (expected ThingConnection)", "ViewerThingsConnectionEdge (expected ThingEdge)"]);
});
