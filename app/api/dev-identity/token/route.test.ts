/**
 * The development sign-in route, with the development identity on (the test
 * default: no Clerk keys, NODE_ENV=test).
 */
import { describe, expect, it } from "vitest";
import { DELETE, POST } from "@/app/api/dev-identity/token/route";
import { ViewerDocument } from "@/graphql/generated/graphql";
import { graphiqlOptionsFor } from "@/graphql/graphiql";
import { createGraphQLServer } from "@/graphql/yoga";
import { getEnv, parseEnv } from "@/lib/env";
import { newClerkUserId, postDocument, PRODUCTION_ENV } from "@/test/support";

const server = createGraphQLServer();

function signIn(body: unknown): Promise<Response> {
  return POST(new Request("http://localhost/api/dev-identity/token", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
}

describe("POST /api/dev-identity/token", () => {
  it("mints a token the API accepts as that person, and leaves it for GraphiQL only", async () => {
    const clerkUserId = newClerkUserId();
    const response = await signIn({ clerkUserId, email: `${clerkUserId}@example.com` });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    const { body } = await postDocument(server, ViewerDocument, { authorization: `Bearer ${token}` });
    expect(body.data?.viewer?.email).toBe(`${clerkUserId}@example.com`);

    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toContain(`postora_dev_token=${token}`);
    expect(cookie).toMatch(/Path=\/api\/graphql; HttpOnly; SameSite=Strict/);
    // The API never authenticates by that cookie: without a Bearer header the caller is anonymous.
    const anonymous = await postDocument(server, ViewerDocument, { headers: { cookie: `postora_dev_token=${token}` } });
    expect(anonymous.body.data?.viewer).toBeNull();
    // GraphiQL starts with it in every example tab's headers.
    const options = graphiqlOptionsFor(getEnv(), new Request("http://localhost/api/graphql", { headers: { cookie: `postora_dev_token=${token}` } }));
    expect(JSON.parse(options.headers!)).toEqual({ Authorization: `Bearer ${token}` });
    expect(options.defaultTabs?.map((tab) => tab.query?.match(/(?:query|mutation) (\w+)/)?.[1])).toEqual(["Health", "WhoAmI", "MyGenerations", "CreatePost"]);

    const signedOut = DELETE();
    expect(signedOut.status).toBe(204);
    expect(signedOut.headers.get("set-cookie")).toMatch(/postora_dev_token=; Path=\/api\/graphql; .*Max-Age=0/);
  });

  it("names each field that is wrong", async () => {
    const response = await signIn({ clerkUserId: "not a user id", email: "nope" });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { fields: { field: string; message: string }[] };
    expect(body.fields.map((entry) => entry.field).sort()).toEqual(["clerkUserId", "email"]);
    expect((await POST(new Request("http://localhost/x", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }))).status).toBe(400);
  });

  it("takes JSON only (415 for a cross-site form's content types) and caps the body before reading it (413)", async () => {
    const clerkUserId = newClerkUserId();
    const fields = JSON.stringify({ clerkUserId, email: `${clerkUserId}@example.com` });
    for (const contentType of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", ""]) {
      const response = await POST(new Request("http://localhost/x", { method: "POST", headers: contentType ? { "content-type": contentType } : {}, body: fields }));
      expect(response.status, contentType).toBe(415);
      expect(response.headers.get("set-cookie")).toBeNull();
    }
    // A chunked body (no Content-Length) past the cap is cut off while it is read.
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new TextEncoder().encode(" ".repeat(1024))),
    });
    const tooLarge = await POST(new Request("http://localhost/x", { method: "POST", headers: { "content-type": "application/json" }, body: endless, duplex: "half" } as RequestInit));
    expect(tooLarge.status).toBe(413);
  });

  it("gives GraphiQL no token outside the development identity, whatever cookie is sent", () => {
    const production = parseEnv({ ...PRODUCTION_ENV });
    const options = graphiqlOptionsFor(production, new Request("http://localhost/api/graphql", { headers: { cookie: "postora_dev_token=abc.def.ghi" } }));
    expect(JSON.parse(options.headers!)).toEqual({});
  });
});
