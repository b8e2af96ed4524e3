import { builder } from "@/graphql/builder";
import type { SubscriptionRow, Usage } from "@/lib/billing/plans";

/** Named Subscription by design: the printed schema declares its roots, so no tool mistakes it for the subscription root. */
export const Subscription = builder.objectRef<SubscriptionRow>("Subscription").implement({
  description: "A Stripe subscription.",
  fields: (t) => ({
    plan: t.exposeString("plan"),
    status: t.exposeString("status", { description: "Stripe's status: active, trialing, past_due, canceled, …" }),
    startDate: t.field({ type: "DateTime", resolve: (subscription) => subscription.startDate }),
    endDate: t.field({ type: "DateTime", resolve: (subscription) => subscription.endDate }),
  }),
});

export const UsageRef = builder.objectRef<Usage>("Usage").implement({
  description: "Generations made in the current billing period against your tier's limit.",
  fields: (t) => ({
    used: t.exposeInt("used"),
    limit: t.exposeInt("limit"),
    periodStart: t.field({ type: "DateTime", resolve: (usage) => usage.periodStart }),
    periodEnd: t.field({ type: "DateTime", resolve: (usage) => usage.periodEnd }),
  }),
});
