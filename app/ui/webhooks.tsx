"use client";
/**
 * Webhooks: where a person's generation events are POSTed (signed per the
 * Standard Webhooks specification). Add an endpoint (its signing secret is
 * shown once), send it a test event, follow its recent deliveries and
 * redeliver one, rotate its secret, disable or delete it.
 */
import { useMutation, useQuery } from "@urql/next";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import {
  DashboardCreateWebhookEndpointDocument,
  DashboardDeleteWebhookEndpointDocument,
  DashboardRedeliverWebhookDocument,
  DashboardRotateWebhookEndpointSecretDocument,
  DashboardSendTestWebhookEventDocument,
  DashboardUpdateWebhookEndpointDocument,
  DashboardWebhookEndpointsDocument,
  type DashboardWebhookDeliveryFragment,
  type DashboardWebhookEndpointFragment,
  type WebhookEventType,
} from "@/graphql/generated/graphql";
import { formErrors, messageOf } from "@/app/ui/errors";
import { useHydrated } from "@/app/ui/hydrated";

const EVENTS: { value: WebhookEventType; label: string }[] = [
  { value: "GENERATION_COMPLETED", label: "generation.completed" },
  { value: "GENERATION_FAILED", label: "generation.failed" },
  { value: "GENERATION_DELETED", label: "generation.deleted" },
];
/** While a delivery is pending, its status is read again this often (deliveries are not pushed to the page). */
const POLL_MS = 2000;

type Endpoint = DashboardWebhookEndpointFragment & { deliveries: DashboardWebhookDeliveryFragment[] };
type Secret = { url: string; secret: string; rotated: boolean };

export function WebhooksPage() {
  const context = useMemo(() => ({ additionalTypenames: ["WebhookEndpoint", "WebhookDelivery"] }), []);
  const [result, reexecute] = useQuery({ query: DashboardWebhookEndpointsDocument, context });
  const [secret, setSecret] = useState<Secret | null>(null);
  const endpoints: Endpoint[] = result.data?.viewer?.webhookEndpoints ?? [];
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  const pending = endpoints.some((endpoint) => endpoint.deliveries.some((delivery) => delivery.status === "PENDING"));
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => reexecute({ requestPolicy: "network-only" }), POLL_MS);
    return () => clearInterval(timer);
  }, [pending, reexecute]);

  return (
    <>
      <h1>Webhooks</h1>
      <p className="hint">
        Postora POSTs your generation events to these URLs, signed per the Standard Webhooks specification: verify them with the
        {" "}<code>standardwebhooks</code> package and the endpoint&apos;s signing secret.
      </p>
      {secret ? <SecretNotice secret={secret} onDone={() => setSecret(null)} /> : <CreateEndpoint onCreated={(created) => { setSecret(created); refresh(); }} />}
      {result.error && !result.data ? <p className="error" role="alert">Could not load your webhook endpoints: {messageOf(result.error)}</p> : null}
      {!result.data && !result.error ? <p className="loading" role="status">Loading your webhook endpoints…</p> : null}
      {result.data && endpoints.length === 0 ? <p className="empty">No endpoints yet. Add one above to be sent your generation events.</p> : null}
      <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {endpoints.map((endpoint) => (
          <EndpointItem key={endpoint.id} endpoint={endpoint} refresh={refresh} onRotated={(rotated) => setSecret(rotated)} />
        ))}
      </ul>
    </>
  );
}

