import { builder } from "@/graphql/builder";
import type { SubscriptionRow, Usage } from "@/lib/billing/plans";

/** Named Subscription by design: the printed schema declares its roots, so no tool mistakes it for the subscription root. */
export const Subscription = builder.objectRef<SubscriptionRow>("Subscription").implement({
  description: "A Stripe subscription.",
  fields: (t) => ({
    plan: t.exposeString("plan", { description: "The plan it pays for: pro or business." }),
    status: t.exposeString("status", { description: "Stripe's status: active, trialing, past_due, canceled, …" }),
    startsAt: t.field({ type: "DateTime", description: "When its current period started.", resolve: (subscription) => subscription.startDate }),
    endsAt: t.field({ type: "DateTime", description: "When its current period ends (or ended).", resolve: (subscription) => subscription.endDate }),
    cancelAtPeriodEnd: t.exposeBoolean("cancelAtPeriodEnd", {
      description: "True when it is cancelled but still paid for: the plan lasts until endsAt, then the account returns to the free tier.",
    }),
    cancelAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When a scheduled cancellation takes effect (Stripe's cancel_at), if one is scheduled; null otherwise.",
      resolve: (subscription) => subscription.cancelAt,
    }),
  }),
});

export const UsageRef = builder.objectRef<Usage>("Usage").implement({
  description: "Generations made in the current billing period against your tier's limit.",
  fields: (t) => ({
    used: t.exposeInt("used", { description: "Generations made this period, deleted ones included." }),
    limit: t.exposeInt("limit", { description: "How many the tier allows per period." }),
    periodStartsAt: t.field({ type: "DateTime", description: "When the period started.", resolve: (usage) => usage.periodStart }),
    periodEndsAt: t.field({ type: "DateTime", description: "When the period ends.", resolve: (usage) => usage.periodEnd }),
  }),
});
