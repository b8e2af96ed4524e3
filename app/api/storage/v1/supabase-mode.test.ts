/**
 * With Supabase configured, signed URLs point at Supabase and the local
 * storage routes must not answer for it.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { GET, OPTIONS as downloadOptions } from "@/app/api/storage/v1/object/sign/[bucket]/[...path]/route";
import { PUT, OPTIONS as uploadOptions } from "@/app/api/storage/v1/object/upload/sign/[bucket]/[...path]/route";
import { getStorage } from "@/lib/storage/index";
import { SupabaseStorage } from "@/lib/storage/supabase";
import { TINY_PNG } from "@/test/storage";

vi.hoisted(() => {
  process.env.SUPABASE_URL = "https://abcd.supabase.co";
  process.env.SUPABASE_SERVICE_ROLE_KEY = "service-role-key-for-tests-0123456789";
});

// Should this worker run another file next, it must not inherit Supabase mode.
afterAll(() => {
  delete process.env.SUPABASE_URL;
  delete process.env.SUPABASE_SERVICE_ROLE_KEY;
});

const params = () => Promise.resolve({ bucket: "postora-generations", path: ["u1", "generation-g1.png"] });
const base = "http://localhost:3000/api/storage/v1/object";

describe("with Supabase configured", () => {
  it("uses the Supabase adapter (constructible on Node 20, which has no WebSocket)", () => {
    expect(getStorage()).toBeInstanceOf(SupabaseStorage);
  });

  it("answers 404 on every local storage route", async () => {
    const responses = [
      await PUT(new Request(`${base}/upload/sign/postora-generations/u1/generation-g1.png?token=x`, { method: "PUT", body: TINY_PNG }), { params: params() }),
      await GET(new Request(`${base}/sign/postora-generations/u1/generation-g1.png?token=x`), { params: params() }),
      uploadOptions(new Request(`${base}/upload/sign/postora-generations/u1/generation-g1.png`, { method: "OPTIONS" })),
      downloadOptions(new Request(`${base}/sign/postora-generations/u1/generation-g1.png`, { method: "OPTIONS" })),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ statusCode: "404", message: expect.stringMatching(/Supabase Storage is configured/) });
    }
  });
});
