"use client";
/**
 * The API keys page: a person's live keys (scopes, created, last used),
 * a form that creates one and shows its secret once, and revoke with a
 * confirmation step. Everything goes through the API (viewer.apiKeys,
 * createApiKey, revokeApiKey), like any other client's keys would.
 */
import { useMutation, useQuery } from "@urql/next";
import { useRef, useState, type FormEvent } from "react";
import {
  DashboardApiKeysDocument,
  DashboardCreateApiKeyDocument,
  DashboardRevokeApiKeyDocument,
  type ApiScope,
  type DashboardApiKeyFragment,
} from "@/graphql/generated/graphql";
import { LocalTime } from "@/app/ui/dates";
import { formErrors, messageOf } from "@/app/ui/errors";
import { useHydrated } from "@/app/ui/hydrated";

/** Every scope the API has (the generated ApiScope type keeps this list complete), with what it allows. */
const SCOPES = {
  READ: { label: "Read", allows: "run queries: list and read your generations, templates and account" },
  WRITE: { label: "Write", allows: "run mutations: create, change and delete generations and templates" },
} satisfies Record<ApiScope, { label: string; allows: string }>;
const SCOPE_VALUES = Object.keys(SCOPES) as ApiScope[];
/** Controls a finger can hit (44 px), whatever size the site's buttons are. */
const TAP = { minHeight: 44 } as const;

export function ApiKeysPage() {
  const [result, reexecute] = useQuery({ query: DashboardApiKeysDocument, variables: {}, requestPolicy: "cache-and-network" });
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const refresh = () => reexecute({ requestPolicy: "network-only" });
  const keys = result.data?.viewer?.apiKeys ?? [];
  return (
    <>
      <h1>API keys</h1>
      <p className="hint">
        An API key lets your own scripts and integrations call the Postora API as you, without signing in: send it as{" "}
        <code>Authorization: Bearer &lt;key&gt;</code> to <code>/api/graphql</code>. Give each script its own key with only the
        scopes it needs, so you can revoke one without stopping the others.
      </p>
      {created ? <NewSecret {...created} onDone={() => setCreated(null)} /> : null}
      <CreateKeyForm onCreated={(key) => { setCreated(key); refresh(); }} />
      <section className="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading" style={{ marginTop: 0 }}>Your keys</h2>
        {result.error && !result.data ? <p className="error" role="alert">Could not load your API keys: {messageOf(result.error)}</p> : null}
        {!result.data && !result.error ? <p className="loading" role="status">Loading your API keys…</p> : null}
        {result.data && keys.length === 0 ? (
          <p className="empty">No API keys yet. Create one above for the first script or integration that should call the API.</p>
        ) : null}
        {keys.length ? (
          <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>
            {keys.map((key) => <KeyItem key={key.id} apiKey={key} onRevoked={refresh} />)}
          </ul>
        ) : null}
      </section>
    </>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (key: { name: string; secret: string }) => void }) {
  const hydrated = useHydrated();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ApiScope[]>(["READ"]);
  const [creating, create] = useMutation(DashboardCreateApiKeyDocument);
  const errors = formErrors(creating.error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const answer = await create({ input: { name, scopes } });
    const payload = answer.data?.createApiKey;
    if (!payload) return;
    onCreated({ name: payload.apiKey.name, secret: payload.secret });
    setName("");
    setScopes(["READ"]);
  }

  const toggle = (scope: ApiScope, on: boolean) => setScopes((current) => SCOPE_VALUES.filter((s) => (s === scope ? on : current.includes(s))));
  return (
    <form className="panel" onSubmit={submit} aria-label="New API key">
      <h2 style={{ marginTop: 0 }}>New API key</h2>
      <label htmlFor="api-key-name">Name</label>
      <input
        id="api-key-name"
        type="text"
        value={name}
        maxLength={100}
        placeholder="Nightly export"
        onChange={(e) => setName(e.target.value)}
        aria-invalid={Boolean(errors.fields.name)}
        aria-describedby={errors.fields.name ? "api-key-name-error" : undefined}
      />
      {errors.fields.name ? <p id="api-key-name-error" className="field-error">{errors.fields.name}</p> : null}
      <fieldset style={{ border: 0, padding: 0, margin: "1rem 0 0" }} aria-describedby={errors.fields.scopes ? "api-key-scopes-error" : undefined}>
        <legend style={{ fontWeight: 600 }}>Scopes</legend>
        {SCOPE_VALUES.map((scope) => (
          <label key={scope} style={{ ...TAP, display: "flex", gap: "0.5rem", alignItems: "center", fontWeight: 400 }}>
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} style={{ width: "auto" }} />
            <span><strong>{SCOPES[scope].label}</strong>: {SCOPES[scope].allows}</span>
          </label>
        ))}
      </fieldset>
      {errors.fields.scopes ? <p id="api-key-scopes-error" className="field-error">Scopes: {errors.fields.scopes}</p> : null}
      {errors.form ? <p className="error" role="alert">{errors.form}</p> : null}
      <div className="row" style={{ marginTop: "1rem" }}>
        <button style={TAP} type="submit" disabled={!hydrated || creating.fetching}>Create key</button>
      </div>
    </form>
  );
}

