import { builder } from "@/graphql/builder";
import { loadVisible } from "@/graphql/loaders";
import { GenerationStatusEnum, OutputFormatEnum, TierEnum } from "@/graphql/schema/enums";
import { deleteGenerationMutation, Generation, GenerationConnection } from "@/graphql/schema/generation";
import { Subscription, UsageRef } from "@/graphql/schema/subscription";
import { deleteTemplateMutation, Template, TemplateConnection } from "@/graphql/schema/template";
import { currentSubscription, viewerBilling } from "@/lib/billing/plans";
import { listGenerations } from "@/lib/generations/generations";
import { listTemplates } from "@/lib/templates/templates";
import { viewersByIds, type ViewerRow } from "@/lib/users/viewer";

export const Viewer = builder.loadableNode("Viewer", {
  description: "The signed-in person: their Postora account.",
  id: { resolve: (viewer: ViewerRow) => viewer.id },
  load: loadVisible("viewer", viewersByIds),
  fields: (t) => ({
    email: t.exposeString("email", { description: "Their primary email address, as Clerk has it." }),
    tier: t.field({
      type: TierEnum,
      description: "The plan the account is on now (a subscription that has run out counts as FREE).",
      resolve: (viewer) => viewer.tier,
    }),
    createdAt: t.field({ type: "DateTime", description: "When the account was created.", resolve: (viewer) => viewer.createdAt }),
    lastSignedInAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When they last signed in (a new Clerk session), not their last request.",
      resolve: (viewer) => viewer.lastSignedInAt,
    }),
    generations: t.connection(
      {
        type: Generation,
        description: "Your generations, newest first.",
        args: {
          status: t.arg({ type: GenerationStatusEnum, required: false, description: "Only generations in this status." }),
          outputFormat: t.arg({ type: OutputFormatEnum, required: false, description: "Only generations of this format." }),
        },
        resolve: (_viewer, args, ctx) => ctx.db((sql) => listGenerations(sql, args)),
      },
      GenerationConnection,
    ),
    templates: t.connection(
      {
        type: Template,
        description: "Your own templates, newest first (Query.templates adds the system ones).",
        resolve: (_viewer, args, ctx) => ctx.db((sql) => listTemplates(sql, { ...args, ownOnly: true })),
      },
      TemplateConnection,
    ),
    subscription: t.field({
      type: Subscription,
      nullable: true,
      description: "Your current Stripe subscription, if you have one.",
      resolve: (_viewer, _args, ctx) => ctx.db(currentSubscription),
    }),
    usage: t.field({
      type: UsageRef,
      description: "Generations made this calendar month (UTC), deleted ones included, against your tier's monthly limit.",
      resolve: async (_viewer, _args, ctx) => (await ctx.db(viewerBilling))!.usage,
    }),
  }),
});

builder.queryField("viewer", (t) =>
  t.field({
    type: Viewer,
    nullable: true,
    description: "Who is calling: null when anonymous.",
    resolve: (_root, _args, ctx) => ctx.identity?.userId ?? null,
  }),
);

// Delete payloads return the viewer, so a client's cache can refetch the lists the deleted object left.
for (const payload of [deleteGenerationMutation.payloadType, deleteTemplateMutation.payloadType]) {
  builder.objectField(payload, "viewer", (t) =>
    t.field({ type: Viewer, description: "You, after the deletion.", resolve: (deleted) => deleted.userId }),
  );
}
