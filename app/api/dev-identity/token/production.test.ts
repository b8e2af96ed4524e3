/**
 * The development sign-in does not exist in production (a file of its own:
 * configuration is read once per process).
 */
import { beforeAll, expect, it } from "vitest";
import { PRODUCTION_ENV } from "@/test/support";

beforeAll(() => {
  Object.assign(process.env, PRODUCTION_ENV);
});

it("answers 404 to sign-in and sign-out, and mints nothing", async () => {
  const { DELETE, POST } = await import("@/app/api/dev-identity/token/route");
  const response = await POST(
    new Request("https://api.postora.app/api/dev-identity/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clerkUserId: "user_2abc", email: "a@example.com" }),
    }),
  );
  expect(response.status).toBe(404);
  expect(response.headers.get("set-cookie")).toBeNull();
  expect(JSON.stringify(await response.json())).not.toMatch(/token/);
  expect(DELETE().status).toBe(404);
});

it("renders the sign-in page without the development form", async () => {
  const { signInMode } = await import("@/app/sign-in/page");
  const { getEnv } = await import("@/lib/env");
  expect(signInMode(getEnv())).toBe("clerk");
});
