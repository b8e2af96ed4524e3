/**
 * Brand kits through GraphQL: read yours on the viewer, change it, and get a
 * URL to upload its logo to. The work is lib/brand/kits.ts, as the caller
 * under RLS. Changing a kit needs `write` (a session or an API key with
 * WRITE); reading it back, in a query or in the payload, needs `read`.
 */
import { READ_SCOPES } from "@/graphql/auth";
import { builder } from "@/graphql/builder";
import { SignedUpload } from "@/graphql/schema/signed-url";
import { Viewer } from "@/graphql/schema/viewer";
import { createBrandLogoUploadUrl, MAX_DISPLAY_NAME, MAX_HANDLE, readBrandKit, updateBrandKit, type BrandKit } from "@/lib/brand/kits";
import type { FamilyName } from "@/lib/render/fonts";

const FontFamilyEnum = builder.enumType("FontFamily", {
  description: "The bundled font families a brand kit can use. Scripts a family lacks (CJK, Arabic, Hebrew, Devanagari, Thai) are drawn with Noto Sans.",
  values: {
    SANS: { value: "sans" as const, description: "Inter: Latin, Greek, Cyrillic, Vietnamese (Postora's default)." },
    SERIF: { value: "serif" as const, description: "Noto Serif: Latin, Greek, Cyrillic, Vietnamese." },
    ROUNDED: { value: "rounded" as const, description: "Nunito, a rounded sans: Latin, Cyrillic, Vietnamese." },
    MONO: { value: "mono" as const, description: "JetBrains Mono: Latin, Greek, Cyrillic, Vietnamese." },
  } satisfies Record<string, { value: FamilyName; description: string }>,
});

const BrandKitRef = builder.objectRef<BrandKit>("BrandKit").implement({
  description:
    "What every card and slide you generate carries: your name, handle and logo in its footer, your colours and your font. " +
    "Read when a generation renders: changing it never changes finished images, and a retry renders with the kit as it is then.",
  authScopes: READ_SCOPES,
  fields: (t) => ({
    isDefault: t.boolean({ description: "True until you set a kit: these are then Postora's own look.", resolve: (kit) => kit.updatedAt === null }),
    displayName: t.exposeString("displayName", { description: `Shown in each card's footer (at most ${MAX_DISPLAY_NAME} characters; empty: none).` }),
    handle: t.exposeString("handle", { description: `Shown beside the name, such as @postora (at most ${MAX_HANDLE} characters; empty: none).` }),
    backgroundColor: t.exposeString("backgroundColor", { description: "The cards' background, #rrggbb." }),
    accentColor: t.exposeString("accentColor", { description: "Bullets, quote marks and cover titles, #rrggbb: at least 3:1 against the background." }),
    textColor: t.exposeString("textColor", {
      description: "The text colour Postora chose for the background: white (#ffffff) or near-black (#111111), whichever contrasts more; at least 4.5:1 (WCAG AA).",
    }),
    fontFamily: t.field({ type: FontFamilyEnum, description: "The cards' font family.", resolve: (kit) => kit.fontFamily }),
    logo: t.exposeBoolean("logo", { description: "True when cards carry the logo you uploaded (createBrandLogoUploadUrl)." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", nullable: true, description: "When you last changed it; null until you set one." }),
  }),
});

builder.objectField(Viewer, "brandKit", (t) =>
  t.field({
    type: BrandKitRef,
    description: "Your brand kit; Postora's own look (isDefault: true) until you set one with updateBrandKit.",
    resolve: (_viewer, _args, ctx) => ctx.db(readBrandKit),
  }),
);

builder.relayMutationField(
  "updateBrandKit",
  {
    description: "The fields of your brand kit to change: only the fields you send change (a first kit starts from Postora's look).",
    inputFields: (t) => ({
      displayName: t.string({ required: false, description: `Your name as cards show it (at most ${MAX_DISPLAY_NAME} characters; "" for none).` }),
      handle: t.string({ required: false, description: `Your handle, such as @postora (at most ${MAX_HANDLE} characters; "" for none).` }),
      backgroundColor: t.string({
        required: false,
        description: "#rrggbb or #rgb. Refused unless white or near-black text on it reaches 4.5:1 (WCAG AA).",
      }),
      accentColor: t.string({ required: false, description: "#rrggbb or #rgb. Refused unless it reaches 3:1 against the background." }),
      fontFamily: t.field({ type: FontFamilyEnum, required: false, description: "One of the bundled families." }),
      logo: t.boolean({
        required: false,
        description: "true: cards carry the logo you uploaded (createBrandLogoUploadUrl), checked now; false: no logo.",
      }),
    }),
  },
  {
    description:
      "Changes your brand kit. Refused per field (BAD_USER_INPUT, extensions.field) when a colour is not a hex colour, the contrast is too low, " +
      "a text is too long, or the logo is missing or unusable. Generations render with the kit as it is when they render.",
    authScopes: { signedIn: true },
    resolve: async (_root, { input }, ctx) => ({
      brandKit: await updateBrandKit(ctx, ctx.identity!.userId, {
        displayName: input.displayName ?? undefined,
        handle: input.handle ?? undefined,
        backgroundColor: input.backgroundColor ?? undefined,
        accentColor: input.accentColor ?? undefined,
        fontFamily: input.fontFamily ?? undefined,
        logo: input.logo ?? undefined,
      }),
    }),
  },
  {
    description: "Your brand kit as it is now.",
    outputFields: (t) => ({
      brandKit: t.field({ type: BrandKitRef, description: "The kit, changed (reading it back needs `read`).", resolve: (payload) => payload.brandKit }),
    }),
  },
);

builder.relayMutationField(
  "createBrandLogoUploadUrl",
  {
    description: "Nothing to choose: the URL is for your own logo.",
    inputFields: (t) => ({
      clientMutationId: t.string({ required: false, description: "Echoed back, as Relay mutations do." }),
    }),
  },
  {
    description:
      "A signed URL to upload your brand kit's logo to: a PNG (image/png) or an SVG (image/svg+xml) of at most 512 KiB. " +
      "An SVG may refer to nothing outside itself. Then set logo: true with updateBrandKit, which checks the file.",
    authScopes: { signedIn: true },
    resolve: (_root, _args, ctx) => createBrandLogoUploadUrl(ctx, ctx.identity!.userId),
  },
  {
    description: "Where to upload the logo.",
    outputFields: (t) => ({
      upload: t.field({ type: SignedUpload, description: "Where to PUT the logo (PNG or SVG, at most 512 KiB), once.", resolve: (payload) => payload.upload }),
    }),
  },
);
