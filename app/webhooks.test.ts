/**
 * The webhooks page in Debian's Chromium, against `npm run dev` (its worker
 * sends the deliveries): a person adds an endpoint pointing at a local
 * receiver, copies its secret (shown once), sends a test event and sees it
 * delivered, redelivers it, rotates the secret and deletes the endpoint.
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copiedText, shows, useDashboard, watchClipboard } from "@/test/dashboard";
import { checkPage } from "@/test/page-checks";
import { startReceiver, type TestReceiver } from "@/test/webhook-receiver";

const { server, newPage, signIn } = useDashboard(["/", "/webhooks"]);
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

describe("the webhooks page", () => {
  it("adds an endpoint, sends it a test event that is delivered, redelivers, rotates and deletes", async () => {
    const page = await newPage();
    await watchClipboard(page, server().origin);
    await signIn(page, "user_webhooks1", "webhooks1@example.com");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    await shows(page, "No endpoints yet.");
    await checkPage(page, "webhooks-empty");

    // Add: the secret is shown once, and copies.
    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await page.getByLabel("Signing secret", { exact: true }).textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Copy secret" }).click();
    await shows(page, "Copied.", 10_000);
    expect(await copiedText(page)).toBe(secret);
    await page.getByRole("button", { name: "Done" }).click();
    const endpoint = page.getByRole("listitem").filter({ hasText: receiver.url });
    await endpoint.getByText(/^Enabled ·/).waitFor();
    expect(await page.getByText(secret).count()).toBe(0);

    // A test event reaches the receiver, verifies with the secret, and shows as delivered.
    await endpoint.getByRole("button", { name: "Send test event" }).click();
    const [first] = await receiver.waitFor(1, 60_000);
    expect(new Webhook(secret).verify(first!.body, first!.headers)).toMatchObject({ type: "webhook.test" });
    const deliveries = endpoint.getByRole("table", { name: "Recent deliveries" });
    await deliveries.getByText("succeeded").waitFor({ timeout: 30_000 });
    await deliveries.getByText("HTTP 200").waitFor();
    await checkPage(page, "webhooks");

    // Redeliver: one more attempt, same webhook-id.
    await deliveries.getByRole("button", { name: "Redeliver" }).click();
    const [, second] = await receiver.waitFor(2, 60_000);
    expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
    await expect.poll(() => deliveries.getByRole("cell", { name: "2", exact: true }).count(), { timeout: 30_000 }).toBe(1);

    // Rotate: a new secret, shown once; the old one still signs for a while, and the page says until when.
    await endpoint.getByRole("button", { name: "Rotate secret" }).click();
    await endpoint.getByRole("button", { name: "Yes, rotate" }).click();
    const rotated = (await page.getByLabel("Signing secret", { exact: true }).textContent())!;
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole("button", { name: "Done" }).click();
    await endpoint.getByText(/The previous secret signs too until/).waitFor();

    // Delete asks first.
    await endpoint.getByRole("button", { name: "Delete" }).click();
    await endpoint.getByRole("button", { name: "Yes, delete" }).click();
    await shows(page, "No endpoints yet.", 30_000);
    await page.close();
  }, 300_000);
});
