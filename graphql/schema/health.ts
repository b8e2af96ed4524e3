import { builder } from "@/graphql/builder";
import { databaseHealth, type Health } from "@/lib/health";

const HealthRef = builder.objectRef<Health>("Health").implement({
  description: "Proof that the API reached its database through the caller's row-level-security context.",
  fields: (t) => ({
    ok: t.boolean({ description: "Always true: an answer at all means the database answered.", resolve: () => true }),
    checkedAt: t.field({ type: "DateTime", description: "The database's clock when it answered.", resolve: (health) => health.checkedAt }),
    databaseRole: t.exposeString("databaseRole", {
      description: "The Postgres role the caller's SQL runs as: `anon` or `authenticated`.",
    }),
  }),
});

builder.queryField("health", (t) =>
  t.field({
    type: HealthRef,
    description: "Answers only when the database does. Needs no sign-in.",
    resolve: (_root, _args, ctx) => ctx.db(databaseHealth),
  }),
);
