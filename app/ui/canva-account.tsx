"use client";
/**
 * The account page's Canva panel: Connect Canva (connectCanva, then Canva's
 * own page) or Disconnect, with the connected account's Canva name. Canva
 * sends the browser back through /api/canva/callback to
 * `/account?canva=connected|refused&message=…`: that outcome is shown once,
 * then taken out of the address bar so a reload does not repeat it.
 */
import { useMutation, useQuery } from "@urql/next";
import { useEffect, useState } from "react";
import { DashboardCanvaAccountDocument, DashboardConnectCanvaDocument, DashboardDisconnectCanvaDocument } from "@/graphql/generated/graphql";
import { messageOf } from "@/app/ui/errors";

type Outcome = { kind: "connected" } | { kind: "refused"; message: string };

/** The callback's outcome from the address bar, removed from it (once, on the first render in the browser). */
function useCallbackOutcome(): Outcome | null {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    const url = new URL(window.location.href);
    const canva = url.searchParams.get("canva");
    if (!canva) return;
    const message = url.searchParams.get("message");
    setOutcome(canva === "connected" ? { kind: "connected" } : { kind: "refused", message: message || "Canva did not connect your account. Try Connect Canva again." });
    url.searchParams.delete("canva");
    url.searchParams.delete("message");
    window.history.replaceState(window.history.state, "", `${url.pathname}${url.search}${url.hash}`);
  }, []);
  return outcome;
}

export function CanvaAccount() {
  const outcome = useCallbackOutcome();
  const [account] = useQuery({ query: DashboardCanvaAccountDocument, variables: {}, requestPolicy: "cache-and-network" });
  const [connecting, connect] = useMutation(DashboardConnectCanvaDocument);
  const [disconnecting, disconnect] = useMutation(DashboardDisconnectCanvaDocument);
  const canva = account.data?.viewer?.canva;
  const error = connecting.error ?? disconnecting.error;

  async function start() {
    const url = (await connect({ input: {} })).data?.connectCanva.authorizeUrl;
    if (url) window.location.assign(url);
  }

  return (
    <section className="panel" aria-labelledby="canva-heading">
      <h2 id="canva-heading" style={{ marginTop: 0 }}>Canva</h2>
      {outcome?.kind === "connected" ? (
        <p role="status">Canva is connected: use Open in Canva on any finished generation.</p>
      ) : outcome?.kind === "refused" ? (
        <p className="error" role="alert">Canva was not connected: {outcome.message}</p>
      ) : null}
      {account.error && !account.data ? (
        <p className="error" role="alert">Could not read your Canva connection: {messageOf(account.error)}</p>
      ) : !canva ? (
        <p className="loading" role="status">Reading your Canva connection…</p>
      ) : canva.connected ? (
        <div className="row">
          <span>Connected to Canva as <strong>{canva.displayName || "your Canva account"}</strong>.</span>
          <button type="button" className="secondary" onClick={() => void disconnect({ input: {} })} disabled={disconnecting.fetching}>
            {disconnecting.fetching ? "Disconnecting…" : "Disconnect"}
          </button>
        </div>
      ) : (
        <>
          {canva.reason ? <p className="error">{canva.reason}</p> : <p>Connect your Canva account to turn finished generations into editable Canva designs.</p>}
          <button type="button" onClick={() => void start()} disabled={connecting.fetching}>{connecting.fetching ? "Opening Canva…" : "Connect Canva"}</button>
        </>
      )}
      {error ? <p className="error" role="alert">{messageOf(error)}</p> : null}
    </section>
  );
}
