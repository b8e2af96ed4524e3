/**
 * With Supabase configured, signed URLs point at Supabase and the local
 * storage routes must not answer for it.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { GET, OPTIONS, PUT } from "@/app/api/storage/v1/[...path]/route";
import { getStorage } from "@/lib/storage/index";
import { SupabaseStorage } from "@/lib/storage/supabase";
import { storageRouteParams, TINY_PNG } from "@/test/storage";

vi.hoisted(() => {
  process.env.SUPABASE_URL = "https://abcd.supabase.co";
  process.env.SUPABASE_SERVICE_ROLE_KEY = "service-role-key-for-tests-0123456789";
});

// Should this worker run another file next, it must not inherit Supabase mode.
afterAll(() => {
  delete process.env.SUPABASE_URL;
  delete process.env.SUPABASE_SERVICE_ROLE_KEY;
});

const base = "http://localhost:3000/api/storage/v1/object";

describe("with Supabase configured", () => {
  it("uses the Supabase adapter (constructible on Node 20, which has no WebSocket)", () => {
    expect(getStorage()).toBeInstanceOf(SupabaseStorage);
  });

  it("answers 404 on every local storage route", async () => {
    const upload = `${base}/upload/sign/postora-generations/u1/generation-g1.png?token=x`;
    const download = `${base}/sign/postora-generations/u1/generation-g1.png?token=x`;
    const responses = [
      await PUT(new Request(upload, { method: "PUT", body: TINY_PNG }), storageRouteParams(upload)),
      await GET(new Request(download), storageRouteParams(download)),
      await OPTIONS(new Request(upload, { method: "OPTIONS" }), storageRouteParams(upload)),
      await OPTIONS(new Request(download, { method: "OPTIONS" }), storageRouteParams(download)),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ statusCode: "404", message: expect.stringMatching(/Supabase Storage is configured/) });
    }
  });
});
