/**
 * The account page in Debian's Chromium: the plan in one plain sentence,
 * with dates in the person's own locale and time zone, and no hydration
 * mismatch for the server's render.
 */
import type { CDPSession, Page } from "playwright-core";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { useDashboard } from "@/test/dashboard";
import { checkPage } from "@/test/page-checks";

const { server: devServer, newPage, signIn, shows } = useDashboard(["/", "/account"]);

/** The browser's locale and time zone, as a person's own machine sets them (the page reads them through Intl). */
const sessions = new WeakMap<Page, CDPSession>();
async function livesIn(page: Page, locale: string, timezoneId: string) {
  const cdp = sessions.get(page) ?? (await page.context().newCDPSession(page));
  sessions.set(page, cdp);
  // Chromium keeps one locale override per page: clear the last one before setting the next.
  await cdp.send("Emulation.setLocaleOverride", {});
  await cdp.send("Emulation.setLocaleOverride", { locale });
  await cdp.send("Emulation.setTimezoneOverride", { timezoneId });
}

/** Writes what Stripe's webhooks would have: the user's tier and their subscription row. */
async function setBilling(email: string, values: { tier: string; end: Date; status: string; cancelAtPeriodEnd: boolean; endedAt?: Date }) {
  const sql = postgres(devServer().databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // The dashboard's first API request makes the person's row; it may land a moment after the sign-in page moves on.
    let user: { id: string } | undefined;
    await expect.poll(async () => ([user] = await sql<{ id: string }[]>`select id from users where email = ${email}`).length, { timeout: 30_000 }).toBe(1);
    const subId = `sub_${user!.id.slice(0, 8)}`;
    await sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date, cancel_at_period_end, ended_at)
              values (${user!.id}, ${subId}, 'pro', ${values.status}, ${new Date(values.end.getTime() - 30 * 864e5)}, ${values.end},
                      ${values.cancelAtPeriodEnd}, ${values.endedAt ?? null})`;
    await sql`update users set tier = ${values.tier}, subscription_end = ${values.end}, subscription_id = ${subId} where id = ${user!.id}`;
  } finally {
    await sql.end();
  }
}

function hydrationErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /hydrat/i.test(message.text())) errors.push(message.text());
  });
  page.on("pageerror", (error) => {
    if (/hydrat/i.test(error.message)) errors.push(error.message);
  });
  return errors;
}

describe("the account page", () => {
  it("says a pending cancellation in one sentence, in the person's own locale and time zone", async () => {
    const page = await newPage();
    const errors = hydrationErrors(page);
    await signIn(page, "user_account1", "account1@example.com");
    // 20:00 UTC on 4 January is already 5 January in Auckland (UTC+13 in summer).
    await setBilling("account1@example.com", { tier: "pro", end: new Date("2027-01-04T20:00:00Z"), status: "active", cancelAtPeriodEnd: true });

    await livesIn(page, "en-GB", "Pacific/Auckland");
    await page.goto(`${devServer().origin}/account`);
    await shows(page, "Pro until 5 Jan 2027, then Free.");
    await page.getByText("Generations this period").waitFor();
    const plan = await page.getByRole("region", { name: "Plan and usage" }).innerText();
    expect(plan).not.toMatch(/canceled|Status|Current period ends/i);
    await checkPage(page, "account");

    await livesIn(page, "en-US", "America/Los_Angeles");
    await page.reload();
    await shows(page, "Pro until Jan 4, 2027, then Free.");
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it("says a plan that ended plainly, not next to the free plan's name", async () => {
    const page = await newPage();
    const errors = hydrationErrors(page);
    await signIn(page, "user_account2", "account2@example.com");
    const ended = new Date(Date.UTC(2026, 10, 3, 12));
    await setBilling("account2@example.com", { tier: "free", end: ended, status: "canceled", cancelAtPeriodEnd: false, endedAt: ended });
    await livesIn(page, "de-DE", "Europe/Berlin");
    await page.goto(`${devServer().origin}/account`);
    await shows(page, "Free. Your Pro subscription has ended (on 03.11.2026).");
    expect(await page.getByRole("region", { name: "Plan and usage" }).innerText()).not.toMatch(/Status|canceled/i);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it("says a renewing plan renews, and the free plan is free", async () => {
    const page = await newPage();
    await signIn(page, "user_account3", "account3@example.com");
    await livesIn(page, "en-GB", "Europe/London");
    await page.goto(`${devServer().origin}/account`);
    await shows(page, "Free, with no subscription.");
    await setBilling("account3@example.com", { tier: "pro", end: new Date("2027-02-01T12:00:00Z"), status: "active", cancelAtPeriodEnd: false });
    await page.reload();
    await shows(page, "Pro, renews on 1 Feb 2027.");
    await page.close();
  }, 180_000);
});
