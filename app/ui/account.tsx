"use client";
import { useMutation, useQuery } from "@urql/next";
import { DashboardAccountDocument, DashboardBillingPortalDocument, DashboardCheckoutDocument } from "@/graphql/generated/graphql";
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
        <dl className="facts">
          <dt>Email</dt>
          <dd>{viewer.email}</dd>
          <dt>Plan</dt>
          <dd>{viewer.tier.toLowerCase()}</dd>
          <dt>Generations this period</dt>
          <dd>
            {usage.used} of {usage.limit}{" "}
            <progress max={1} value={fraction} aria-label={`${usage.used} of ${usage.limit} generations used`} />
          </dd>
          <dt>Resets</dt>
          <dd>{new Date(usage.periodEndsAt).toLocaleString()}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="subscription-heading">
        <h2 id="subscription-heading" style={{ marginTop: 0 }}>Subscription</h2>
        {subscription ? (
          <dl className="facts">
            <dt>Plan</dt>
            <dd>{subscription.plan}</dd>
            <dt>Status</dt>
            <dd>{subscription.status}</dd>
            <dt>Current period ends</dt>
            <dd>{new Date(subscription.endsAt).toLocaleString()}</dd>
          </dl>
        ) : (
          <p>You are on the free plan, with no subscription.</p>
        )}
      </section>
      <CanvaAccount />
      <Billing configured={billingConfigured} onPaidPlan={viewer.tier !== "FREE"} />
    </>
  );
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
