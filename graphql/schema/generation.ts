import { CREATED, READ_OR_CREATED_SCOPES, READ_SCOPES } from "@/graphql/auth";
import { builder } from "@/graphql/builder";
import { NotFoundAsSent } from "@/graphql/errors";
import { databaseId, globalIdOf, parseGlobalId } from "@/graphql/ids";
import { loadVisible } from "@/graphql/loaders";
import { DownloadFormatEnum, GenerationStatusEnum, OutputFormatEnum } from "@/graphql/schema/enums";
import { Slide } from "@/graphql/schema/slide";
import { ValidationError } from "@/lib/errors";
import { generationsByIds, objectPathOf, uploadedPaths, type GenerationRow } from "@/lib/generations/generations";
import {
  createGeneration,
  createGenerationDownloadUrl,
  createGenerationUploadUrl,
  deleteGeneration,
  retryGeneration,
  updateGeneration,
} from "@/lib/generations/service";
import type { SignedDownload as SignedDownloadShape, SignedUpload as SignedUploadShape } from "@/lib/storage/types";

export const Generation = builder.loadableNode("Generation", {
  description: "A person's raw text on its way to becoming a post, and the image made from it.",
  // Every field reads the person's data: `read`, in a query or a mutation's payload (graphql/auth.ts).
  authScopes: READ_SCOPES,
  // What a write-only credential gets back from createGeneration: the new generation's id and status.
  id: { resolve: (generation: GenerationRow) => generation.id, skipTypeScopes: true, authScopes: READ_OR_CREATED_SCOPES },
  load: loadVisible("generation", generationsByIds),
  // Fields that read a property as it is are exposed, not resolved: executed as compiled code, a field without a
  // resolver is a property read, where one with a resolver costs a call, its info and closures for every row.
  fields: (t) => ({
    inputContent: t.exposeString("inputContent", { description: "The raw text the post is made from." }),
    outputFormat: t.expose("outputFormat", { type: OutputFormatEnum, description: "What it becomes." }),
    bulletPoints: t.exposeStringList("bulletPoints", { nullable: true, description: "The post's bullet points, once there are any (null before)." }),
    slides: t.field({
      type: [Slide],
      nullable: true,
      description: "A CAROUSEL's slides, in order, once the pipeline has made them (null before, and for other formats).",
      resolve: (generation) => generation.slides?.map((slide, index) => ({ ...slide, number: index + 1 })) ?? null,
    }),
    quote: t.exposeString("quote", {
      nullable: true,
      description: "A CANVA_DESIGN's quote-card line, once the pipeline has made it (null before, and for other formats).",
    }),
    altText: t.exposeString("altText", {
      nullable: true,
      description:
        "Words for the image (the card, or a CAROUSEL's cover), for screen readers and the post's image description; " +
        "null until the pipeline has made it, and for generations made before alt text existed (each slide has its own).",
    }),
    failureReason: t.exposeString("failureReason", {
      nullable: true,
      description: "Why the pipeline gave up, in words you can act on (status FAILED; null otherwise). retryGeneration clears it.",
    }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true, description: "When the pipeline finished it (status COMPLETED; null before)." }),
    canvaDesignId: t.exposeString("canvaDesignId", { nullable: true, description: "The Canva design made from it, if any." }),
    status: t.expose("status", {
      type: GenerationStatusEnum,
      skipTypeScopes: true,
      authScopes: READ_OR_CREATED_SCOPES,
      description: "Where it is in the pipeline. Only the pipeline moves it, except retryGeneration (FAILED to QUEUED).",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    hasFile: t.loadable({
      type: "Boolean",
      description: "Whether the image has been uploaded to its signed upload URL.",
      // One query for every generation on the page, however many.
      load: async (paths: string[], ctx) => {
        const uploaded = await ctx.db((sql) => uploadedPaths(sql, paths));
        return paths.map((path) => uploaded.has(path));
      },
      resolve: (generation) => objectPathOf(generation),
    }),
  }),
});

/**
 * The row properties each field of Generation reads, so a list reads only
 * the columns its selection needs (lib/generations listGenerations). A
 * field missing here (a new one, say) makes the list read every column:
 * slower, never wrong. graphql/schema/generation.test.ts checks every field
 * against a full read.
 */
const PROPERTIES_OF_FIELD: Record<string, readonly (keyof GenerationRow)[]> = {
  __typename: [],
  id: ["id"],
  inputContent: ["inputContent"],
  outputFormat: ["outputFormat"],
  bulletPoints: ["bulletPoints"],
  slides: ["slides"],
  quote: ["quote"],
  failureReason: ["failureReason"],
  altText: ["altText"],
  completedAt: ["completedAt"],
  canvaDesignId: ["canvaDesignId"],
  canva: ["id"],
  status: ["status"],
  createdAt: ["createdAt"],
  hasFile: ["id", "userId"],
};

/** The row properties these Generation fields read, or null (every column) if any field is not known to need only some. */
export function generationPropertiesFor(fields: Iterable<string>): Set<keyof GenerationRow> | null {
  const properties = new Set<keyof GenerationRow>();
  for (const field of fields) {
    const needed = Object.hasOwn(PROPERTIES_OF_FIELD, field) ? PROPERTIES_OF_FIELD[field] : undefined;
    if (!needed) return null;
    for (const property of needed) properties.add(property);
  }
  return properties;
}

export const GenerationConnection = builder.connectionObject(
  { type: Generation, name: "GenerationConnection", description: "A page of generations, newest first." },
  { name: "GenerationEdge", description: "One generation in a page, with its cursor." },
);

const SignedUpload = builder.objectRef<SignedUploadShape>("SignedUpload").implement({
  description:
    "Where to PUT the PNG: send the bytes to `url` (or call supabase-js `uploadToSignedUrl(path, token, file)`) before `expiresAt`.",
  fields: (t) => ({
    url: t.exposeString("url", { description: "The signed URL to PUT the PNG to (content-type image/png, at most 10 MiB)." }),
    token: t.exposeString("token", { description: "The token in `url`, for supabase-js `uploadToSignedUrl(path, token, file)`." }),
    path: t.exposeString("path", { description: "The object's path in the postora-generations bucket." }),
    expiresAt: t.field({ type: "DateTime", description: "When the URL stops working.", resolve: (upload) => upload.expiresAt }),
  }),
});

const SignedDownload = builder.objectRef<SignedDownloadShape>("SignedDownload").implement({
  description: "A short-lived URL to GET the image (or a carousel's PDF) from.",
  authScopes: READ_SCOPES,
  fields: (t) => ({
    url: t.exposeString("url", { description: "The signed URL to GET the file from: the PNG, or the PDF when format PDF was asked for." }),
    expiresAt: t.field({ type: "DateTime", description: "When the URL stops working.", resolve: (download) => download.expiresAt }),
  }),
});

builder.queryField("generation", (t) =>
  t.field({
    type: Generation,
    nullable: true,
    description: "One of your generations; null (with a NOT_FOUND error) for an id that is missing, deleted, another person's, or malformed.",
    authScopes: { signedIn: true },
    args: { id: t.arg.id({ required: true, description: "The generation's global id." }) },
    resolve: (_root, args) => {
      const parsed = parseGlobalId(args.id);
      if (!parsed || parsed.typename !== "Generation") throw new NotFoundAsSent("generation", args.id);
      return parsed.id;
    },
  }),
);

// ---------------------------------------------------------------------------
// Mutations: verbNoun(input: VerbNounInput!): VerbNounPayload!
// ---------------------------------------------------------------------------

builder.relayMutationField(
  "createGeneration",
  {
    description: "What to make.",
    inputFields: (t) => ({
      inputContent: t.string({
        required: true,
        description: "The raw text to turn into a post (1 to 20,000 characters).",
        validate: {
          maxLength: [20_000, { message: "must be at most 20,000 characters" }],
          refine: [(value) => value.trim().length > 0, { message: "must not be empty or only whitespace" }],
        },
      }),
      outputFormat: t.field({ type: OutputFormatEnum, required: true, description: "What to make from it." }),
      templateId: t.id({ required: false, description: "A Template id: one of yours or a system template." }),
    }),
  },
  {
    description: "Queues a generation and returns a signed URL to upload its image to.",
    authScopes: { signedIn: true },
    resolve: (_root, { input }, ctx) =>
      createGeneration(ctx, {
        inputContent: input.inputContent,
        outputFormat: input.outputFormat,
        templateId: input.templateId ? databaseId(input.templateId, "input.templateId", "Template") : null,
      }),
  },
  {
    description: "The queued generation and where to upload its image.",
    outputFields: (t) => ({
      generation: t.field({
        type: Generation,
        description: "The new generation, QUEUED. A write-only credential may read its id and status.",
        grantScopes: [CREATED],
        resolve: (payload) => payload.generation,
      }),
      upload: t.field({
        type: SignedUpload,
        nullable: true,
        description: "Where to upload the image; null when storage could not sign a URL just now: ask createGenerationUploadUrl.",
        resolve: (payload) => payload.upload,
      }),
    }),
  },
);

builder.relayMutationField(
  "createGenerationUploadUrl",
  {
    description: "Which generation to upload an image for.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The generation's global id." }) }),
  },
  {
    description: "A fresh signed upload URL for one of your generations (the previous one may have expired).",
    authScopes: { signedIn: true },
    resolve: (_root, { input }, ctx) => createGenerationUploadUrl(ctx, databaseId(input.id, "input.id", "Generation")),
  },
  {
    description: "The generation and a fresh URL to upload its image to.",
    outputFields: (t) => ({
      generation: t.field({ type: Generation, description: "The generation the URL is for.", resolve: (payload) => payload.generation }),
      upload: t.field({ type: SignedUpload, description: "Where to upload the image.", resolve: (payload) => payload.upload }),
    }),
  },
);

