/**
 * A local Canva: the Connect API endpoints Postora uses, written from
 * Canva's published API reference (canva.dev/docs/connect), so the whole
 * flow runs offline, in `npm run dev` and in tests. It never runs in
 * production.
 *
 * What it keeps of Canva's behaviour: the authorization-code flow with PKCE
 * (S256) and client authentication by HTTP Basic; single-use authorization
 * codes and single-use, rotating refresh tokens (reusing one revokes the
 * grant, as OAuth's refresh-token rotation advises); revocation of a token's
 * whole lineage; asynchronous jobs (`in_progress`, then `success` or `failed`)
 * for asset uploads and design imports; errors as `{ code, message }` with
 * Canva's codes; per-user, per-endpoint rate limits answered with 429
 * `too_many_requests`. The authorize page approves at once.
 *
 * Tests steer it through `/_stand-in/*`: revoke every grant, inject faults,
 * shorten limits and lifetimes, read what it holds.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CANVA_STAND_IN_CLIENT } from "@/lib/env";

type Grant = { user: StandInUser; scope: string; revoked: boolean };
type StandInUser = { id: string; displayName: string };
type Job = { id: string; userId: string; pollsLeft: number; result: Record<string, unknown> };
type Design = { id: string; userId: string; title: string; pages: number; width: number | null; height: number | null; createdAt: number };
type Fault = { path: string; status: number; code: string; message: string; times: number };

export type StandInSettings = {
  /** Requests per minute per user and endpoint (Canva's documented figures by default). */
  rateLimits: Record<string, number>;
  /** How many polls a job answers `in_progress` before it finishes. */
  jobPolls: number;
  /** Access token lifetime in seconds (Canva's is 4 hours). */
  accessTokenSeconds: number;
};

