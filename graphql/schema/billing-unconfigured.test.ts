/**
 * Checkout and the portal on a server without Stripe keys (a file of its
 * own: configuration is read once per process).
 */
import { expect, it } from "vitest";
import { CreateBillingPortalSessionDocument, CreateCheckoutSessionDocument } from "@/graphql/generated/graphql";
import { createGraphQLServer } from "@/graphql/yoga";
import { postDocument, signedInPerson } from "@/test/support";

delete process.env.STRIPE_SECRET_KEY;
const server = createGraphQLServer();

it("answers BILLING_NOT_CONFIGURED, saying what the server lacks", async () => {
  const person = await signedInPerson(server);
  const checkout = await postDocument(server, CreateCheckoutSessionDocument, { authorization: person.authorization, variables: { input: { plan: "PRO" } } });
  expect(checkout.body.data).toBeNull();
  expect(checkout.body.errors?.[0]).toMatchObject({
    message: expect.stringMatching(/^Billing is not configured on this server: it needs STRIPE_SECRET_KEY/),
    extensions: { code: "BILLING_NOT_CONFIGURED" },
  });
  const portal = await postDocument(server, CreateBillingPortalSessionDocument, { authorization: person.authorization, variables: { input: {} } });
  expect(portal.body.errors?.[0]?.extensions?.code).toBe("BILLING_NOT_CONFIGURED");
});