function CreateEndpoint({ onCreated }: { onCreated: (secret: Secret) => void }) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>(["GENERATION_COMPLETED", "GENERATION_FAILED"]);
  const [created, create] = useMutation(DashboardCreateWebhookEndpointDocument);
  const hydrated = useHydrated();
  const errors = formErrors(created.error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await create({ input: { url, events } });
    const payload = result.data?.createWebhookEndpoint;
    if (payload) {
      setUrl("");
      onCreated({ url: payload.webhookEndpoint.url, secret: payload.secret, rotated: false });
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-labelledby="new-endpoint-heading">
      <h2 id="new-endpoint-heading" style={{ marginTop: 0 }}>New endpoint</h2>
      <label htmlFor="endpoint-url">Endpoint URL</label>
      <input id="endpoint-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/postora" required aria-invalid={Boolean(errors.fields.url)} aria-describedby="endpoint-url-error" />
      {errors.fields.url ? <p id="endpoint-url-error" className="field-error">{errors.fields.url}</p> : null}
      <fieldset style={{ border: 0, padding: 0, margin: "0.75rem 0" }}>
        <legend>Events</legend>
        {EVENTS.map((option) => (
          <label key={option.value} style={{ display: "inline-flex", gap: "0.3rem", marginRight: "1rem", fontWeight: 400 }}>
            <input
              type="checkbox"
              checked={events.includes(option.value)}
              onChange={(e) => setEvents((chosen) => (e.target.checked ? [...chosen, option.value] : chosen.filter((value) => value !== option.value)))}
            />
            <code>{option.label}</code>
          </label>
        ))}
        {errors.fields.events ? <p className="field-error">{errors.fields.events}</p> : null}
      </fieldset>
      {errors.form ? <p className="error" role="alert">{errors.form}</p> : null}
      <button type="submit" disabled={created.fetching || !hydrated || events.length === 0}>{created.fetching ? "Adding…" : "Add endpoint"}</button>
    </form>
  );
}

function SecretNotice({ secret, onDone }: { secret: Secret; onDone: () => void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret.secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <section className="panel" role="region" aria-labelledby="secret-heading">
      <h2 id="secret-heading" style={{ marginTop: 0 }}>{secret.rotated ? "New signing secret" : "Endpoint added"}</h2>
      <p>
        The signing secret for <code>{secret.url}</code>. It is shown this once: store it where your receiver reads it.
        {secret.rotated ? " The previous secret keeps signing deliveries beside this one for 24 hours." : null}
      </p>
      <p><code aria-label="Signing secret" style={{ wordBreak: "break-all" }}>{secret.secret}</code></p>
      <div className="row">
        <button type="button" onClick={() => void copy()}>Copy secret</button>
        <button type="button" className="secondary" onClick={onDone}>Done</button>
        {copied === true ? <span role="status">Copied.</span> : null}
        {copied === false ? <span className="field-error" role="alert">Could not copy: select the secret and copy it yourself.</span> : null}
      </div>
    </section>
  );
}

function statusOf(endpoint: Endpoint): string {
  if (endpoint.enabled) return endpoint.failingStartedAt ? `Enabled, failing since ${when(endpoint.failingStartedAt)}` : "Enabled";
  return endpoint.disabledReason === "FAILING"
    ? "Disabled: every delivery failed for 72 hours. Fix the receiver, then enable it."
    : "Disabled by you";
}

const when = (iso: string) => new Date(iso).toLocaleString();

