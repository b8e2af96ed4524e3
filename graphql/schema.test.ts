import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { expect, it } from "vitest";
import { printSchemaSDL } from "@/graphql/print";
import { schema } from "@/graphql/schema/index";

const committed = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8");

it("declares its roots, so re-reading the SDL never makes the Subscription type a subscription root", () => {
  expect(committed.startsWith("schema {\n  query: Query\n  mutation: Mutation\n}\n")).toBe(true);
  const reread = buildSchema(committed);
  expect(reread.getSubscriptionType()).toBeFalsy();
  expect(reread.getType("Subscription")).toBeTruthy();
  expect(reread.getQueryType()?.name).toBe("Query");
  expect(reread.getMutationType()?.name).toBe("Mutation");
});

it("has no subscription root in the served schema either", () => {
  expect(schema.getSubscriptionType()).toBeFalsy();
});

it("is the committed graphql/schema.graphql", () => {
  expect(printSchemaSDL(schema)).toBe(committed);
});
