import { READ_SCOPES } from "@/graphql/auth";
import { builder } from "@/graphql/builder";
import type { GraphQLContext } from "@/graphql/context";
import { loadVisible } from "@/graphql/loaders";
import { connectionSelection } from "@/graphql/selection";
import { GenerationStatusEnum, OutputFormatEnum, TierEnum } from "@/graphql/schema/enums";
import { deleteGenerationMutation, Generation, GenerationConnection, generationPropertiesFor } from "@/graphql/schema/generation";
import { Subscription, UsageRef } from "@/graphql/schema/subscription";
import { deleteTemplateMutation, Template, TemplateConnection } from "@/graphql/schema/template";
import { currentSubscription, viewerBilling } from "@/lib/billing/plans";
import { listGenerations } from "@/lib/generations/generations";
import { listTemplates } from "@/lib/templates/templates";
import { viewersByIds, type ViewerRow } from "@/lib/users/viewer";

/**
 * A viewer is their users row (node(id), a delete payload) or, from Query.viewer, only the caller's id:
 * the row is read when a field needs it, so `viewer { generations }` (what a client asks most) costs
 * no read of the account, its billing state included, before the list.
 */
type ViewerShape = ViewerRow | { id: string };

const loadViewers = loadVisible("viewer", viewersByIds) as (ids: string[], ctx: GraphQLContext) => Promise<(ViewerShape | Error)[]>;

export const Viewer = builder.loadableNode("Viewer", {
  description: "The signed-in person: their Postora account.",
  // All of it is the person's data: `read`, also where a delete payload returns it (graphql/auth.ts).
  authScopes: READ_SCOPES,
  id: { resolve: (viewer: ViewerShape) => viewer.id },
  load: loadViewers,
  fields: (t) => ({
    email: t.string({ description: "Their primary email address, as Clerk has it.", resolve: async (viewer, _args, ctx) => (await rowOf(viewer, ctx)).email }),
    tier: t.field({
      type: TierEnum,
      description: "The plan the account is on now (a subscription that has run out counts as FREE).",
      resolve: async (viewer, _args, ctx) => (await rowOf(viewer, ctx)).tier,
    }),
    createdAt: t.field({ type: "DateTime", description: "When the account was created.", resolve: async (viewer, _args, ctx) => (await rowOf(viewer, ctx)).createdAt }),
    lastSignedInAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When they last signed in (a new Clerk session), not their last request.",
      resolve: async (viewer, _args, ctx) => (await rowOf(viewer, ctx)).lastSignedInAt,
    }),
    generations: t.connection(
      {
        type: Generation,
        description: "Your generations, newest first.",
        args: {
          status: t.arg({ type: GenerationStatusEnum, required: false, description: "Only generations in this status." }),
          outputFormat: t.arg({ type: OutputFormatEnum, required: false, description: "Only generations of this format." }),
        },
        // Only what the selection needs: a first page of `id status outputFormat createdAt` reads 4 of 13 columns, no cursor.
        resolve: (_viewer, args, ctx, info) => {
          const { nodeFields, cursors } = connectionSelection(info);
          return listGenerations(ctx.read, args, { properties: generationPropertiesFor(nodeFields), cursors });
        },
      },
      GenerationConnection,
    ),
    templates: t.connection(
      {
        type: Template,
        description: "Your own templates, newest first (Query.templates adds the system ones).",
        resolve: (_viewer, args, ctx) => listTemplates(ctx.read, { ...args, ownOnly: true }),
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
    resolve: (_root, _args, ctx) => (ctx.identity ? { id: ctx.identity.userId } : null),
  }),
);

/** The viewer's users row: loaded (once per request, with every other viewer asked for) unless it is at hand. */
async function rowOf(viewer: ViewerShape, ctx: GraphQLContext): Promise<ViewerRow> {
  const row = "email" in viewer ? viewer : await Viewer.getDataloader(ctx).load(viewer.id);
  return row as ViewerRow;
}

// Delete payloads return the viewer, so a client's cache can refetch the lists the deleted object left.
for (const payload of [deleteGenerationMutation.payloadType, deleteTemplateMutation.payloadType]) {
  builder.objectField(payload, "viewer", (t) =>
    t.field({ type: Viewer, description: "You, after the deletion.", resolve: (deleted) => deleted.userId }),
  );
}
