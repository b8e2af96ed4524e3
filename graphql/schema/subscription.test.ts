/**
 * Viewer.subscription and Viewer.usage: what a client shows on the billing page.
 */
import { expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { postGraphQL, seedGeneration, signedInPerson } from "@/test/support";

const server = createGraphQLServer();
const QUERY = `{ viewer { tier subscription { plan status startDate endDate } usage { used limit periodStart periodEnd } } }`;

type ViewerBilling = {
  viewer: {
    tier: string;
    subscription: { plan: string; status: string; startDate: string; endDate: string } | null;
    usage: { used: number; limit: number; periodStart: string; periodEnd: string };
  };
};

const person = () => signedInPerson(server);

it("counts this calendar month's generations, deleted ones included, against the free limit", async () => {
  const erin = await person();
  await seedGeneration(erin.id);
  await seedGeneration(erin.id, { deletedAt: new Date() });
  await seedGeneration(erin.id, { createdAt: new Date(Date.now() - 62 * 24 * 3600 * 1000) });
  const { body } = await postGraphQL<ViewerBilling>(server, QUERY, { authorization: erin.authorization });
  const now = new Date();
  expect(body.data?.viewer).toEqual({
    tier: "FREE",
    subscription: null,
    usage: {
      used: 2,
      limit: 10,
      periodStart: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      periodEnd: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    },
  });
});

it("uses the active subscription's period and shows only the caller's subscription", async () => {
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
  await seedGeneration(frank.id, { createdAt: new Date(start.getTime() - 1000) });
  await seedGeneration(frank.id);
  const { body } = await postGraphQL<ViewerBilling>(server, QUERY, { authorization: frank.authorization });
  expect(body.data?.viewer).toEqual({
    tier: "PRO",
    subscription: { plan: "pro", status: "active", startDate: start.toISOString(), endDate: end.toISOString() },
    usage: { used: 1, limit: 200, periodStart: start.toISOString(), periodEnd: end.toISOString() },
  });
  const other = await postGraphQL<ViewerBilling>(server, QUERY, { authorization: grace.authorization });
  expect(other.body.data?.viewer.subscription).toBeNull();
});
