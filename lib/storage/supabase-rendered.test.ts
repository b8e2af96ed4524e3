/**
 * putRendered on the Supabase adapter, against a stand-in for Supabase
 * Storage's upload and info routes (no live project): create-only first, so
 * a person's upload wins with Supabase's 409 Duplicate; only an object whose
 * user_metadata says the pipeline wrote it is replaced.
 */
import { describe, expect, it } from "vitest";
import { SupabaseStorage } from "@/lib/storage/supabase";
import { GENERATIONS_BUCKET, RENDERED_SOURCE } from "@/lib/storage/types";
import { SERVER_WINDOW_KEY } from "@/lib/storage/upload-window";
import { TINY_PNG } from "@/test/storage";

const PROJECT = "https://abcd.supabase.co";
const API = `${PROJECT}/storage/v1`;

function fakeBucket(initial: Record<string, Record<string, unknown> | null>) {
  const objects = new Map(Object.entries(initial));
  const uploads: { name: string; upsert: string | null }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const route = decodeURIComponent(new URL(request.url).pathname.slice(new URL(API).pathname.length));
    if (request.method === "POST" && route.startsWith(`/object/${GENERATIONS_BUCKET}/`)) {
      const name = route.slice(`/object/${GENERATIONS_BUCKET}/`.length);
      const upsert = request.headers.get("x-upsert");
      uploads.push({ name, upsert });
      if (objects.has(name) && upsert !== "true") {
        return Response.json({ statusCode: "409", error: "Duplicate", message: "The resource already exists" }, { status: 400 });
      }
      // storage-js sends raw bytes with the user metadata in x-metadata (base64 JSON), as Supabase reads it.
      const metadata = request.headers.get("x-metadata");
      objects.set(name, metadata ? (JSON.parse(Buffer.from(metadata, "base64").toString("utf8")) as Record<string, unknown>) : null);
      return Response.json({ Id: name, Key: `${GENERATIONS_BUCKET}/${name}` });
    }
    if (request.method === "GET" && route.startsWith(`/object/info/${GENERATIONS_BUCKET}/`)) {
      const name = route.slice(`/object/info/${GENERATIONS_BUCKET}/`.length);
      if (!objects.has(name)) return Response.json({ statusCode: "404", error: "not_found", message: "Object not found" }, { status: 400 });
      return Response.json({ id: "1", name, bucket_id: GENERATIONS_BUCKET, version: "v1", created_at: new Date().toISOString(), metadata: objects.get(name) });
    }
    return new Response(`unexpected ${request.method} ${route}`, { status: 500 });
  };
  return { fetch, objects, uploads };
}

const storage = (fake: ReturnType<typeof fakeBucket>) => new SupabaseStorage({ url: PROJECT, serviceRoleKey: "service-role-key-for-tests-0123456789", fetch: fake.fetch });

describe("SupabaseStorage.putRendered", () => {
  it("writes an absent object create-only, marked as rendered", async () => {
    const fake = fakeBucket({});
    expect(await storage(fake).putRendered("u/generation-g.png", TINY_PNG)).toBe("written");
    expect(fake.uploads).toEqual([{ name: "u/generation-g.png", upsert: "false" }]);
    // The key of the server window it opened rides along; the database's guard removes it (supabase-stand-in.test.ts).
    expect(fake.objects.get("u/generation-g.png")).toEqual({ source: RENDERED_SOURCE, [SERVER_WINDOW_KEY]: expect.stringMatching(/^[\w-]{32}$/) });
  });

  it("keeps a person's upload (409 on create, no pipeline marker) and never overwrites it", async () => {
    const fake = fakeBucket({ "u/generation-g.png": null });
    expect(await storage(fake).putRendered("u/generation-g.png", TINY_PNG)).toBe("kept");
    expect(fake.uploads).toEqual([{ name: "u/generation-g.png", upsert: "false" }]);
  });

  it("replaces its own earlier rendering", async () => {
    const fake = fakeBucket({ "u/generation-g.png": { source: RENDERED_SOURCE } });
    expect(await storage(fake).putRendered("u/generation-g.png", TINY_PNG)).toBe("written");
    expect(fake.uploads).toEqual([
      { name: "u/generation-g.png", upsert: "false" },
      { name: "u/generation-g.png", upsert: "true" },
    ]);
  });
});