const DEFAULT_SETTINGS: StandInSettings = {
  rateLimits: { "POST /v1/imports": 20, "POST /v1/asset-uploads": 30, "POST /v1/designs": 20, "GET /v1/designs": 100, "GET /v1/jobs": 120, "GET /v1/users/me/profile": 10 },
  jobPolls: 1,
  accessTokenSeconds: 4 * 60 * 60,
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const id = (prefix: string) => `${prefix}${randomBytes(8).toString("base64url")}`;
const sha256 = (text: string) => createHash("sha256").update(text).digest("base64url");

export type CanvaStandIn = {
  /** http://127.0.0.1:<port>: the API is under /rest, the authorize page at /api/oauth/authorize. */
  readonly origin: string;
  readonly settings: StandInSettings;
  close(): Promise<void>;
};

export async function startCanvaStandIn(options: { port?: number; isProduction: boolean; settings?: Partial<StandInSettings> }): Promise<CanvaStandIn> {
  if (options.isProduction) throw new Error("The Canva stand-in never runs in production: set CANVA_CLIENT_ID and CANVA_CLIENT_SECRET.");
  const settings: StandInSettings = { ...DEFAULT_SETTINGS, ...options.settings, rateLimits: { ...DEFAULT_SETTINGS.rateLimits, ...options.settings?.rateLimits } };
  const codes = new Map<string, { user: StandInUser; scope: string; challenge: string; redirectUri: string; expiresAt: number }>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  const refreshTokens = new Map<string, { grant: Grant; used: boolean }>();
  const grants: Grant[] = [];
  const jobs = new Map<string, Job>();
  const assets = new Map<string, { userId: string; name: string }>();
  const designs = new Map<string, Design>();
  const hits = new Map<string, number[]>();
  const faults: Fault[] = [];
  let users = 0;

  function issueTokens(grant: Grant) {
    const accessToken = id("sa_");
    const refreshToken = id("sr_");
    accessTokens.set(accessToken, { grant, expiresAt: Date.now() + settings.accessTokenSeconds * 1000 });
    refreshTokens.set(refreshToken, { grant, used: false });
    return { access_token: accessToken, refresh_token: refreshToken, token_type: "Bearer", expires_in: settings.accessTokenSeconds, scope: grant.scope };
  }

  function checkClient(request: IncomingMessage) {
    const [scheme, encoded] = (request.headers.authorization ?? "").split(" ");
    const expected = Buffer.from(`${CANVA_STAND_IN_CLIENT.clientId}:${CANVA_STAND_IN_CLIENT.clientSecret}`);
    const given = Buffer.from(scheme === "Basic" && encoded ? Buffer.from(encoded, "base64").toString("utf8") : "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ApiError(401, "invalid_client", "Client authentication failed.");
  }

  function caller(request: IncomingMessage): Grant {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    const entry = token ? accessTokens.get(token) : undefined;
    if (!entry || entry.expiresAt <= Date.now()) throw new ApiError(401, "invalid_access_token", "Access token is invalid or expired.");
    if (entry.grant.revoked) throw new ApiError(401, "revoked_access_token", "Access token has been revoked.");
    return entry.grant;
  }

  function limit(userId: string, key: string) {
    const perMinute = settings.rateLimits[key];
    if (!perMinute) return;
    const now = Date.now();
    const recent = (hits.get(`${userId} ${key}`) ?? []).filter((at) => at > now - 60_000);
    if (recent.length >= perMinute) throw new ApiError(429, "too_many_requests", "Too many requests. Try again later.");
    recent.push(now);
    hits.set(`${userId} ${key}`, recent);
  }

  function summary(design: Design) {
    const urls = { edit_url: `${origin}/design/${design.id}/edit?t=${id("")}`, view_url: `${origin}/design/${design.id}/view?t=${id("")}` };
    return { id: design.id, title: design.title, urls, created_at: design.createdAt, updated_at: design.createdAt, page_count: design.pages };
  }

  function metadata(request: IncomingMessage, header: string): Record<string, unknown> {
    try {
      return JSON.parse(String(request.headers[header] ?? "")) as Record<string, unknown>;
    } catch {
      throw new ApiError(400, "invalid_header_value", `The ${header} header must be JSON.`);
    }
  }

  function startJob(userId: string, result: Record<string, unknown>) {
    const job = { id: id("job_"), userId, pollsLeft: settings.jobPolls, result };
    jobs.set(job.id, job);
    return { job: { id: job.id, status: "in_progress" } };
  }

  function poll(userId: string, jobId: string) {
    const job = jobs.get(jobId);
    if (!job || job.userId !== userId) throw new ApiError(404, "not_found", `Job ${jobId} not found`);
    if (job.pollsLeft-- > 0) return { job: { id: job.id, status: "in_progress" } };
    return { job: { id: job.id, ...job.result } };
  }

  async function route(request: IncomingMessage, url: URL, body: Buffer): Promise<[number, unknown] | null> {
    const form = () => new URLSearchParams(body.toString("utf8"));
    const key = `${request.method} ${url.pathname}`;
    if (key === "GET /api/oauth/authorize") {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri") ?? "";
      if (q.get("client_id") !== CANVA_STAND_IN_CLIENT.clientId) throw new ApiError(400, "invalid_client", "Unknown client_id.");
      if (q.get("response_type") !== "code" || q.get("code_challenge_method")?.toLowerCase() !== "s256" || !q.get("code_challenge")) {
        throw new ApiError(400, "invalid_request", "response_type=code, code_challenge and code_challenge_method=s256 are required.");
      }
      if (!/^https?:\/\/127\.0\.0\.1(:\d+)?\//.test(redirectUri)) throw new ApiError(400, "invalid_request", "redirect_uri must be an http(s)://127.0.0.1 URL (Canva rejects localhost).");
      const user = { id: id("U"), displayName: `Stand-in Designer ${++users}` };
      const code = id("code_");
      codes.set(code, { user, scope: q.get("scope") ?? "", challenge: q.get("code_challenge")!, redirectUri, expiresAt: Date.now() + 10 * 60_000 });
      const target = new URL(redirectUri);
      target.searchParams.set("code", code);
      target.searchParams.set("state", q.get("state") ?? "");
      return [302, target.toString()];
    }
    if (key === "POST /rest/v1/oauth/token") {
      checkClient(request);
      const params = form();
      if (params.get("grant_type") === "authorization_code") {
        const entry = codes.get(params.get("code") ?? "");
        codes.delete(params.get("code") ?? "");
        if (!entry || entry.expiresAt <= Date.now()) throw new ApiError(400, "invalid_grant", "The authorization code is invalid, used or expired.");
        if (sha256(params.get("code_verifier") ?? "") !== entry.challenge) throw new ApiError(400, "invalid_grant", "code_verifier does not match the code_challenge.");
        if (params.get("redirect_uri") !== entry.redirectUri) throw new ApiError(400, "invalid_grant", "redirect_uri does not match the authorization request.");
        const grant = { user: entry.user, scope: entry.scope, revoked: false };
        grants.push(grant);
        return [200, issueTokens(grant)];
      }
      if (params.get("grant_type") === "refresh_token") {
        const entry = refreshTokens.get(params.get("refresh_token") ?? "");
        if (!entry || entry.grant.revoked) throw new ApiError(400, "invalid_grant", "The refresh token is invalid or revoked.");
        if (entry.used) {
          entry.grant.revoked = true;
          throw new ApiError(400, "invalid_grant", "The refresh token was already used; the grant is revoked.");
        }
        entry.used = true;
        return [200, issueTokens(entry.grant)];
      }
      throw new ApiError(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.");
    }
    if (key === "POST /rest/v1/oauth/revoke") {
      checkClient(request);
      const token = form().get("token") ?? "";
      const grant = accessTokens.get(token)?.grant ?? refreshTokens.get(token)?.grant;
      if (grant) grant.revoked = true;
      return [200, {}];
    }
    if (!url.pathname.startsWith("/rest/v1/")) return null;
    const grant = caller(request);
    const userId = grant.user.id;
    const path = url.pathname.slice("/rest".length);
    const jobPoll = /^\/v1\/(asset-uploads|imports)\/([A-Za-z0-9_-]{1,50})$/.exec(path);
    if (request.method === "GET" && jobPoll) {
      limit(userId, "GET /v1/jobs");
      return [200, poll(userId, jobPoll[2]!)];
    }
    const designPath = /^\/v1\/designs\/([A-Za-z0-9_-]{1,50})$/.exec(path);
    if (request.method === "GET" && designPath) {
      limit(userId, "GET /v1/designs");
      const design = designs.get(designPath[1]!);
      if (!design || design.userId !== userId) throw new ApiError(404, "design_not_found", `Design ${designPath[1]} not found.`);
      return [200, { design: summary(design) }];
    }
    limit(userId, `${request.method} ${path}`);
    switch (`${request.method} ${path}`) {
      case "GET /v1/users/me/profile":
        return [200, { profile: { display_name: grant.user.displayName } }];
      case "POST /v1/asset-uploads": {
        const name = Buffer.from(String(metadata(request, "asset-upload-metadata").name_base64 ?? ""), "base64").toString("utf8");
        if (!name) throw new ApiError(400, "invalid_header_value", "Asset-Upload-Metadata needs name_base64.");
        if (!body.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
          return [200, startJob(userId, { status: "failed", error: { code: "invalid_file", message: "The file is not a supported image." } })];
        }
        const asset = { id: id("M"), userId, name };
        assets.set(asset.id, asset);
        return [200, startJob(userId, { status: "success", asset: { id: asset.id, name, tags: [], created_at: Math.floor(Date.now() / 1000), updated_at: Math.floor(Date.now() / 1000) } })];
      }
      case "POST /v1/imports": {
        const meta = metadata(request, "import-metadata");
        const title = Buffer.from(String(meta.title_base64 ?? ""), "base64").toString("utf8");
        if (!title) throw new ApiError(400, "invalid_header_value", "Import-Metadata needs title_base64.");
        if (body.subarray(0, 5).toString("latin1") !== "%PDF-") {
          return [200, startJob(userId, { status: "failed", error: { code: "invalid_file", message: "Document could not be imported because the file is corrupt." } })];
        }
        const pages = body.toString("latin1").match(/\/Type\s*\/Page[^s]/g)?.length ?? 1;
        const design = { id: id("D"), userId, title, pages, width: null, height: null, createdAt: Math.floor(Date.now() / 1000) };
        designs.set(design.id, design);
        return [200, startJob(userId, { status: "success", result: { designs: [summary(design)] } })];
      }
      case "POST /v1/designs": {
        const input = JSON.parse(body.toString("utf8") || "{}") as { design_type?: { type?: string; width?: number; height?: number }; asset_id?: string; title?: string };
        const { width, height } = input.design_type ?? {};
        if (input.design_type?.type !== "custom" || !width || !height) throw new ApiError(400, "invalid_field", "design_type must be { type: custom, width, height }.");
        if (input.asset_id && assets.get(input.asset_id)?.userId !== userId) throw new ApiError(404, "asset_not_found", `Asset ${input.asset_id} not found.`);
        const design = { id: id("D"), userId, title: input.title ?? "Untitled design", pages: 1, width, height, createdAt: Math.floor(Date.now() / 1000) };
        designs.set(design.id, design);
        return [200, { design: summary(design) }];
      }
    }
    throw new ApiError(404, "endpoint_not_found", `No endpoint ${request.method} ${path}.`);
  }

  function control(url: URL, body: Buffer): [number, unknown] {
    const input = body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
    switch (url.pathname) {
      case "/_stand-in/revoke-all":
        for (const grant of grants) grant.revoked = true;
        return [200, { revoked: grants.length }];
      case "/_stand-in/faults":
        faults.push({ times: 1, status: 500, code: "internal_error", message: "Injected fault.", ...(input as Partial<Fault>), path: String(input.path) });
        return [200, { faults: faults.length }];
      case "/_stand-in/settings":
        Object.assign(settings, input, { rateLimits: { ...settings.rateLimits, ...(input.rateLimits as object | undefined) } });
        return [200, settings];
      case "/_stand-in/state":
        return [200, { grants: grants.map((grant) => ({ user: grant.user, revoked: grant.revoked })), designs: [...designs.values()], assets: assets.size }];
    }
    return [404, { code: "endpoint_not_found", message: "Unknown stand-in control." }];
  }

  function send(response: ServerResponse, [status, payload]: [number, unknown]) {
    if (status === 302) {
      response.writeHead(302, { location: String(payload) }).end();
      return;
    }
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (status === 429) headers["retry-after"] = "1";
    response.writeHead(status, headers).end(JSON.stringify(payload));
  }

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", origin);
      const body = Buffer.concat(chunks);
      const answer = async (): Promise<[number, unknown]> => {
        if (url.pathname.startsWith("/_stand-in/")) return control(url, body);
        const fault = faults.find((candidate) => url.pathname.endsWith(candidate.path) && candidate.times > 0);
        if (fault) {
          fault.times--;
          return [fault.status, { code: fault.code, message: fault.message }];
        }
        return (await route(request, url, body)) ?? [404, { code: "endpoint_not_found", message: `No endpoint ${request.method} ${url.pathname}.` }];
      };
      answer()
        .catch((error: unknown) => (error instanceof ApiError ? [error.status, { code: error.code, message: error.message }] : [500, { code: "internal_error", message: String(error) }]) as [number, unknown])
        .then((result) => send(response, result), () => response.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    settings,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
