/** The Templates page (/templates): a person's own templates, made and edited as forms, beside Postora's. */
import { describe, expect, it } from "vitest";
import { shows, useDashboard } from "@/test/dashboard";
import { checkPage } from "@/test/page-checks";

const { newPage, signIn } = useDashboard(["/", "/templates"]);

describe("the Templates page in a real browser", () => {
  it("says what to do first, then creates and edits a template as a form", async () => {
    const page = await newPage();
    await signIn(page, "user_templates1", "templates1@example.com");
    await page.getByRole("link", { name: "Templates" }).click();
    await page.getByRole("heading", { name: "Templates", level: 1 }).waitFor();
    // The two lists are named for what they hold, and the empty one says how to start.
    await page.getByRole("region", { name: "Your templates" }).waitFor();
    await page.getByRole("region", { name: "Postora’s templates" }).waitFor();
    await shows(page, "No templates of your own yet.");
    await checkPage(page, "templates-empty");

    await page.getByRole("button", { name: "New template" }).click();
    await page.getByLabel("Name").fill("Short list");
    await page.getByLabel("Number of bullet points").fill("3");
    await page.getByRole("button", { name: "Create template" }).click();
    const yours = page.getByRole("region", { name: "Your templates" });
    await yours.getByText("Short list").waitFor();
    await page.getByRole("button", { name: "Edit Short list" }).click();
    await page.getByLabel("Number of bullet points").fill("4");
    await page.getByRole("button", { name: "Save template" }).click();
    await yours.getByText("Number of bullet points: 4").waitFor();
    await checkPage(page, "templates");

    // Delete asks first.
    await page.getByRole("button", { name: "Delete Short list" }).click();
    await page.getByRole("button", { name: "Yes, delete Short list" }).click();
    await shows(page, "No templates of your own yet.");
    expect(await yours.getByText("Short list").count()).toBe(0);
    await page.close();
  }, 300_000);
});
