/**
 * A stand-in for the part of Clerk's Backend API that @clerk/backend calls
 * for API keys, OAuth access tokens, users and sessions, on 127.0.0.1 (no network).
 * Paths, bodies and response JSON are the ones the installed SDK sends and
 * parses (node_modules/@clerk/backend/dist/index.js: APIKeysAPI,
 * IdPOAuthAccessTokenApi, UsersAPI, and the APIKeyJSON /
 * IdPOAuthAccessTokenJSON / UserJSON types): /api_keys and
 * /oauth_applications/access_tokens without a version prefix, as the SDK
 * builds them (skipApiVersionInUrl), /v1/users with one. Like Clerk, it answers 404 to
 * verifying a revoked, expired or unknown credential and 401 to a wrong
 * secret key. Every request is recorded, so tests can count what reached
 * Clerk (once per key per verdict window, at most ~30 made-up keys a minute).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseEnv, type Env } from "@/lib/env";

export const STAND_IN_SECRET_KEY = "sk_test_postora_stand_in_secret_key";
/** pk_test_ + base64("clerk.postora.test$"): the shape Clerk's SDK parses. */
export const STAND_IN_PUBLISHABLE_KEY = `pk_test_${Buffer.from("clerk.postora.test$").toString("base64")}`;

type StoredKey = {
  id: string;
  secret: string;
  name: string;
  subject: string;
  scopes: string[];
  createdBy: string | null;
  revoked: boolean;
  revocationReason: string | null;
  expiration: number | null;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
};

type StoredOAuthToken = { id: string; token: string; clientId: string; subject: string; scopes: string[]; revoked: boolean; expiration: number | null; createdAt: number };

/** The app origin the stand-in's session tokens are issued for (their `azp`). */
export const STAND_IN_APP_ORIGIN = "https://app.postora.test";

/**
 * A test server's environment with Clerk configured against this stand-in: sessions are verified with
 * `jwtPublicKeyPem` (the instance's signing key), keys and OAuth tokens are asked of the stand-in.
 */
export function clerkStandInEnv(jwtPublicKeyPem: string, overrides: Record<string, string> = {}): Env {
  return parseEnv({
    DATABASE_URL: process.env.DATABASE_URL,
    POSTORA_DATA_DIR: process.env.POSTORA_DATA_DIR,
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: STAND_IN_PUBLISHABLE_KEY,
    CLERK_SECRET_KEY: STAND_IN_SECRET_KEY,
    CLERK_JWT_KEY: jwtPublicKeyPem,
    CLERK_AUTHORIZED_PARTIES: STAND_IN_APP_ORIGIN,
    ...overrides,
  });
}

export type RecordedRequest = { method: string; path: string; body: Record<string, unknown> | null };

const now = () => Date.now();
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

export class ClerkBackendStandIn {
  readonly keys = new Map<string, StoredKey>();
  readonly oauthTokens = new Map<string, StoredOAuthToken>();
  readonly users = new Map<string, { email: string }>();
  /** Sessions by id (a session token's `sid`) and their status: active, ended, revoked, expired… */
  readonly sessions = new Map<string, { userId: string; status: string }>();
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | null = null;
  url = "";

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** An API key as Clerk's dashboard or API would have made it. */
  addApiKey(values: { subject: string; scopes: string[]; name?: string; expiration?: number | null }): StoredKey {
    const key: StoredKey = {
      id: `ak_${hex(12)}`,
      secret: `ak_${hex(24)}`,
      name: values.name ?? "stand-in key",
      subject: values.subject,
      scopes: values.scopes,
      createdBy: values.subject,
      revoked: false,
      revocationReason: null,
      expiration: values.expiration ?? null,
      createdAt: now(),
      updatedAt: now(),
      lastUsedAt: null,
    };
    this.keys.set(key.id, key);
    return key;
  }

  /** An opaque OAuth access token Clerk issued to a third-party app on `subject`'s behalf. */
  addOAuthToken(values: { subject: string; scopes: string[]; revoked?: boolean; clientId?: string }): StoredOAuthToken {
    const token: StoredOAuthToken = {
      id: `oat_id_${hex(8)}`,
      token: `oat_${hex(24)}`,
      clientId: values.clientId ?? `client_${hex(6)}`,
      subject: values.subject,
      scopes: values.scopes,
      revoked: values.revoked ?? false,
      expiration: now() + 3_600_000,
      createdAt: now(),
    };
    this.oauthTokens.set(token.token, token);
    return token;
  }

