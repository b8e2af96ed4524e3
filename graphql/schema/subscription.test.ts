/**
 * Viewer.subscription and Viewer.usage: what a client shows on the billing page.
 */
import { expect, it } from "vitest";
import { CreateGenerationDocument, ViewerBillingDocument } from "@/graphql/generated/graphql";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { postDocument, seedGeneration, signedInPerson } from "@/test/support";

const server = createGraphQLServer();

const person = () => signedInPerson(server);

it("counts this calendar month's generations, deleted ones included, against the free limit", async () => {
  const erin = await person();
  await seedGeneration(erin.id);
  await seedGeneration(erin.id, { deletedAt: new Date() });
  await seedGeneration(erin.id, { createdAt: new Date(Date.now() - 62 * 24 * 3600 * 1000) });
  const { body } = await postDocument(server, ViewerBillingDocument, { authorization: erin.authorization });
  const now = new Date();
  expect(body.data?.viewer).toEqual({
    id: erin.globalId,
    tier: "FREE",
    subscription: null,
    usage: {
      used: 2,
      limit: 10,
      periodStartsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      periodEndsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    },
  });
});

it("counts the calendar month against the paid tier's limit and shows only the caller's subscription", async () => {
  const frank = await person();
  const grace = await person();
  const start = new Date(Date.now() - 5 * 24 * 3600 * 1000);
  const end = new Date(Date.now() + 25 * 24 * 3600 * 1000);
  await asService(async (sql) => {
    await sql`update users set tier = 'pro' where id = ${frank.id}`;
    await sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date)
              values (${frank.id}, 'sub_old', 'pro', 'canceled', ${new Date(Date.now() - 90 * 864e5)}, ${new Date(Date.now() - 60 * 864e5)}),
                     (${frank.id}, 'sub_now', 'pro', 'active', ${start}, ${end})`;
  });
  await seedGeneration(frank.id, { createdAt: new Date(Date.now() - 40 * 864e5) });
  await seedGeneration(frank.id);
  const { body } = await postDocument(server, ViewerBillingDocument, { authorization: frank.authorization });
  const now = new Date();
  expect(body.data?.viewer).toEqual({
    id: frank.globalId,
    tier: "PRO",
    subscription: { plan: "pro", status: "active", startsAt: start.toISOString(), endsAt: end.toISOString(), cancelAtPeriodEnd: false, cancelAt: null },
    usage: {
      used: 1,
      limit: 200,
      periodStartsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      periodEndsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    },
  });
  const other = await postDocument(server, ViewerBillingDocument, { authorization: grace.authorization });
  expect(other.body.data?.viewer?.subscription).toBeNull();
});

it("shows a pending cancellation: paid until the period ends, and when it takes effect", async () => {
  const henry = await person();
  const start = new Date(Date.now() - 5 * 864e5);
  const end = new Date(Date.now() + 25 * 864e5);
  await asService(
    (sql) => sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date, cancel_at_period_end, cancel_at)
                 values (${henry.id}, 'sub_leaving', 'pro', 'active', ${start}, ${end}, true, ${end})`,
  );
  const { body } = await postDocument(server, ViewerBillingDocument, { authorization: henry.authorization });
  expect(body.data?.viewer?.subscription).toEqual({
    plan: "pro",
    status: "active",
    startsAt: start.toISOString(),
    endsAt: end.toISOString(),
    cancelAtPeriodEnd: true,
    cancelAt: end.toISOString(),
  });
});

it("answers createGeneration over the limit with QUOTA_EXCEEDED, the limit and the reset time, matching viewer.usage", async () => {
  const person = await signedInPerson(server);
  for (let i = 0; i < 10; i += 1) await seedGeneration(person.id);
  const { body } = await postDocument(server, CreateGenerationDocument, {
    authorization: person.authorization,
    variables: { input: { inputContent: "one more", outputFormat: "CAROUSEL" } },
  });
  const now = new Date();
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  expect(body.data).toBeNull();
  expect(body.errors?.[0]?.message).toMatch(/^Monthly generation limit reached: the free tier allows 10 generations a month/);
  expect(body.errors?.[0]?.extensions).toEqual({
    code: "QUOTA_EXCEEDED",
    tier: "free",
    limit: 10,
    used: 10,
    resetsAt: nextMonth.toISOString().replace(".000Z", "Z"),
  });
  const usage = await postDocument(server, ViewerBillingDocument, { authorization: person.authorization });
  expect(usage.body.data?.viewer?.usage).toMatchObject({ used: 10, limit: 10, periodEndsAt: nextMonth.toISOString() });
});
