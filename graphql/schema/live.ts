/**
 * Live updates: the subscription root (named Live, since the billing type is
 * Subscription) and generationUpdated, served by Yoga as GraphQL over SSE on
 * /api/graphql. Streams come from lib/live/stream.ts; each event is the
 * generation as its owner reads it at that moment.
 */
import { clearAllDataLoaders } from "@pothos/plugin-dataloader";
import { builder } from "@/graphql/builder";
import { databaseId } from "@/graphql/ids";
import { Generation } from "@/graphql/schema/generation";
import { getEnv } from "@/lib/env";
import { changeFeed } from "@/lib/live/changes";
import { openGenerationStream, type LiveEvent } from "@/lib/live/stream";

builder.subscriptionField("generationUpdated", (t) =>
  t.field({
    type: Generation,
    description:
      "Your generations as they change: each time one's status, output or files change, the generation as it is then. " +
      "With `id`, only that one (NOT_FOUND if it is not yours); without, all of yours. A deleted one sends nothing more. " +
      `Over SSE (GraphQL over SSE, distinct connections: the graphql-sse client); at most LIVE_STREAMS_PER_PERSON open streams per person per server process (TOO_MANY_STREAMS beyond). ` +
      "A stream whose session ends, whose key is revoked or whose account is deleted ends within a minute with UNAUTHENTICATED.",
    authScopes: { signedIn: true },
    args: { id: t.arg.id({ required: false, description: "One generation's global id; omit it for all of yours." }) },
    subscribe: (_root, args, ctx) =>
      openGenerationStream(
        {
          feed: changeFeed(),
          read: ctx.db,
          stillAllowed: ctx.credentialStillValid,
          log: ctx.log.child({ source: "live" }),
          maxPerPerson: getEnv().live.streamsPerPerson,
          // Yoga's request (its context's own): aborted when the client disconnects.
          signal: (ctx as typeof ctx & { request?: Request }).request?.signal,
        },
        { userId: ctx.identity!.userId, generationId: args.id ? databaseId(args.id, "id", "Generation") : null },
      ),
    resolve: (event: LiveEvent, _args, ctx) => {
      if (event.kind === "ended") throw event.error;
      // Loaders cache per context, and a subscription's context lives as long as its stream: each event reads afresh.
      clearAllDataLoaders(ctx);
      return event.row;
    },
  }),
);