  /** How many times a path was asked (e.g. verify, to count the calls that reached Clerk). */
  count(method: string, path: string): number {
    return this.requests.filter((request) => request.method === method && request.path === path).length;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
    const url = new URL(request.url ?? "/", this.url);
    const method = request.method ?? "GET";
    this.requests.push({ method, path: url.pathname, body });

    const send = (status: number, json: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(json));
    };
    const notFound = (what: string) => send(404, { errors: [{ code: "resource_not_found", message: `${what} not found`, long_message: `${what} not found` }] });

    if (request.headers.authorization !== `Bearer ${STAND_IN_SECRET_KEY}`) {
      return send(401, { errors: [{ code: "authorization_invalid", message: "The secret key is invalid" }] });
    }

    // The SDK calls the machine-auth endpoints without the /v1 prefix (skipApiVersionInUrl), users with it.
    const parts = url.pathname.split("/").filter(Boolean);
    const versioned = parts[0] === "v1";
    const [resource, id, action] = versioned ? parts.slice(1) : parts;
    if (versioned !== (resource === "users" || resource === "sessions")) return notFound("Endpoint");

    if (resource === "api_keys") {
      if (method === "POST" && id === "verify") {
        const key = [...this.keys.values()].find((candidate) => candidate.secret === body?.secret);
        if (!key || key.revoked || (key.expiration !== null && key.expiration <= now())) return notFound("API key");
        key.lastUsedAt = now();
        return send(200, apiKeyJson(key));
      }
      if (method === "POST" && !id) {
        const key = this.addApiKey({ subject: String(body?.subject), scopes: (body?.scopes as string[]) ?? [], name: String(body?.name) });
        key.createdBy = (body?.created_by as string | null) ?? null;
        return send(200, { ...apiKeyJson(key), secret: key.secret });
      }
      if (method === "GET" && !id) {
        const includeInvalid = url.searchParams.get("include_invalid") === "true";
        const data = [...this.keys.values()]
          .filter((key) => key.subject === url.searchParams.get("subject") && (includeInvalid || !key.revoked))
          .sort((a, b) => b.createdAt - a.createdAt)
          .map(apiKeyJson);
        return send(200, { data, total_count: data.length });
      }
      const key = id ? this.keys.get(id) : undefined;
      if (!key) return notFound("API key");
      if (method === "GET" && !action) return send(200, apiKeyJson(key));
      if (method === "GET" && action === "secret") return send(200, { secret: key.secret });
      if (method === "POST" && action === "revoke") {
        key.revoked = true;
        key.revocationReason = (body?.revocation_reason as string | null) ?? null;
        key.updatedAt = now();
        return send(200, apiKeyJson(key));
      }
    }

    if (resource === "oauth_applications" && id === "access_tokens" && action === "verify" && method === "POST") {
      const token = this.oauthTokens.get(String(body?.access_token));
      if (!token || token.revoked || (token.expiration !== null && token.expiration <= now())) return notFound("OAuth access token");
      return send(200, {
        object: "clerk_idp_oauth_access_token",
        id: token.id,
        client_id: token.clientId,
        type: "oauth_token",
        subject: token.subject,
        scopes: token.scopes,
        revoked: false,
        revocation_reason: null,
        expired: false,
        expiration: token.expiration,
        created_at: token.createdAt,
        updated_at: token.createdAt,
      });
    }

    if (resource === "sessions" && id && method === "GET" && !action) {
      const session = this.sessions.get(id);
      if (!session) return notFound("Session");
      return send(200, {
        object: "session",
        id,
        client_id: "client_test",
        user_id: session.userId,
        status: session.status,
        last_active_at: now(),
        expire_at: now() + 86_400_000,
        abandon_at: now() + 86_400_000,
        created_at: now(),
        updated_at: now(),
      });
    }

    if (resource === "users" && id && method === "GET" && !action) {
      const user = this.users.get(id);
      if (!user) return notFound("User");
      const emailId = `idn_${hex(6)}`;
      return send(200, {
        object: "user",
        id,
        primary_email_address_id: emailId,
        email_addresses: [{ object: "email_address", id: emailId, email_address: user.email, verification: null, linked_to: [] }],
        public_metadata: {},
        private_metadata: {},
        unsafe_metadata: {},
        created_at: now(),
        updated_at: now(),
        last_sign_in_at: null,
      });
    }

    return notFound("Endpoint");
  }
}

function apiKeyJson(key: StoredKey) {
  return {
    object: "api_key",
    id: key.id,
    type: "api_key",
    name: key.name,
    subject: key.subject,
    scopes: key.scopes,
    claims: null,
    revoked: key.revoked,
    revocation_reason: key.revocationReason,
    expired: key.expiration !== null && key.expiration <= now(),
    expiration: key.expiration,
    created_by: key.createdBy,
    description: null,
    last_used_at: key.lastUsedAt,
    created_at: key.createdAt,
    updated_at: key.updatedAt,
  };
}
