import { readFileSync } from "node:fs";
import { buildSchema } from "graphql";
import { expect, it } from "vitest";
import { printSchemaSDL } from "@/graphql/print";
import { schema } from "@/graphql/schema/index";

const committed = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8");

it("declares its roots, so re-reading the SDL never makes the Subscription type a subscription root", () => {
  expect(committed.startsWith("schema {\n  query: Query\n  mutation: Mutation\n  subscription: Live\n}\n")).toBe(true);
  const reread = buildSchema(committed);
  expect(reread.getSubscriptionType()?.name).toBe("Live");
  expect(reread.getType("Subscription")).toBeTruthy();
  expect(reread.getQueryType()?.name).toBe("Query");
  expect(reread.getMutationType()?.name).toBe("Mutation");
});

it("serves Live as its subscription root, never the billing type named Subscription", () => {
  expect(schema.getSubscriptionType()?.name).toBe("Live");
  expect(Object.keys(schema.getSubscriptionType()!.getFields())).toEqual(["generationUpdated"]);
});

it("is the committed graphql/schema.graphql", () => {
  expect(printSchemaSDL(schema)).toBe(committed);
});
