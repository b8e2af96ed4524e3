"use client";
import { useMutation, useQuery } from "@urql/next";
import {
  DashboardAccountDocument,
  DashboardBillingPortalDocument,
  DashboardCheckoutDocument,
  type DashboardAccountQuery,
  type Tier,
} from "@/graphql/generated/graphql";
import { LocalTime } from "@/app/ui/dates";
import { messageOf } from "@/app/ui/errors";
import { CanvaAccount } from "@/app/ui/canva-account";

export function AccountPage({ billingConfigured }: { billingConfigured: boolean }) {
  const [result] = useQuery({ query: DashboardAccountDocument, variables: {}, requestPolicy: "cache-and-network" });
  const viewer = result.data?.viewer;
  if (result.error && !result.data) return <p className="error" role="alert">Could not load your account: {messageOf(result.error)}</p>;
  if (!viewer) return <p className="loading" role="status">Loading your account…</p>;
  const { usage, subscription } = viewer;
  const fraction = usage.limit > 0 ? Math.min(1, usage.used / usage.limit) : 0;
  return (
    <>
      <h1>Account</h1>
      <section className="panel" aria-labelledby="plan-heading">
        <h2 id="plan-heading" style={{ marginTop: 0 }}>Plan and usage</h2>
        <p><strong><PlanStatement tier={viewer.tier} subscription={subscription ?? null} /></strong></p>
        <dl className="facts">
          <dt>Email</dt>
          <dd>{viewer.email}</dd>
          <dt>Generations this period</dt>
          <dd>
            {usage.used} of {usage.limit}{" "}
            <progress max={1} value={fraction} aria-label={`${usage.used} of ${usage.limit} generations used`} />
          </dd>
          <dt>Resets</dt>
          <dd><LocalTime value={usage.periodEndsAt} /></dd>
        </dl>
      </section>
      <CanvaAccount />
      <Billing configured={billingConfigured} onPaidPlan={viewer.tier !== "FREE"} />
    </>
  );
}

type AccountSubscription = NonNullable<NonNullable<DashboardAccountQuery["viewer"]>["subscription"]>;

const planName = (plan: string) => plan.charAt(0).toUpperCase() + plan.slice(1).toLowerCase();
/** Stripe's statuses in which the plan is still paid for (a past_due one until Stripe gives up on the card). */
const LIVE = new Set(["active", "trialing", "past_due"]);

/**
 * The plan in one sentence: what the person has now and what happens next
 * ("Pro until 5 Jan 2027, then Free"), not Stripe's fields side by side.
 */
function PlanStatement({ tier, subscription }: { tier: Tier; subscription: AccountSubscription | null }) {
  const now = planName(tier);
  if (!subscription) return tier === "FREE" ? <>Free, with no subscription.</> : <>{now}.</>;
  const plan = planName(subscription.plan);
  const live = LIVE.has(subscription.status) && tier !== "FREE";
  if (!live) {
    const ended = new Date(subscription.endsAt).getTime() <= Date.now();
    return <>{now}. Your {plan} subscription has ended{ended ? <> (on <LocalTime value={subscription.endsAt} style="date" />)</> : null}.</>;
  }
  const ends = subscription.cancelAt ?? (subscription.cancelAtPeriodEnd ? subscription.endsAt : null);
  if (ends) return <>{plan} until <LocalTime value={ends} style="date" />, then Free.</>;
  if (subscription.status === "past_due") {
    return <>{plan}, but its last payment failed: update your card under Manage billing to keep it.</>;
  }
  if (subscription.status === "trialing") return <>{plan} trial until <LocalTime value={subscription.endsAt} style="date" />, then it renews.</>;
  return <>{plan}, renews on <LocalTime value={subscription.endsAt} style="date" />.</>;
}

/** Checkout and the billing portal, through the API; a plain note on a server without Stripe keys. */
function Billing({ configured, onPaidPlan }: { configured: boolean; onPaidPlan: boolean }) {
  const [checkout, startCheckout] = useMutation(DashboardCheckoutDocument);
  const [portal, openPortal] = useMutation(DashboardBillingPortalDocument);
  const error = checkout.error ?? portal.error;

  async function upgrade(plan: "PRO" | "BUSINESS") {
    const url = (await startCheckout({ input: { plan } })).data?.createCheckoutSession.url;
    if (url) window.location.assign(url);
  }
  async function manage() {
    const url = (await openPortal({ input: {} })).data?.createBillingPortalSession.url;
    if (url) window.location.assign(url);
  }

  return (
    <section className="panel" aria-labelledby="billing-heading">
      <h2 id="billing-heading" style={{ marginTop: 0 }}>Billing</h2>
      {!configured ? (
        <p role="note">
          Billing is not configured on this server (no Stripe keys are set), so plans cannot be bought here. The
          README&apos;s Billing section says how to connect Stripe.
        </p>
      ) : onPaidPlan ? (
        <button type="button" onClick={() => void manage()} disabled={portal.fetching}>Manage billing</button>
      ) : (
        <div className="row">
          <button type="button" onClick={() => void upgrade("PRO")} disabled={checkout.fetching}>Upgrade to Pro</button>
          <button type="button" className="secondary" onClick={() => void upgrade("BUSINESS")} disabled={checkout.fetching}>Upgrade to Business</button>
        </div>
      )}
      {error ? <p className="error" role="alert">{messageOf(error)}</p> : null}
    </section>
  );
}
