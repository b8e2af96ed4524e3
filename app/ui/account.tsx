"use client";
import { useQuery } from "@urql/next";
import { DashboardAccountDocument } from "@/graphql/generated/graphql";
import { messageOf } from "@/app/ui/errors";

export function AccountPage() {
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
    </>
  );
}
