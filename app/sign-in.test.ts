/**
 * The sign-in page (/sign-in) with the development identity, and what
 * happens to a person's draft when their session expires.
 */
import { describe, expect, it } from "vitest";
import { useDashboard } from "@/test/dashboard";
import { checkPage } from "@/test/page-checks";

const { server, newPage, signInWithForm } = useDashboard(["/sign-in", "/"]);

describe("the sign-in page in a real browser", () => {
  it("fits a phone and a laptop, and is accessible", async () => {
    const page = await newPage();
    await page.goto(`${server().origin}/sign-in`);
    await page.getByText("Development sign-in.").waitFor();
    await checkPage(page, "sign-in");
    await page.close();
  }, 180_000);

  it("says which field is wrong instead of signing in", async () => {
    const page = await newPage();
    await page.goto(`${server().origin}/sign-in`);
    await page.getByLabel("User id").fill("not-a-clerk-id");
    await page.getByRole("button", { name: "Sign in (development)" }).click();
    await page.locator("#dev-user-id-error").waitFor();
    expect(await page.locator("#dev-user-id-error").innerText()).toMatch(/Clerk user id/);
    await page.close();
  }, 180_000);

  it("keeps what a person typed when their session expires, and asks them to sign in again", async () => {
    const page = await newPage();
    await signInWithForm(page, "user_signin1", "signin1@example.com");
    await page.getByLabel("Your text").fill("A draft that must survive");
    await page.evaluate(() => {
      const raw = window.sessionStorage.getItem("postora.devSession")!;
      window.sessionStorage.setItem("postora.devSession", JSON.stringify({ ...JSON.parse(raw), token: "expired.token.value" }));
    });
    await page.getByRole("button", { name: "Generate" }).click();
    await page.waitForURL(/\/sign-in\?next=/, { timeout: 30_000 });
    await signInWithForm(page, "user_signin1", "signin1@example.com");
    await expect(page.getByLabel("Your text").inputValue()).resolves.toBe("A draft that must survive");
    await page.close();
  }, 180_000);
});
