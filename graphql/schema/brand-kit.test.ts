/**
 * Brand kits through the real GraphQL server and database: the default kit,
 * setting one, refusals per field (contrast, colours, lengths, the logo),
 * and who may read or change it: another person, nobody, each API key scope.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { postGraphQL, signedInPerson, type GraphQLBody, type SignedInPerson } from "@/test/support";
import { storageFetch, TINY_PNG } from "@/test/storage";

const server = createGraphQLServer();
let alice: SignedInPerson;
let bob: SignedInPerson;

beforeAll(async () => {
  alice = await signedInPerson(server);
  bob = await signedInPerson(server);
});

const KIT = "{ isDefault displayName handle backgroundColor accentColor textColor fontFamily logo }";
const UPDATE = `mutation($input: UpdateBrandKitInput!) { updateBrandKit(input: $input) { brandKit ${KIT} } }`;
const READ = `{ viewer { brandKit ${KIT} } }`;

const ask = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, authorization: string | undefined = alice.authorization) =>
  postGraphQL<T>(server, query, { ...(authorization ? { authorization } : {}), variables }).then((response) => response.body);
const update = (input: Record<string, unknown>, authorization?: string) => ask<{ updateBrandKit: { brandKit: Record<string, unknown> } }>(UPDATE, { input }, authorization);
const refusalOf = (body: GraphQLBody) => ({ code: body.errors?.[0]?.extensions?.code, field: body.errors?.[0]?.extensions?.field, message: body.errors?.[0]?.message });

async function apiKey(person: SignedInPerson, scopes: string[]): Promise<string> {
  const body = await ask<{ createApiKey: { secret: string } }>(
    "mutation($scopes: [ApiScope!]!) { createApiKey(input: { name: \"brand\", scopes: $scopes }) { secret } }",
    { scopes },
    person.authorization,
  );
  return `Bearer ${body.data!.createApiKey.secret}`;
}

describe("viewer.brandKit and updateBrandKit", () => {
  it("is Postora's own look until set", async () => {
    expect((await ask(READ, {}, bob.authorization)).data).toEqual({
      viewer: { brandKit: { isDefault: true, displayName: "", handle: "", backgroundColor: "#0f172a", accentColor: "#38bdf8", textColor: "#ffffff", fontFamily: "SANS", logo: false } },
    });
  });

  it("sets the fields sent, keeps the others, and picks the text colour for contrast", async () => {
    const first = await update({ displayName: "Alice Example", handle: "@alice", backgroundColor: "#FFF", accentColor: "#1D4ED8", fontFamily: "SERIF" });
    expect(first.errors).toBeUndefined();
    expect(first.data!.updateBrandKit.brandKit).toEqual({
      isDefault: false, displayName: "Alice Example", handle: "@alice", backgroundColor: "#ffffff", accentColor: "#1d4ed8", textColor: "#111111", fontFamily: "SERIF", logo: false,
    });
    const second = await update({ backgroundColor: "#111827", accentColor: "#f59e0b" });
    expect(second.data!.updateBrandKit.brandKit).toMatchObject({ displayName: "Alice Example", backgroundColor: "#111827", textColor: "#ffffff", fontFamily: "SERIF" });
    expect((await ask<{ viewer: { brandKit: unknown } }>(READ)).data!.viewer.brandKit).toEqual(second.data!.updateBrandKit.brandKit);
    // Bob's kit is his own.
    expect((await ask<{ viewer: { brandKit: { isDefault: boolean } } }>(READ, {}, bob.authorization)).data!.viewer.brandKit.isDefault).toBe(true);
  });

  it("refuses, per field, colours under WCAG's floors, malformed colours and long texts, and changes nothing", async () => {
    expect(refusalOf(await update({ backgroundColor: "#777777" }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "input.backgroundColor",
      message: "backgroundColor #777777: the best text colour on it (white) reaches only 4.47:1, under the 4.5:1 WCAG AA asks for text; choose a lighter or darker background.",
    });
    expect(refusalOf(await update({ backgroundColor: "#ffffff", accentColor: "#fde047" }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "input.accentColor",
      message: "accentColor #fde047: contrast with the background #ffffff is 1.31:1, under the 3:1 WCAG asks for; choose an accent further from the background.",
    });
    // The accent kept from before must pass against a new background too.
    expect(refusalOf(await update({ backgroundColor: "#ffffff" }))).toMatchObject({ field: "input.accentColor", message: expect.stringContaining("#f59e0b: contrast with the background #ffffff is 2.14:1") });
    expect(refusalOf(await update({ backgroundColor: "#111827", accentColor: "#1f2937" }))).toMatchObject({ field: "input.accentColor" });
    expect(refusalOf(await update({ accentColor: "blue" }))).toEqual({ code: "BAD_USER_INPUT", field: "input.accentColor", message: 'accentColor must be a hex colour such as #0f172a or #fff: got "blue".' });
    expect(refusalOf(await update({ handle: "@".repeat(41) }))).toEqual({ code: "BAD_USER_INPUT", field: "input.handle", message: "handle must be at most 40 characters." });
    expect((await ask<{ viewer: { brandKit: Record<string, unknown> } }>(READ)).data!.viewer.brandKit).toMatchObject({ backgroundColor: "#111827", accentColor: "#f59e0b" });
  });

  it("refuses a logo that was never uploaded, and uses one that was", async () => {
    expect(refusalOf(await update({ logo: true }, bob.authorization))).toEqual({
      code: "BAD_USER_INPUT",
      field: "input.logo",
      message: "logo: no logo uploaded yet. Upload a PNG or SVG to the URL from createBrandLogoUploadUrl, then set logo: true.",
    });
    const made = await ask<{ createBrandLogoUploadUrl: { upload: { url: string; path: string } } }>("mutation { createBrandLogoUploadUrl(input: {}) { upload { url path } } }", {}, bob.authorization);
    expect(made.data!.createBrandLogoUploadUrl.upload.path).toBe(`${bob.id}/brand-logo`);
    const put = await storageFetch(made.data!.createBrandLogoUploadUrl.upload.url, { method: "PUT", headers: { "content-type": "image/png" }, body: TINY_PNG });
    expect(put.status).toBe(200);
    const used = await update({ logo: true }, bob.authorization);
    expect(used.errors).toBeUndefined();
    expect(used.data!.updateBrandKit.brandKit).toMatchObject({ logo: true, isDefault: false });
  });

  it("refuses an SVG logo that refers outside itself, with what to fix", async () => {
    const made = await ask<{ createBrandLogoUploadUrl: { upload: { url: string } } }>("mutation { createBrandLogoUploadUrl(input: {}) { upload { url } } }");
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image xlink:href="/etc/hostname" width="10" height="10"/></svg>';
    expect((await storageFetch(made.data!.createBrandLogoUploadUrl.upload.url, { method: "PUT", headers: { "content-type": "image/svg+xml" }, body: svg })).status).toBe(200);
    expect(refusalOf(await update({ logo: true }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "input.logo",
      message:
        'logo: The SVG logo was refused: it refers to an outside resource (href="/etc/hostname"); embed images as data:image/png;base64 URIs or upload a PNG.',
    });
  });
});

describe("who may read or change a brand kit", () => {
  it("nobody: UNAUTHENTICATED, for reading and for changing", async () => {
    expect(refusalOf(await update({ handle: "@nobody" }, ""))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await ask(READ, {}, "")).data).toEqual({ viewer: null });
    expect(refusalOf(await ask("mutation { createBrandLogoUploadUrl(input: {}) { upload { url } } }", {}, ""))).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("a READ key reads the kit and cannot change it; a WRITE key changes it and cannot read it back; READ and WRITE do both", async () => {
    const [read, write, both] = [await apiKey(alice, ["READ"]), await apiKey(alice, ["WRITE"]), await apiKey(alice, ["READ", "WRITE"])];
    expect((await ask<{ viewer: { brandKit: { handle: string } } }>(READ, {}, read)).data!.viewer.brandKit.handle).toBe("@alice");
    expect(refusalOf(await update({ handle: "@read-key" }, read))).toMatchObject({ code: "FORBIDDEN" });

    const written = await update({ handle: "@write-key" }, write);
    expect(written.data).toBeNull();
    expect(written.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", scopes: ["read"], mutationTookEffect: true });
    expect((await ask<{ viewer: { brandKit: { handle: string } } }>(READ, {}, read)).data!.viewer.brandKit.handle).toBe("@write-key");

    const changed = await update({ handle: "@both" }, both);
    expect(changed.data!.updateBrandKit.brandKit).toMatchObject({ handle: "@both", displayName: "Alice Example" });
  });
});
