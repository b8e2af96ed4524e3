import { encodeGlobalID } from "@pothos/plugin-relay";
import { builder } from "@/graphql/builder";
import { databaseId, loadVisible, signedIn } from "@/graphql/guards";
import { GenerationStatusEnum, OutputFormatEnum } from "@/graphql/schema/enums";
import { PreconditionError } from "@/lib/errors";
import {
  createGeneration,
  generationsByIds,
  getGeneration,
  objectPathOf,
  softDeleteGeneration,
  updateGeneration,
  uploadedPaths,
  type GenerationRow,
} from "@/lib/generations/generations";
import { logger } from "@/lib/log";
import { getStorage } from "@/lib/storage/index";
import type { SignedDownload as SignedDownloadShape, SignedUpload as SignedUploadShape } from "@/lib/storage/types";

const log = logger.child({ source: "graphql.generation" });

export const Generation = builder.loadableNode("Generation", {
  description: "A person's raw text on its way to becoming a post, and the image made from it.",
  id: { resolve: (generation: GenerationRow) => generation.id },
  load: loadVisible("generation", generationsByIds),
  fields: (t) => ({
    inputContent: t.exposeString("inputContent"),
    outputFormat: t.field({ type: OutputFormatEnum, resolve: (generation) => generation.outputFormat }),
    bulletPoints: t.stringList({ nullable: true, resolve: (generation) => generation.bulletPoints }),
    canvaDesignId: t.exposeString("canvaDesignId", { nullable: true }),
    status: t.field({ type: GenerationStatusEnum, resolve: (generation) => generation.status }),
    createdAt: t.field({ type: "DateTime", resolve: (generation) => generation.createdAt }),
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

const SignedUpload = builder.objectRef<SignedUploadShape>("SignedUpload").implement({
  description:
    "Where to PUT the PNG: send the bytes to `url` (or call supabase-js `uploadToSignedUrl(path, token, file)`) before `expiresAt`.",
  fields: (t) => ({
    url: t.exposeString("url"),
    token: t.exposeString("token"),
    path: t.exposeString("path", { description: "The object's path in the postora-generations bucket." }),
    expiresAt: t.field({ type: "DateTime", resolve: (upload) => upload.expiresAt }),
  }),
});

const SignedDownload = builder.objectRef<SignedDownloadShape>("SignedDownload").implement({
  description: "A short-lived URL to GET the image from.",
  fields: (t) => ({
    url: t.exposeString("url"),
    expiresAt: t.field({ type: "DateTime", resolve: (download) => download.expiresAt }),
  }),
});

builder.queryField("generation", (t) =>
  t.field({
    type: Generation,
    description: "One of your generations.",
    args: { id: t.arg.globalID({ required: true, for: Generation }) },
    resolve: (_root, args) => databaseId(args.id, "id"),
  }),
);

// ---------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------

const CreateGenerationInput = builder.inputType("CreateGenerationInput", {
  fields: (t) => ({
    inputContent: t.string({
      required: true,
      description: "The raw text to turn into a post (1 to 20,000 characters).",
      validate: {
        maxLength: [20_000, { message: "must be at most 20,000 characters" }],
        refine: [(value) => value.trim().length > 0, { message: "must not be empty or only whitespace" }],
      },
    }),
    outputFormat: t.field({ type: OutputFormatEnum, required: true }),
    templateId: t.globalID({ required: false, description: "A Template id: one of yours or a system template." }),
  }),
});

const CreateGenerationPayload = builder
  .objectRef<{ generation: GenerationRow; upload: SignedUploadShape }>("CreateGenerationPayload")
  .implement({
    fields: (t) => ({
      generation: t.field({ type: Generation, resolve: (payload) => payload.generation }),
      upload: t.field({ type: SignedUpload, resolve: (payload) => payload.upload }),
    }),
  });

builder.mutationField("createGeneration", (t) =>
  t.field({
    type: CreateGenerationPayload,
    description: "Queues a generation and returns a signed URL to upload its image to.",
    args: { input: t.arg({ type: CreateGenerationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      signedIn(ctx);
      const templateId = input.templateId ? databaseId(input.templateId, "input.templateId", "Template") : null;
      const generation = await ctx.db((sql) =>
        createGeneration(sql, { inputContent: input.inputContent, outputFormat: input.outputFormat, templateId }),
      );
      const upload = await getStorage().createSignedUploadUrl(objectPathOf(generation));
      return { generation, upload };
    },
  }),
);

builder.mutationField("createGenerationUploadUrl", (t) =>
  t.field({
    type: SignedUpload,
    description: "A fresh signed upload URL for one of your generations (the previous one may have expired).",
    args: { id: t.arg.globalID({ required: true, for: Generation }) },
    resolve: async (_root, args, ctx) => {
      signedIn(ctx);
      const generation = await ctx.db((sql) => getGeneration(sql, databaseId(args.id, "id")));
      return getStorage().createSignedUploadUrl(objectPathOf(generation));
    },
  }),
);

builder.mutationField("createGenerationDownloadUrl", (t) =>
  t.field({
    type: SignedDownload,
    description: "A signed URL to download the image of one of your generations.",
    args: {
      id: t.arg.globalID({ required: true, for: Generation }),
      expiresIn: t.arg.int({
        required: false,
        defaultValue: 300,
        description: "Seconds the URL stays valid: 10 to 3600 (default 300).",
        validate: { int: true, min: [10, { message: "must be at least 10 seconds" }], max: [3600, { message: "must be at most 3600 seconds (one hour)" }] },
      }),
    },
    resolve: async (_root, args, ctx) => {
      signedIn(ctx);
      const path = await ctx.db(async (sql) => {
        const generation = await getGeneration(sql, databaseId(args.id, "id"));
        const objectPath = objectPathOf(generation);
        if (!(await uploadedPaths(sql, [objectPath])).has(objectPath)) {
          throw new PreconditionError(
            "This generation has no image yet: upload it to the URL from createGeneration or createGenerationUploadUrl first.",
            { id: generation.id },
          );
        }
        return objectPath;
      });
      return getStorage().createSignedDownloadUrl(path, args.expiresIn ?? 300);
    },
  }),
);

const UpdateGenerationInput = builder.inputType("UpdateGenerationInput", {
  description: "Only the fields you send change. Status moves along allowed transitions only.",
  fields: (t) => ({
    bulletPoints: t.stringList({
      required: false,
      validate: {
        maxLength: [50, { message: "must have at most 50 bullet points" }],
        items: { maxLength: [500, { message: "each bullet point must be at most 500 characters" }] },
      },
    }),
    canvaDesignId: t.string({
      required: false,
      validate: { regex: [/^[A-Za-z0-9_-]{1,100}$/, { message: "must be a Canva design id: 1 to 100 letters, digits, - or _" }] },
    }),
    status: t.field({ type: GenerationStatusEnum, required: false }),
  }),
  validate: [
    (input) => input.bulletPoints !== undefined || input.canvaDesignId !== undefined || input.status !== undefined,
    { message: "Send at least one of bulletPoints, canvaDesignId or status." },
  ],
});

const UpdateGenerationPayload = builder.objectRef<{ generation: GenerationRow }>("UpdateGenerationPayload").implement({
  fields: (t) => ({ generation: t.field({ type: Generation, resolve: (payload) => payload.generation }) }),
});

builder.mutationField("updateGeneration", (t) =>
  t.field({
    type: UpdateGenerationPayload,
    args: {
      id: t.arg.globalID({ required: true, for: Generation }),
      input: t.arg({ type: UpdateGenerationInput, required: true }),
    },
    resolve: async (_root, { id, input }, ctx) => {
      signedIn(ctx);
      const generation = await ctx.db((sql) => updateGeneration(sql, databaseId(id, "id"), input));
      return { generation };
    },
  }),
);

const DeleteGenerationPayload = builder.objectRef<{ deletedGenerationId: string }>("DeleteGenerationPayload").implement({
  fields: (t) => ({
    deletedGenerationId: t.id({ resolve: (payload) => encodeGlobalID("Generation", payload.deletedGenerationId) }),
  }),
});

builder.mutationField("deleteGeneration", (t) =>
  t.field({
    type: DeleteGenerationPayload,
    description: "Deletes one of your generations: it disappears from every query and its image is removed.",
    args: { id: t.arg.globalID({ required: true, for: Generation }) },
    resolve: async (_root, args, ctx) => {
      signedIn(ctx);
      const deleted = await ctx.db((sql) => softDeleteGeneration(sql, databaseId(args.id, "id")));
      // After the commit: a failed removal leaves an orphaned file, never a visible generation.
      await getStorage()
        .remove([deleted.objectPath])
        .catch((error: unknown) => log.error("could not remove a deleted generation's file", { requestId: ctx.requestId, path: deleted.objectPath, error }));
      return { deletedGenerationId: deleted.id };
    },
  }),
);
