import { encodeGlobalID } from "@pothos/plugin-relay";
import type { BaseValidationOptions, StringValidationOptions } from "@pothos/plugin-zod";
import { builder } from "@/graphql/builder";
import { databaseId, loadVisible, signedIn } from "@/graphql/guards";
import { OutputFormatEnum } from "@/graphql/schema/enums";
import { createTemplate, deleteTemplate, listTemplates, templatesByIds, updateTemplate, type TemplateRow } from "@/lib/templates/templates";

export const Template = builder.loadableNode("Template", {
  description: "A reusable shape for generations: a system template (no owner) or one of yours.",
  id: { resolve: (template: TemplateRow) => template.id },
  load: loadVisible("template", templatesByIds),
  fields: (t) => ({
    name: t.exposeString("name"),
    type: t.field({ type: OutputFormatEnum, resolve: (template) => template.type }),
    content: t.field({ type: "JSON", resolve: (template) => template.content }),
    createdAt: t.field({ type: "DateTime", resolve: (template) => template.createdAt }),
    isSystem: t.boolean({ description: "True for Postora's own templates, which are read-only.", resolve: (template) => template.isSystem }),
  }),
});

export const TemplateConnection = builder.connectionObject({ type: Template, name: "TemplateConnection" });

builder.queryField("templates", (t) =>
  t.field({
    type: TemplateConnection,
    description: "System templates and your own, newest first.",
    args: { ...t.arg.connectionArgs(), type: t.arg({ type: OutputFormatEnum, required: false }) },
    resolve: (_root, args, ctx) => {
      signedIn(ctx);
      return ctx.db((sql) => listTemplates(sql, args));
    },
  }),
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

const CreateTemplateInput = builder.inputType("CreateTemplateInput", {
  fields: (t) => ({
    name: t.string({ required: true, validate: nameRules }),
    type: t.field({ type: OutputFormatEnum, required: true }),
    content: t.field({ type: "JSON", required: true, validate: contentRules }),
  }),
});

const UpdateTemplateInput = builder.inputType("UpdateTemplateInput", {
  description: "Only the fields you send change.",
  fields: (t) => ({
    name: t.string({ required: false, validate: nameRules }),
    content: t.field({ type: "JSON", required: false, validate: contentRules }),
  }),
  validate: [(input) => input.name != null || input.content != null, { message: "Send at least one of name or content." }],
});

const TemplatePayload = builder.objectRef<{ template: TemplateRow }>("TemplatePayload").implement({
  fields: (t) => ({ template: t.field({ type: Template, resolve: (payload) => payload.template }) }),
});

builder.mutationField("createTemplate", (t) =>
  t.field({
    type: TemplatePayload,
    args: { input: t.arg({ type: CreateTemplateInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      signedIn(ctx);
      const { name, type, content } = input;
      return { template: await ctx.db((sql) => createTemplate(sql, { name, type, content })) };
    },
  }),
);

builder.mutationField("updateTemplate", (t) =>
  t.field({
    type: TemplatePayload,
    description: "Changes one of your templates. System templates are read-only.",
    args: { id: t.arg.globalID({ required: true, for: Template }), input: t.arg({ type: UpdateTemplateInput, required: true }) },
    resolve: async (_root, { id, input }, ctx) => {
      signedIn(ctx);
      return { template: await ctx.db((sql) => updateTemplate(sql, databaseId(id, "id"), input)) };
    },
  }),
);

const DeleteTemplatePayload = builder.objectRef<{ deletedTemplateId: string }>("DeleteTemplatePayload").implement({
  fields: (t) => ({ deletedTemplateId: t.id({ resolve: (payload) => encodeGlobalID("Template", payload.deletedTemplateId) }) }),
});

builder.mutationField("deleteTemplate", (t) =>
  t.field({
    type: DeleteTemplatePayload,
    description: "Deletes one of your templates. Generations made with it keep their content.",
    args: { id: t.arg.globalID({ required: true, for: Template }) },
    resolve: async (_root, args, ctx) => {
      signedIn(ctx);
      return { deletedTemplateId: await ctx.db((sql) => deleteTemplate(sql, databaseId(args.id, "id"))) };
    },
  }),
);
