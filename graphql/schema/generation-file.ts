/** A generation's files: fresh upload URLs for its image, and download URLs for its images and a carousel's PDF. */
import { builder } from "@/graphql/builder";
import { databaseId } from "@/graphql/ids";
import { DownloadFormatEnum } from "@/graphql/schema/enums";
import { Generation } from "@/graphql/schema/generation";
import { SignedDownload, SignedUpload } from "@/graphql/schema/signed-url";
import { createGenerationDownloadUrl, createGenerationUploadUrl } from "@/lib/generations/service";

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
      format: t.field({
        type: DownloadFormatEnum,
        required: false,
        defaultValue: "PNG",
        description: "PNG (default): the image, or the chosen slide. PDF: a completed CAROUSEL as one LinkedIn-ready PDF, a page per slide (slide is ignored).",
      }),
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
      createGenerationDownloadUrl(
        ctx,
        databaseId(input.id, "input.id", "Generation"),
        input.expiresIn ?? 300,
        input.slide ?? 1,
        input.format === "PDF" ? "pdf" : "png",
      ),
  },
  {
    description: "The generation and a URL to download its image from.",
    outputFields: (t) => ({
      generation: t.field({ type: Generation, description: "The generation the URL is for.", resolve: (payload) => payload.generation }),
      download: t.field({ type: SignedDownload, description: "Where to download the image.", resolve: (payload) => payload.download }),
    }),
  },
);