builder.relayMutationField(
  "createGenerationDownloadUrl",
  {
    description: "Which generation's image to download (or which of its slides), and for how long.",
    inputFields: (t) => ({
      id: t.id({ required: true, description: "The generation's global id." }),
      slide: t.int({
        required: false,
        defaultValue: 1,
        description: "For a CAROUSEL, which slide (1 is the cover, the generation's own image; default 1).",
        validate: { int: true, min: [1, { message: "must be at least 1 (the cover)" }], max: [10, { message: "must be at most 10" }] },
      }),
      format: t.field({ type: DownloadFormatEnum, required: false, defaultValue: "PNG", description: "PNG (default): the image or chosen slide. PDF: a completed CAROUSEL as one LinkedIn-ready PDF (slide is ignored)." }),
      expiresIn: t.int({
        required: false,
        defaultValue: 300,
        description: "Seconds the URL stays valid: 10 to 3600 (default 300).",
        validate: {
          int: true,
          min: [10, { message: "must be at least 10 seconds" }],
          max: [3600, { message: "must be at most 3600 seconds (one hour)" }],
        },
      }),
    }),
  },
  {
    description:
      "A signed URL to download the image of one of your generations, or a carousel's PDF (FAILED_PRECONDITION until it exists). " +
      "A read: it needs the `read` scope, not `write` (it changes nothing).",
    // Reading the image is reading: `read` instead of the Mutation type's `write`.
    skipTypeScopes: true,
    authScopes: { $all: { signedIn: true, read: true } },
    resolve: (_root, { input }, ctx) =>
      createGenerationDownloadUrl(ctx, databaseId(input.id, "input.id", "Generation"), input.expiresIn ?? 300, input.slide ?? 1, input.format === "PDF" ? "pdf" : "png"),
  },
  {
    description: "The generation and a URL to download its image from.",
    outputFields: (t) => ({
      generation: t.field({ type: Generation, description: "The generation the URL is for.", resolve: (payload) => payload.generation }),
      download: t.field({ type: SignedDownload, description: "Where to download the image.", resolve: (payload) => payload.download }),
    }),
  },
);

