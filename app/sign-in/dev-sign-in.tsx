"use client";
/**
 * The development sign-in: plainly marked, and backed by a route that only
 * exists while the development identity is on (never in production).
 */
import { useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { safeNext } from "@/app/sign-in/clerk-sign-in";
import { useHydrated } from "@/app/ui/hydrated";
import { storeDevSession } from "@/app/ui/session";

type FieldErrors = Partial<Record<"clerkUserId" | "email" | "form", string>>;

export function DevSignIn() {
  const next = safeNext(useSearchParams().get("next"));
  const [clerkUserId, setClerkUserId] = useState("user_dev1");
  const [email, setEmail] = useState("dev1@example.com");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const hydrated = useHydrated();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const response = await fetch("/api/dev-identity/token", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ clerkUserId, email }),
      });
      const body = (await response.json()) as { token?: string; expiresAt?: string; error?: string; fields?: { field: string; message: string }[] };
      if (!response.ok || !body.token || !body.expiresAt) {
        const found: FieldErrors = {};
        for (const { field, message } of body.fields ?? []) found[field as keyof FieldErrors] = message;
        if (!body.fields?.length) found.form = body.error ?? `Sign-in failed (HTTP ${response.status}).`;
        setErrors(found);
        return;
      }
      storeDevSession({ token: body.token, expiresAt: body.expiresAt, clerkUserId: clerkUserId.trim(), email });
      window.location.assign(next);
    } catch {
      setErrors({ form: "Could not reach the server. Is `npm run dev` running?" });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-describedby="dev-sign-in-note">
      <p id="dev-sign-in-note" className="dev-banner" style={{ margin: "0 0 1rem", borderRadius: 6 }}>
        <strong>Development sign-in.</strong> No Clerk keys are set, so this server uses a local development identity.
        Pick any user id and email: the account is created on first use. This form does not exist in production.
      </p>
      <label htmlFor="dev-user-id">User id</label>
      <input id="dev-user-id" type="text" value={clerkUserId} onChange={(e) => setClerkUserId(e.target.value)} aria-invalid={Boolean(errors.clerkUserId)} aria-describedby="dev-user-id-error" autoComplete="username" />
      {errors.clerkUserId ? <p id="dev-user-id-error" className="field-error">{errors.clerkUserId}</p> : null}
      <label htmlFor="dev-email">Email</label>
      <input id="dev-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={Boolean(errors.email)} aria-describedby="dev-email-error" autoComplete="email" />
      {errors.email ? <p id="dev-email-error" className="field-error">{errors.email}</p> : null}
      {errors.form ? <p className="error" role="alert">{errors.form}</p> : null}
      <div className="row" style={{ marginTop: "1rem" }}>
        <button type="submit" disabled={busy || !hydrated}>{busy ? "Signing in…" : "Sign in (development)"}</button>
      </div>
    </form>
  );
}
