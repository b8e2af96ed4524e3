import type { BaseValidationOptions, StringValidationOptions } from "@pothos/plugin-zod";
import { CREATED, READ_OR_CREATED_SCOPES, READ_SCOPES } from "@/graphql/auth";
import { builder } from "@/graphql/builder";
import { databaseId, globalIdOf } from "@/graphql/ids";
import { loadVisible } from "@/graphql/loaders";
import { OutputFormatEnum } from "@/graphql/schema/enums";
import { createTemplate, deleteTemplate, updateTemplate } from "@/lib/templates/service";
import { listTemplates, templatesByIds, type TemplateRow } from "@/lib/templates/templates";

export const Template = builder.loadableNode("Template", {
  description: "A reusable shape for generations: a system template (no owner) or one of yours.",
  // Every field reads existing data: `read` (graphql/auth.ts); createTemplate's caller may read back the new one's id.
  authScopes: READ_SCOPES,
  id: { resolve: (template: TemplateRow) => template.id, skipTypeScopes: true, authScopes: READ_OR_CREATED_SCOPES },
  load: loadVisible("template", templatesByIds),
  fields: (t) => ({
    name: t.exposeString("name", { description: "What the template is called (1 to 100 characters)." }),
    type: t.field({ type: OutputFormatEnum, description: "What generations made with it become.", resolve: (template) => template.type }),
    content: t.field({ type: "JSON", description: "The layout: a JSON object of at most 64 KiB. An optional `brand` object ({ backgroundColor, accentColor, fontFamily: sans|serif|rounded|mono }) overrides your brand kit for generations made with it.", resolve: (template) => template.content }),
    createdAt: t.field({ type: "DateTime", description: "When it was created.", resolve: (template) => template.createdAt }),
    isSystem: t.boolean({ description: "True for Postora's own templates, which are read-only.", resolve: (template) => template.isSystem }),
  }),
});

export const TemplateConnection = builder.connectionObject(
  { type: Template, name: "TemplateConnection", description: "A page of templates, newest first." },
  { name: "TemplateEdge", description: "One template in a page, with its cursor." },
);

builder.queryField("templates", (t) =>
  t.connection(
    {
      type: Template,
      nullable: true,
      description: "System templates and your own, newest first (null, with UNAUTHENTICATED, when anonymous).",
      authScopes: { signedIn: true },
      args: { type: t.arg({ type: OutputFormatEnum, required: false, description: "Only templates of this type." }) },
      resolve: (_root, args, ctx) => listTemplates(ctx.read, args),
    },
    TemplateConnection,
  ),
);

// A JSON document of at most 64 KiB: enough for any layout, small enough to keep rows cheap.
const MAX_CONTENT_BYTES = 64 * 1024;
const contentRules: BaseValidationOptions<unknown> = {
  refine: [
    [(value) => typeof value === "object" && value !== null && !Array.isArray(value), { message: "must be a JSON object" }],
    [(value) => Buffer.byteLength(JSON.stringify(value) ?? "", "utf8") <= MAX_CONTENT_BYTES, { message: "must be at most 64 KiB as JSON" }],
  ],
};
const nameRules: StringValidationOptions = {
  maxLength: [100, { message: "must be at most 100 characters" }],
  refine: [(value) => value.trim().length > 0, { message: "must not be empty or only whitespace" }],
};

builder.relayMutationField(
  "createTemplate",
  {
    description: "The new template.",
    inputFields: (t) => ({
      name: t.string({ required: true, description: "What to call it (1 to 100 characters).", validate: nameRules }),
      type: t.field({ type: OutputFormatEnum, required: true, description: "What generations made with it become." }),
      content: t.field({ type: "JSON", required: true, description: "The layout: a JSON object of at most 64 KiB; may hold a `brand` object overriding your brand kit's colours and font (see Template.content), refused here (BAD_USER_INPUT) when a colour is not #rrggbb, the font is not one of the four, or it has other keys.", validate: contentRules }),
    }),
  },
  {
    description: "Creates a template of your own.",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => ({
      template: await createTemplate(ctx, { name: input.name, type: input.type, content: input.content }),
    }),
  },
  {
    description: "The created template.",
    outputFields: (t) => ({
      template: t.field({
        type: Template,
        description: "The new template. A write-only credential may read its id.",
        grantScopes: [CREATED],
        resolve: (payload) => payload.template,
      }),
    }),
  },
);

builder.relayMutationField(
  "updateTemplate",
  {
    description: "Which template, and the fields to change: only the fields you send change.",
    inputFields: (t) => ({
      id: t.id({ required: true, description: "The template's global id." }),
      name: t.string({ required: false, description: "A new name (1 to 100 characters).", validate: nameRules }),
      content: t.field({ type: "JSON", required: false, description: "A new layout: a JSON object of at most 64 KiB, its `brand` object checked as in createTemplate.", validate: contentRules }),
    }),
    validate: [(input) => input.name != null || input.content != null, { message: "Send at least one of name or content." }],
  },
  {
    description: "Changes one of your templates. System templates are read-only (FORBIDDEN).",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => ({
      template: await updateTemplate(ctx, databaseId(input.id, "input.id", "Template"), { name: input.name, content: input.content }),
    }),
  },
  {
    description: "The changed template.",
    outputFields: (t) => ({
      template: t.field({ type: Template, description: "The template, as changed.", resolve: (payload) => payload.template }),
    }),
  },
);

export const deleteTemplateMutation = builder.relayMutationField(
  "deleteTemplate",
  {
    description: "Which template to delete.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The template's global id." }) }),
  },
  {
    description: "Deletes one of your templates. Generations made with it keep their content. System templates are read-only (FORBIDDEN).",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => {
      const deleted = await deleteTemplate(ctx, databaseId(input.id, "input.id", "Template"));
      return { deletedTemplateId: globalIdOf("Template", deleted.id), userId: ctx.identity!.userId };
    },
  },
  {
    description: "What was deleted, and the viewer whose templates changed.",
    outputFields: (t) => ({
      deletedTemplateId: t.id({
        description: "The deleted template's global id: remove it from your cache.",
        resolve: (payload) => payload.deletedTemplateId,
      }),
    }),
  },
);
