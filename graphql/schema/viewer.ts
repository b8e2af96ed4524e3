import { builder } from "@/graphql/builder";
import { GenerationStatusEnum, OutputFormatEnum, TierEnum } from "@/graphql/schema/enums";
import { Generation } from "@/graphql/schema/generation";
import { Subscription, UsageRef } from "@/graphql/schema/subscription";
import { Template } from "@/graphql/schema/template";
import { currentSubscription, usageThisPeriod, type Tier } from "@/lib/billing/plans";
import { listGenerations } from "@/lib/generations/generations";
import { listTemplates } from "@/lib/templates/templates";

type ViewerRow = { id: string; email: string; tier: Tier; createdAt: Date; lastLogin: Date | null };

const Viewer = builder.objectRef<ViewerRow>("Viewer").implement({
  description: "The signed-in person: their Postora account.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Postora's id for the account (not the Clerk user id)." }),
    email: t.exposeString("email"),
    tier: t.field({ type: TierEnum, description: "The plan the account is on.", resolve: (viewer) => viewer.tier }),
    createdAt: t.field({ type: "DateTime", resolve: (viewer) => viewer.createdAt }),
    lastLogin: t.field({
      type: "DateTime",
      nullable: true,
      description: "When they last signed in (a new Clerk session), not their last request.",
      resolve: (viewer) => viewer.lastLogin,
    }),
    generations: t.connection({
      type: Generation,
      description: "Your generations, newest first. Forward pagination: `first` (1 to 100, default 20) and `after`.",
      args: {
        status: t.arg({ type: GenerationStatusEnum, required: false }),
        outputFormat: t.arg({ type: OutputFormatEnum, required: false }),
      },
      resolve: (_viewer, args, ctx) => ctx.db((sql) => listGenerations(sql, args)),
    }),
    templates: t.connection({
      type: Template,
      description: "Your own templates, newest first (Query.templates adds the system ones).",
      resolve: (_viewer, args, ctx) => ctx.db((sql) => listTemplates(sql, { ...args, ownOnly: true })),
    }),
    subscription: t.field({
      type: Subscription,
      nullable: true,
      description: "Your current Stripe subscription, if you have one.",
      resolve: (_viewer, _args, ctx) => ctx.db(currentSubscription),
    }),
    usage: t.field({
      type: UsageRef,
      resolve: (viewer, _args, ctx) => ctx.db(async (sql) => usageThisPeriod(sql, viewer.tier, await currentSubscription(sql))),
    }),
  }),
});

builder.queryField("viewer", (t) =>
  t.field({
    type: Viewer,
    nullable: true,
    description: "Who is calling: null when anonymous.",
    resolve: async (_root, _args, ctx) => {
      if (!ctx.identity) return null;
      // Under RLS the caller can only ever read their own row; the filter just says which one we mean.
      const [row] = await ctx.db(
        (sql) => sql<ViewerRow[]>`
          select id, email, tier, created_at, last_login from users where auth_id = ${ctx.identity!.clerkUserId}`,
      );
      return row ?? null;
    },
  }),
);
