import { builder } from "@/graphql/builder";

type Health = { databaseTime: Date; databaseRole: string };

const HealthRef = builder.objectRef<Health>("Health").implement({
  description: "Proof that the API reached its database through the caller's row-level-security context.",
  fields: (t) => ({
    ok: t.boolean({ resolve: () => true }),
    databaseTime: t.field({ type: "DateTime", resolve: (health) => health.databaseTime }),
    databaseRole: t.exposeString("databaseRole", {
      description: "The Postgres role the caller's SQL runs as: `anon` or `authenticated`.",
    }),
  }),
});

builder.queryField("health", (t) =>
  t.field({
    type: HealthRef,
    description: "Answers only when the database does.",
    resolve: (_root, _args, ctx) =>
      ctx.db(async (sql) => {
        const [row] = await sql<{ now: Date; role: string }[]>`select now() as now, current_user as role`;
        return { databaseTime: row!.now, databaseRole: row!.role };
      }),
  }),
);
