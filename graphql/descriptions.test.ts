/**
 * The schema documents itself: every type, field, argument, input field and
 * enum value a client can see has a description, and every timestamp is
 * named `…At`. Walks the served schema, so nothing added later escapes.
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
