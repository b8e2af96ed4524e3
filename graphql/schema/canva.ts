import { builder } from "@/graphql/builder";
import { databaseId } from "@/graphql/ids";
import { Generation } from "@/graphql/schema/generation";
import { Viewer } from "@/graphql/schema/viewer";
import type { CanvaAccountState } from "@/lib/canva/accounts";
import {
  canvaEditUrl,
  canvaOfGenerations,
  connectCanva,
  disconnectCanva,
  sendGenerationToCanva,
  viewerCanva,
  type GenerationCanva,
} from "@/lib/canva/service";

const CanvaAccount = builder.objectRef<CanvaAccountState>("CanvaAccount").implement({
  description: "Your Canva connection: whether Postora can make designs in your Canva account.",
  fields: (t) => ({
    connected: t.exposeBoolean("connected", { description: "Whether a Canva account is connected and its grant still works." }),
    displayName: t.exposeString("displayName", { nullable: true, description: "The connected Canva account's display name (null when none is connected)." }),
    reason: t.exposeString("reason", {
      nullable: true,
      description: "Why a connection stopped working (Canva revoked or expired it), in words you can act on: connect again. Null otherwise.",
    }),
  }),
});

const CanvaSendStatusEnum = builder.enumType("CanvaSendStatus", {
  description: "Where a send to Canva is.",
  values: {
    QUEUED: { value: "queued", description: "Waiting for a worker." },
    SENDING: { value: "sending", description: "Being uploaded and made into a design." },
    READY: { value: "ready", description: "The design exists: open it with editUrl." },
    FAILED: { value: "failed", description: "It did not work: failureReason says what to do." },
  } as const,
});

const CanvaSend = builder.objectRef<GenerationCanva>("CanvaSend").implement({
  description: "A generation as a Canva design: the latest send and the design it made.",
  fields: (t) => ({
    status: t.expose("status", { type: CanvaSendStatusEnum, description: "Where the latest send is." }),
    failureReason: t.exposeString("failureReason", { nullable: true, description: "Why the send failed, in words you can act on (status FAILED)." }),
    requestedAt: t.expose("requestedAt", { type: "DateTime", description: "When the latest send was asked for." }),
    designId: t.exposeString("designId", { nullable: true, description: "The Canva design's id (null until a send is READY)." }),
    editUrl: t.string({
      nullable: true,
      description:
        "A link that opens the design in Canva's editor, asked of Canva now: it works for 30 days and only for you. Null without a design or a working Canva connection.",
      resolve: (send, _args, ctx) => canvaEditUrl(ctx.log, send.userId, send.designId),
    }),
  }),
});

builder.objectField(Generation, "canva", (t) =>
  t.loadable({
    type: CanvaSend,
    nullable: true,
    description: "This generation as a Canva design (sendGenerationToCanva): the send's status and the design. Null if it was never sent.",
    // One read for every generation on the page.
    load: (ids: string[], ctx) => canvaOfGenerations(ctx.identity!.userId, ids),
    resolve: (generation) => generation.id,
  }),
);

builder.objectField(Viewer, "canva", (t) =>
  t.field({
    type: CanvaAccount,
    description: "Your Canva connection (connectCanva, disconnectCanva).",
    authScopes: { signedIn: true },
    resolve: (viewer) => viewerCanva(viewer.id),
  }),
);

builder.relayMutationField(
  "connectCanva",
  {
    description: "Nothing is needed: the connection is for you.",
    inputFields: (t) => ({
      clientMutationId: t.string({ required: false, description: "Any string of yours, returned as it is in the payload (Relay's convention), to match answers to requests." }),
    }),
  },
  {
    description:
      "Starts connecting your Canva account: open authorizeUrl in the browser, approve Postora at Canva, and Canva returns you to Postora. A session only (not an API key).",
    authScopes: { session: true },
    resolve: async (_root, { input }, ctx) => ({ ...(await connectCanva(ctx.log, ctx.identity!.userId)), clientMutationId: input.clientMutationId ?? null }),
  },
  {
    description: "Where to approve Postora at Canva.",
    outputFields: (t) => ({
      authorizeUrl: t.exposeString("authorizeUrl", { description: "Canva's page to approve Postora: open it in the browser." }),
      expiresAt: t.expose("expiresAt", { type: "DateTime", description: "When this attempt stops working (it also works only once)." }),
      clientMutationId: t.exposeString("clientMutationId", { nullable: true, description: "The clientMutationId you sent, if any." }),
    }),
  },
);

builder.relayMutationField(
  "disconnectCanva",
  {
    description: "Nothing is needed: the connection is yours.",
    inputFields: (t) => ({
      clientMutationId: t.string({ required: false, description: "Any string of yours, returned as it is in the payload (Relay's convention), to match answers to requests." }),
    }),
  },
  {
    description: "Disconnects your Canva account: Postora's access is revoked at Canva and its tokens deleted. Designs already made stay in Canva.",
    authScopes: { session: true },
    resolve: async (_root, { input }, ctx) => ({ canva: await disconnectCanva(ctx.log, ctx.identity!.userId), clientMutationId: input.clientMutationId ?? null }),
  },
  {
    description: "Your Canva connection, now disconnected.",
    outputFields: (t) => ({
      canva: t.field({ type: CanvaAccount, description: "Your Canva connection now.", resolve: (payload) => payload.canva }),
      clientMutationId: t.exposeString("clientMutationId", { nullable: true, description: "The clientMutationId you sent, if any." }),
    }),
  },
);

builder.relayMutationField(
  "sendGenerationToCanva",
  { description: "Which finished generation to send.", inputFields: (t) => ({ id: t.id({ required: true, description: "The generation's global id." }) }) },
  {
    description:
      "Makes a finished generation an editable Canva design (a carousel as a multi-page design from its PDF, a card as a design of its size). Returns at once: follow generation.canva. A send in flight is returned as it is; a later one makes a new design.",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => ({
      generation: await sendGenerationToCanva(ctx, ctx.identity!.userId, databaseId(input.id, "input.id", "Generation")),
    }),
  },
  {
    description: "The generation, with its send QUEUED (or the one in flight).",
    outputFields: (t) => ({ generation: t.field({ type: Generation, description: "The generation; see its canva field.", resolve: (payload) => payload.generation }) }),
  },
);
