/**
 * Canva Connect's REST API, the parts Postora uses: tokens, revocation,
 * the person's profile, asset uploads, design imports, designs. The same
 * code talks to https://api.canva.com/rest and to the local stand-in
 * (lib/canva/stand-in.ts); only CanvaConfig differs.
 *
 * Errors arrive as `{ code, message }`. A 429 (`too_many_requests`) waits and
 * tries again (Retry-After when given, else a growing pause) without failing
 * the caller; a token Canva no longer accepts (`invalid_access_token`,
 * `revoked_access_token`, `invalid_grant`) is a CanvaGrantError, which the
 * account code turns into "reconnect Canva".
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CanvaConfig } from "@/lib/env";

/** Exactly what Postora asks a person to allow. */
const CANVA_SCOPES = ["asset:write", "design:content:write", "design:meta:read", "profile:read"] as const;

export class CanvaApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`Canva answered ${status} ${code}: ${message}`);
    this.name = "CanvaApiError";
  }
}

/** Canva no longer accepts this grant (revoked, expired, or a refresh token used twice): the person must reconnect. */
export class CanvaGrantError extends CanvaApiError {
  override name = "CanvaGrantError";
}

const GRANT_CODES = new Set(["invalid_access_token", "revoked_access_token", "invalid_grant"]);

export type CanvaTokens = { accessToken: string; refreshToken: string; expiresAt: Date; scope: string };

export type CanvaDesign = { id: string; title: string | null; editUrl: string; viewUrl: string };

type Timing = {
  /** First pause when polling a job; doubles up to pollCapMs (Canva's own pattern starts at 0.5 s). */
  pollStartMs: number;
  pollCapMs: number;
  /** Gives up on a job still in progress after this long. */
  pollTimeoutMs: number;
  /** 429s waited out before the caller sees one. */
  rateLimitRetries: number;
};

const DEFAULT_TIMING: Timing = { pollStartMs: 500, pollCapMs: 8000, pollTimeoutMs: 120_000, rateLimitRetries: 6 };

export type CanvaClient = ReturnType<typeof canvaClient>;