builder.relayMutationField(
  "updateGeneration",
  {
    description: "Which generation, and the fields to change: only the fields you send change.",
    inputFields: (t) => ({
      id: t.id({ required: true, description: "The generation's global id." }),
      bulletPoints: t.stringList({
        required: false,
        description: "The post's bullet points (at most 50, each at most 500 characters); null clears them.",
        validate: {
          maxLength: [50, { message: "must have at most 50 bullet points" }],
          items: { maxLength: [500, { message: "each bullet point must be at most 500 characters" }] },
        },
      }),
      canvaDesignId: t.string({
        required: false,
        deprecationReason: "A send makes the Canva design and records its id: use sendGenerationToCanva. Setting it is refused.",
        description: "No longer settable: any value is refused with BAD_USER_INPUT. sendGenerationToCanva makes the design and records its id.",
      }),
    }),
    validate: [(input) => input.bulletPoints !== undefined || input.canvaDesignId !== undefined, { message: "Send bulletPoints." }],
  },
  {
    description: "Changes the bullet points of one of your generations. Its status is the pipeline's (see retryGeneration), its Canva design a send's.",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => {
      const refused = "canvaDesignId can no longer be set by hand: sendGenerationToCanva(input: { id }) makes the Canva design and records its id.";
      if (input.canvaDesignId !== undefined) throw new ValidationError(refused, ["input", "canvaDesignId"]);
      return { generation: await updateGeneration(ctx, databaseId(input.id, "input.id", "Generation"), { bulletPoints: input.bulletPoints }) };
    },
  },
  {
    description: "The changed generation.",
    outputFields: (t) => ({
      generation: t.field({ type: Generation, description: "The generation, as changed.", resolve: (payload) => payload.generation }),
    }),
  },
);

builder.relayMutationField(
  "retryGeneration",
  {
    description: "Which failed generation to queue again.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The generation's global id." }) }),
  },
  {
    description: "Queues a FAILED generation again. Any other status is FAILED_PRECONDITION, naming the status it is in.",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => ({
      generation: await retryGeneration(ctx, databaseId(input.id, "input.id", "Generation")),
    }),
  },
  {
    description: "The generation, QUEUED again.",
    outputFields: (t) => ({
      generation: t.field({ type: Generation, description: "The generation, now QUEUED.", resolve: (payload) => payload.generation }),
    }),
  },
);

export const deleteGenerationMutation = builder.relayMutationField(
  "deleteGeneration",
  {
    description: "Which generation to delete.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The generation's global id." }) }),
  },
  {
    description: "Deletes one of your generations: it disappears from every query and its image is removed.",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => {
      const deleted = await deleteGeneration(ctx, databaseId(input.id, "input.id", "Generation"));
      return { deletedGenerationId: globalIdOf("Generation", deleted.id), userId: ctx.identity!.userId };
    },
  },
  {
    description: "What was deleted, and the viewer whose generations changed.",
    outputFields: (t) => ({
      deletedGenerationId: t.id({
        description: "The deleted generation's global id: remove it from your cache.",
        resolve: (payload) => payload.deletedGenerationId,
      }),
    }),
  },
);