function EndpointItem({ endpoint, refresh, onRotated }: { endpoint: Endpoint; refresh: () => void; onRotated: (secret: Secret) => void }) {
  const [sent, send] = useMutation(DashboardSendTestWebhookEventDocument);
  const [updated, update] = useMutation(DashboardUpdateWebhookEndpointDocument);
  const [rotated, rotate] = useMutation(DashboardRotateWebhookEndpointSecretDocument);
  const [deleted, remove] = useMutation(DashboardDeleteWebhookEndpointDocument);
  const [confirming, setConfirming] = useState<"delete" | "rotate" | null>(null);
  const error = sent.error ?? updated.error ?? rotated.error ?? deleted.error;
  const headingId = `endpoint-${endpoint.id}`;
  const input = { id: endpoint.id };

  async function rotateSecret() {
    const result = await rotate({ input });
    setConfirming(null);
    const payload = result.data?.rotateWebhookEndpointSecret;
    if (payload) onRotated({ url: payload.webhookEndpoint.url, secret: payload.secret, rotated: true });
  }

  return (
    <li className="panel generation" aria-labelledby={headingId}>
      <div className="row">
        <h2 id={headingId} style={{ margin: 0, fontSize: "1rem", wordBreak: "break-all" }}>{endpoint.url}</h2>
        <span className={`badge ${endpoint.enabled ? "completed" : "failed"}`}>{endpoint.enabled ? "enabled" : "disabled"}</span>
      </div>
      <p className="meta">
        {statusOf(endpoint)} · Events: {endpoint.events.map((event) => EVENTS.find((e) => e.value === event)?.label ?? event).join(", ")}
        {endpoint.lastSuccessAt ? ` · Last delivered ${when(endpoint.lastSuccessAt)}` : ""}
        {endpoint.previousSecretExpiresAt ? ` · The previous secret signs too until ${when(endpoint.previousSecretExpiresAt)}` : ""}
      </p>
      <div className="row">
        <button type="button" onClick={() => void send({ input }).then(refresh)} disabled={sent.fetching || !endpoint.enabled}>Send test event</button>
        <button type="button" className="secondary" onClick={() => void update({ input: { ...input, enabled: !endpoint.enabled } }).then(refresh)} disabled={updated.fetching}>
          {endpoint.enabled ? "Disable" : "Enable"}
        </button>
        {confirming === "rotate" ? (
          <span className="row" role="group" aria-label="Confirm rotate">
            <span>New secret? The old one keeps signing for 24 hours.</span>
            <button type="button" onClick={() => void rotateSecret()} disabled={rotated.fetching}>Yes, rotate</button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>Cancel</button>
          </span>
        ) : confirming === "delete" ? (
          <span className="row" role="group" aria-label="Confirm delete">
            <span>Delete this endpoint and its delivery history?</span>
            <button type="button" className="danger" onClick={() => void remove({ input }).then(refresh)} disabled={deleted.fetching}>Yes, delete</button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>Cancel</button>
          </span>
        ) : (
          <>
            <button type="button" className="secondary" onClick={() => setConfirming("rotate")}>Rotate secret</button>
            <button type="button" className="danger" onClick={() => setConfirming("delete")}>Delete</button>
          </>
        )}
      </div>
      {error ? <p className="error" role="alert">{messageOf(error)}</p> : null}
      <Deliveries deliveries={endpoint.deliveries} refresh={refresh} />
    </li>
  );
}

function Deliveries({ deliveries, refresh }: { deliveries: DashboardWebhookDeliveryFragment[]; refresh: () => void }) {
  const [redelivered, redeliver] = useMutation(DashboardRedeliverWebhookDocument);
  if (deliveries.length === 0) return <p className="empty">No deliveries yet.</p>;
  return (
    <>
      {/* Six columns do not fit a phone: the table scrolls inside its own focusable region, never the page. */}
      <div className="table-scroll" role="region" aria-label="Recent deliveries, scrolls sideways" tabIndex={0}>
      <table aria-label="Recent deliveries" style={{ width: "100%", borderCollapse: "collapse", marginTop: "0.5rem" }}>
        <thead>
          <tr><th align="left">Event</th><th align="left">Status</th><th align="left">Attempts</th><th align="left">Last answer</th><th align="left">When</th><th /></tr>
        </thead>
        <tbody>
          {deliveries.map((delivery) => {
            const last = delivery.attempts.at(-1);
            const status = delivery.status.toLowerCase();
            return (
              <tr key={delivery.id}>
                <td><code>{delivery.eventType}</code></td>
                <td><span className={`badge ${{ pending: "processing", succeeded: "completed", failed: "failed" }[status] ?? ""}`}>{status}</span></td>
                <td>{delivery.attemptCount}{delivery.nextAttemptAt ? `, next ${when(delivery.nextAttemptAt)}` : ""}</td>
                <td>{last ? (last.responseStatus ? `HTTP ${last.responseStatus}` : "") + (last.error ? ` ${last.error}` : "") : "—"}</td>
                <td>{when(delivery.createdAt)}</td>
                <td>
                  {delivery.status !== "PENDING" ? (
                    <button type="button" className="secondary" onClick={() => void redeliver({ input: { id: delivery.id } }).then(refresh)} disabled={redelivered.fetching}>
                      Redeliver
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
      {redelivered.error ? <p className="error" role="alert">{messageOf(redelivered.error)}</p> : null}
    </>
  );
}