export function canvaClient(config: CanvaConfig, timing: Partial<Timing> = {}) {
  const t = { ...DEFAULT_TIMING, ...timing };
  const basic = `Basic ${Buffer.from(`${config.clientId}:${config.clientSecret}`).toString("base64")}`;

  async function request<T>(path: string, init: RequestInit, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${config.apiUrl}${path}`, { ...init, signal: signal ?? null });
      const text = await response.text();
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        /* a gateway's HTML page: reported by status below */
      }
      if (response.ok) return body as T;
      const code = typeof body.code === "string" ? body.code : typeof body.error === "string" ? body.error : `http_${response.status}`;
      const message = typeof body.message === "string" ? body.message : typeof body.error_description === "string" ? body.error_description : text.slice(0, 200);
      if (response.status === 429 && attempt < t.rateLimitRetries) {
        const retryAfter = Number(response.headers.get("retry-after"));
        const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Math.min(t.pollCapMs, t.pollStartMs * 2 ** attempt);
        await sleep(wait, undefined, signal ? { signal } : undefined);
        continue;
      }
      if (GRANT_CODES.has(code) || (response.status === 401 && code !== "invalid_client")) throw new CanvaGrantError(response.status, code, message);
      throw new CanvaApiError(response.status, code, message);
    }
  }

  const form = (fields: Record<string, string>): RequestInit => ({
    method: "POST",
    headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

  function tokens(body: { access_token: string; refresh_token: string; expires_in: number; scope?: string }): CanvaTokens {
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: new Date(Date.now() + body.expires_in * 1000), scope: body.scope ?? "" };
  }

  const bearer = (accessToken: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${accessToken}`, ...extra });

  /** Polls an asynchronous job until `success` or `failed`, pausing 0.5 s, 1 s, 2 s ... up to the cap. */
  async function pollJob<J extends { status: string }>(path: string, accessToken: string, signal?: AbortSignal): Promise<J> {
    const started = Date.now();
    for (let pause = t.pollStartMs; ; pause = Math.min(t.pollCapMs, pause * 2)) {
      const { job } = await request<{ job: J }>(path, { headers: bearer(accessToken) }, signal);
      if (job.status !== "in_progress") return job;
      if (Date.now() - started > t.pollTimeoutMs) throw new CanvaApiError(504, "job_timeout", `Canva's job ${path} was still in progress after ${t.pollTimeoutMs / 1000} s.`);
      await sleep(pause, undefined, signal ? { signal } : undefined);
    }
  }

  function design(body: { id: string; title?: string; urls: { edit_url: string; view_url: string } }): CanvaDesign {
    return { id: body.id, title: body.title ?? null, editUrl: body.urls.edit_url, viewUrl: body.urls.view_url };
  }

  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

  return {
    /** Where to send the person: Canva's consent page for our scopes, with the PKCE challenge and our state. */
    authorizeUrl(state: string, codeChallenge: string): string {
      const url = new URL(config.authorizeUrl);
      url.searchParams.set("code_challenge", codeChallenge);
      url.searchParams.set("code_challenge_method", "s256");
      url.searchParams.set("scope", CANVA_SCOPES.join(" "));
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("redirect_uri", config.redirectUrl);
      url.searchParams.set("state", state);
      return url.toString();
    },
    async exchangeCode(code: string, codeVerifier: string): Promise<CanvaTokens> {
      return tokens(await request("/v1/oauth/token", form({ grant_type: "authorization_code", code, code_verifier: codeVerifier, redirect_uri: config.redirectUrl })));
    },
    /** Uses a refresh token (single-use: Canva rotates it) for new tokens. */
    async refresh(refreshToken: string): Promise<CanvaTokens> {
      return tokens(await request("/v1/oauth/token", form({ grant_type: "refresh_token", refresh_token: refreshToken })));
    },
    /** Revokes a token and its lineage (the whole grant). */
    async revoke(token: string): Promise<void> {
      await request("/v1/oauth/revoke", form({ token }));
    },
    async profile(accessToken: string): Promise<{ displayName: string }> {
      const body = await request<{ profile: { display_name?: string } }>("/v1/users/me/profile", { headers: bearer(accessToken) });
      return { displayName: body.profile.display_name ?? "" };
    },
    /** Uploads an image as an asset and waits for Canva to process it; returns the asset id. */
    async uploadAsset(accessToken: string, name: string, png: Uint8Array, signal?: AbortSignal): Promise<string> {
      const headers = bearer(accessToken, { "content-type": "application/octet-stream", "asset-upload-metadata": JSON.stringify({ name_base64: b64(name.slice(0, 50)) }) });
      const { job } = await request<{ job: { id: string } }>("/v1/asset-uploads", { method: "POST", headers, body: new Uint8Array(png) }, signal);
      const done = await pollJob<{ status: string; asset?: { id: string }; error?: { code: string; message: string } }>(`/v1/asset-uploads/${job.id}`, accessToken, signal);
      if (done.status !== "success" || !done.asset) throw new CanvaApiError(422, done.error?.code ?? "asset_upload_failed", done.error?.message ?? "The asset upload failed.");
      return done.asset.id;
    },
    /** Imports a file (a PDF) as a new design, and waits for the import job. */
    async importDesign(accessToken: string, title: string, file: Uint8Array, mimeType: string, signal?: AbortSignal): Promise<CanvaDesign> {
      const headers = bearer(accessToken, { "content-type": "application/octet-stream", "import-metadata": JSON.stringify({ title_base64: b64(title.slice(0, 50)), mime_type: mimeType }) });
      const { job } = await request<{ job: { id: string } }>("/v1/imports", { method: "POST", headers, body: new Uint8Array(file) }, signal);
      type ImportJob = { status: string; result?: { designs: Parameters<typeof design>[0][] }; error?: { code: string; message: string } };
      const done = await pollJob<ImportJob>(`/v1/imports/${job.id}`, accessToken, signal);
      const first = done.result?.designs[0];
      if (done.status !== "success" || !first) throw new CanvaApiError(422, done.error?.code ?? "import_failed", done.error?.message ?? "The design import failed.");
      return design(first);
    },
    /** A new design of this size in pixels holding the asset. */
    async createDesign(accessToken: string, input: { title: string; assetId: string; width: number; height: number }, signal?: AbortSignal): Promise<CanvaDesign> {
      const body = JSON.stringify({ design_type: { type: "custom", width: input.width, height: input.height }, asset_id: input.assetId, title: input.title.slice(0, 255) });
      const answer = await request<{ design: Parameters<typeof design>[0] }>("/v1/designs", { method: "POST", headers: bearer(accessToken, { "content-type": "application/json" }), body }, signal);
      return design(answer.design);
    },
    /** A design's current links (edit URLs last 30 days and open only for the person who asked). */
    async getDesign(accessToken: string, designId: string): Promise<CanvaDesign> {
      const answer = await request<{ design: Parameters<typeof design>[0] }>(`/v1/designs/${encodeURIComponent(designId)}`, { headers: bearer(accessToken) });
      return design(answer.design);
    },
  };
}