/** The secret, once: copy it with one click, or select it by hand where the clipboard is out of reach. */
function NewSecret({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"copied" | "failed" | null>(null);

  async function copy() {
    try {
      // navigator.clipboard exists only in secure contexts (https, localhost); the catch covers both that and a refusal.
      await navigator.clipboard.writeText(secret);
      setCopied("copied");
    } catch {
      field.current?.focus();
      field.current?.select();
      setCopied("failed");
    }
  }

  return (
    <section className="panel" aria-labelledby="secret-heading">
      <h2 id="secret-heading" style={{ marginTop: 0 }}>Your new key “{name}”</h2>
      <p>Copy it now and keep it somewhere safe: it is shown only this once. If you lose it, revoke it and create another.</p>
      <label htmlFor="api-key-secret">Secret</label>
      <input id="api-key-secret" ref={field} type="text" readOnly value={secret} onFocus={(e) => e.target.select()} spellCheck={false} style={{ fontFamily: "monospace" }} />
      <div className="row" style={{ marginTop: "0.5rem" }}>
        <button style={TAP} type="button" onClick={() => void copy()}>Copy key</button>
        <button style={TAP} type="button" className="secondary" onClick={onDone}>I have stored it, hide it</button>
        <span role="status">
          {copied === "copied" ? "Copied to the clipboard." : null}
          {copied === "failed" ? "Could not copy automatically: the key is selected, press Ctrl+C (⌘C on a Mac) to copy it." : null}
        </span>
      </div>
    </section>
  );
}

function KeyItem({ apiKey, onRevoked }: { apiKey: DashboardApiKeyFragment; onRevoked: () => void }) {
  const [revoking, revoke] = useMutation(DashboardRevokeApiKeyDocument);
  const [confirming, setConfirming] = useState(false);
  const headingId = `api-key-${apiKey.id}`;

  async function confirm() {
    const answer = await revoke({ input: { id: apiKey.id } });
    if (!answer.error) onRevoked();
  }

  return (
    <li className="generation" aria-labelledby={headingId}>
      <div className="row">
        <h3 id={headingId} style={{ margin: 0, fontSize: "1rem" }}>{apiKey.name}</h3>
        {apiKey.scopes.map((scope) => <span key={scope} className="badge">{SCOPES[scope].label}</span>)}
      </div>
      <p className="meta">
        Created <LocalTime value={apiKey.createdAt} /> ·{" "}
        {apiKey.lastUsedAt ? <>Last used <LocalTime value={apiKey.lastUsedAt} /></> : "Never used"}
      </p>
      {confirming ? (
        <span className="row" role="group" aria-label={`Confirm revoking ${apiKey.name}`}>
          <span>Revoke “{apiKey.name}”? Every request made with it is refused from now on.</span>
          <button style={TAP} type="button" className="danger" onClick={() => void confirm()} disabled={revoking.fetching}>Yes, revoke</button>
          <button style={TAP} type="button" className="secondary" onClick={() => setConfirming(false)}>Cancel</button>
        </span>
      ) : (
        <button style={TAP} type="button" className="danger" onClick={() => setConfirming(true)} aria-label={`Revoke ${apiKey.name}`}>Revoke</button>
      )}
      {revoking.error ? <p className="error" role="alert">Could not revoke “{apiKey.name}”: {messageOf(revoking.error)}</p> : null}
    </li>
  );
}
