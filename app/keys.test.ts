/**
 * The API keys page in Debian's Chromium: a key created with a scope, its
 * secret copied from the page, used over real HTTP as a Bearer token (and
 * held to its scope), then revoked and refused.
 */
import { describe, expect, it } from "vitest";
import { copiedText, useDashboard, watchClipboard } from "@/test/dashboard";
import { checkPage } from "@/test/page-checks";

const { server: devServer, newPage, signIn, shows } = useDashboard(["/", "/keys"]);

/** POSTs to the API as the key's holder would (curl with `Authorization: Bearer <secret>`). */
async function withKey(secret: string, query: string): Promise<{ status: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const response = await fetch(`${devServer().origin}/api/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

describe("the API keys page", () => {
  it("creates a key, shows and copies its secret once, and revokes it so it stops working", async () => {
    const page = await newPage();
    await watchClipboard(page, devServer().origin);
    await signIn(page, "user_keys1", "keys1@example.com");
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys", level: 1 }).waitFor();
    await shows(page, "No API keys yet.");
    await checkPage(page, "keys-empty");

    // An empty name is refused next to the field, with nothing created.
    await page.getByLabel("Name").fill("   ");
    await page.getByRole("button", { name: "Create key" }).click();
    await shows(page, "must not be empty or only whitespace", 30_000);

    // Read only (the default): the Write box stays unticked.
    await page.getByLabel("Name").fill("Nightly export");
    expect(await page.getByRole("checkbox", { name: /Read/ }).isChecked()).toBe(true);
    expect(await page.getByRole("checkbox", { name: /Write/ }).isChecked()).toBe(false);
    await page.getByRole("button", { name: "Create key" }).click();
    await shows(page, "it is shown only this once", 30_000);
    const shown = await page.getByLabel("Secret").inputValue();
    expect(shown).toMatch(/^ak_[0-9a-f]{64}$/);

    await page.getByRole("button", { name: "Copy key" }).click();
    await shows(page, "Copied to the clipboard.", 10_000);
    expect(await copiedText(page)).toBe(shown);
    const secret = shown;

    // The key works, over plain HTTP, as this person, and only for what its scope allows.
    const read = await withKey(secret, "{ viewer { email } }");
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ data: { viewer: { email: "keys1@example.com" } } });
    const write = await withKey(secret, 'mutation { createGeneration(input: { inputContent: "Not allowed", outputFormat: BULLET_POINTS }) { generation { id } } }');
    expect(write.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    // Hidden once stored; the list shows its scope and that it was used.
    await page.getByRole("button", { name: "I have stored it, hide it" }).click();
    expect(await page.getByLabel("Secret").count()).toBe(0);
    await page.reload();
    const item = page.getByRole("listitem").filter({ hasText: "Nightly export" });
    await item.waitFor();
    await expect.poll(() => item.innerText()).toMatch(/Read[\s\S]*Created .+Last used /);
    expect(await item.innerText()).not.toContain("Write");
    expect(await page.locator("body").innerText()).not.toContain(secret);
    await checkPage(page, "keys");

    // Revoke asks first; Cancel keeps the key.
    await page.getByRole("button", { name: "Revoke Nightly export" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    expect((await withKey(secret, "{ viewer { email } }")).status).toBe(200);
    await page.getByRole("button", { name: "Revoke Nightly export" }).click();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await shows(page, "No API keys yet.", 30_000);

    const refused = await withKey(secret, "{ viewer { email } }");
    expect(refused.status).toBe(401);
    expect(refused.body.data ?? null).toBeNull();
    await page.close();
  }, 300_000);

  it("falls back to selecting the secret where the clipboard refuses", async () => {
    const page = await newPage();
    await signIn(page, "user_keys2", "keys2@example.com");
    await page.goto(`${devServer().origin}/keys`);
    await page.getByLabel("Name").fill("Zapier");
    await page.getByRole("checkbox", { name: /Write/ }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    await shows(page, "it is shown only this once", 30_000);
    await page.evaluate(() => {
      Object.defineProperty(navigator, "clipboard", { value: { writeText: () => Promise.reject(new DOMException("Denied", "NotAllowedError")) } });
    });
    await page.getByRole("button", { name: "Copy key" }).click();
    await shows(page, "press Ctrl+C", 10_000);
    const selected = await page.evaluate(() => {
      const field = document.activeElement as HTMLInputElement;
      return field.value.slice(field.selectionStart ?? 0, field.selectionEnd ?? 0);
    });
    expect(selected).toBe(await page.getByLabel("Secret").inputValue());
    await page.getByRole("button", { name: "I have stored it, hide it" }).click();
    await expect.poll(() => page.getByRole("listitem").filter({ hasText: "Zapier" }).innerText()).toMatch(/Read[\s\S]*Write[\s\S]*Never used/);
    await page.close();
  }, 180_000);
});
