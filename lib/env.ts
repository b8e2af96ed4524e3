/**
 * Typed configuration: the only reader of process.env in the app.
 *
 * Every integration is configured on its own, so a webhook secret can be set
 * without Clerk keys and so on. Empty strings count as unset, because that is
 * what `FOO=` in a .env file means to a person. All problems are reported at
 * once, one line each, naming the variable and how to fix it.
 */
import path from "node:path";
import { z } from "zod";

const blankAsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankAsUnset, schema.optional());

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection string");

// Clerk's dashboard shows the JWT public key as PEM; hosting providers often
// store it with literal "\n" sequences, so accept both.
const pemPublicKey = z
  .string()
  .transform((value) => value.replace(/\\n/g, "\n"))
  .refine((value) => value.includes("-----BEGIN PUBLIC KEY-----"), {
    message: "must be a PEM public key (-----BEGIN PUBLIC KEY----- ...), copied from Clerk's API keys page",
  });

// A plan's Stripe price ids, comma-separated (say, monthly and yearly); the first is what checkout sells.
const stripePriceIds = z
  .string()
  .transform((value) => value.split(",").map((id) => id.trim()).filter(Boolean))
  .refine((ids) => ids.length > 0 && ids.every((id) => /^price_[A-Za-z0-9]+$/.test(id)), {
    message: "must be Stripe price ids (price_...), comma-separated, from Stripe dashboard > Product catalog > your product > Pricing",
  });

/** Requests per minute for one kind of caller; 0 turns that limit off. */
const perMinute = (fallback: number) =>
  z.preprocess(blankAsUnset, z.coerce.number().int("must be a whole number of requests per minute").min(0, "must be 0 (off) or more").default(fallback));

const rawSchema = z.object({
  NODE_ENV: z.preprocess(blankAsUnset, z.enum(["development", "production", "test"]).default("development")),
  PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(65535).default(3000)),
  APP_URL: optional(z.url({ message: "must be an absolute URL such as https://api.postora.app" })),
  POSTORA_DATA_DIR: optional(z.string()),
  POSTORA_DB_PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(65535).default(54322)),
  LOG_LEVEL: z.preprocess(blankAsUnset, z.enum(["debug", "info", "warn", "error", "silent"]).default("info")),

  DATABASE_URL: optional(postgresUrl),
  DATABASE_DIRECT_URL: optional(postgresUrl),
  DATABASE_POOL_SIZE: z.preprocess(blankAsUnset, z.coerce.number().int("must be a whole number of connections").min(1).max(200).default(10)),

  WORKER_CONCURRENCY: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(64).default(2)),
  WORKER_LOCK_TIMEOUT_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(10).max(14400).default(60)),

  AI_PROVIDER: optional(
    z.enum(["offline", "openai", "anthropic", "openai-compatible"], { message: "must be offline, openai, anthropic or openai-compatible" }),
  ),
  AI_MODEL: optional(z.string()),
  // openai-compatible: any server that speaks OpenAI's chat completions (Ollama, vLLM, OpenRouter, Azure OpenAI's /openai/v1).
  AI_BASE_URL: optional(
    z.url({ protocol: /^https?$/, message: "must be the server's OpenAI-compatible base URL, such as http://127.0.0.1:11434/v1 (Ollama)" }),
  ),
  AI_API_KEY: optional(z.string()),
  OPENAI_API_KEY: optional(z.string().min(20, "looks too short to be an OpenAI API key")),
  ANTHROPIC_API_KEY: optional(z.string().min(20, "looks too short to be an Anthropic API key")),

  SUPABASE_URL: optional(z.url({ message: "must be your project URL, e.g. https://abcd.supabase.co" })),
  SUPABASE_SERVICE_ROLE_KEY: optional(z.string().min(20, "looks too short to be a Supabase service role key")),
  // Supabase's own signed upload URLs last two hours; the database's upload window (what really decides) closes at this.
  STORAGE_UPLOAD_URL_TTL_SECONDS: z.preprocess(
    blankAsUnset,
    z.coerce.number().int().min(60, "must be at least 60 seconds").max(7200, "must be at most 7200 (Supabase's own limit)").default(900),
  ),

  NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: optional(z.string().regex(/^pk_(test|live)_/, "must start with pk_test_ or pk_live_")),
  CLERK_SECRET_KEY: optional(z.string().regex(/^sk_(test|live)_/, "must start with sk_test_ or sk_live_")),
  CLERK_JWT_KEY: optional(pemPublicKey),
  CLERK_AUTHORIZED_PARTIES: optional(z.string()),
  CLERK_WEBHOOK_SIGNING_SECRET: optional(z.string().regex(/^whsec_/, "must start with whsec_ (Clerk dashboard > Webhooks > Signing Secret)")),

  RATE_LIMIT_FREE_PER_MINUTE: perMinute(300),
  RATE_LIMIT_PAID_PER_MINUTE: perMinute(1200),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: perMinute(120),
  TRUSTED_PROXY_COUNT: z.preprocess(blankAsUnset, z.coerce.number().int("must be a whole number").min(0).max(10).default(1)),

  // 32 random bytes (base64 or hex) that seal secrets at rest (lib/secrets/box.ts); previous keys still open old values.
  DATA_ENCRYPTION_KEY: optional(
    z.string().refine((value) => /^[0-9a-f]{64}$/i.test(value.trim()) || Buffer.from(value.trim(), "base64url").length === 32, {
      message: "must be 32 random bytes as base64 or 64 hex digits (openssl rand -base64 32)",
    }),
  ),
  DATA_ENCRYPTION_KEYS_PREVIOUS: optional(z.string()),

  POSTORA_BENCH_ROUTE: z.preprocess(blankAsUnset, z.enum(["0", "1"], { message: "must be 0 or 1" }).default("0")),

  STRIPE_SECRET_KEY: optional(z.string().regex(/^(sk|rk)_(test|live)_/, "must start with sk_test_, sk_live_, rk_test_ or rk_live_")),
  STRIPE_WEBHOOK_SECRET: optional(z.string().regex(/^whsec_/, "must start with whsec_ (Stripe dashboard > Webhooks > Signing secret)")),
  // One variable per paid plan (lib/billing/plans.ts PAID_PLANS): STRIPE_PRICE_<PLAN>.
  STRIPE_PRICE_PRO: optional(stripePriceIds),
  STRIPE_PRICE_BUSINESS: optional(stripePriceIds),
  STRIPE_API_URL: optional(z.url({ message: "must be an absolute URL such as http://127.0.0.1:12111 (stripe-mock); unset means https://api.stripe.com" })),

  CANVA_CLIENT_ID: optional(z.string().regex(/^[A-Za-z0-9_-]{4,100}$/, "must be the Client ID from Canva's developer portal (letters, digits, - or _)")),
  CANVA_CLIENT_SECRET: optional(z.string().min(8, "looks too short to be a Canva client secret")),
  CANVA_API_URL: optional(z.url({ message: "must be an absolute URL such as https://api.canva.com/rest" })),
  CANVA_AUTHORIZE_URL: optional(z.url({ message: "must be an absolute URL such as https://www.canva.com/api/oauth/authorize" })),
  CANVA_REDIRECT_URL: optional(
    z.url({ message: "must be the absolute redirect URL registered with Canva, e.g. http://127.0.0.1:3000/api/canva/callback" }).refine(
      (value) => new URL(value).hostname !== "localhost",
      { message: "must not use localhost: Canva rejects it; use 127.0.0.1" },
    ),
  ),
  CANVA_STAND_IN_PORT: optional(z.coerce.number().int().min(1).max(65535)),
});

export type Env = ReturnType<typeof buildEnv>;

/** Every variable this module reads (a test checks .env.example documents each). */
export const envVariableNames = Object.keys(rawSchema.shape);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function pairProblems(raw: Record<string, unknown>, names: string[], purpose: string): string[] {
  const set = names.filter((name) => raw[name] !== undefined);
  if (set.length === 0 || set.length === names.length) return [];
  const missing = names.filter((name) => raw[name] === undefined);
  return missing.map(
    (name) => `${name} is missing: ${purpose} needs ${names.join(" and ")} together (set it, or unset ${set.join(", ")}).`,
  );
}

/** Canva's own endpoints (lib/canva/client.ts); the stand-in mirrors their paths. */
const CANVA_API_URL = "https://api.canva.com/rest";
const CANVA_AUTHORIZE_URL = "https://www.canva.com/api/oauth/authorize";
/** The stand-in's fixed credentials: it runs only on this machine and never in production. */
export const CANVA_STAND_IN_CLIENT = { clientId: "postora-stand-in", clientSecret: "stand-in-client-secret" } as const;

export type CanvaConfig = {
  clientId: string;
  clientSecret: string;
  apiUrl: string;
  authorizeUrl: string;
  redirectUrl: string;
  /** Set when no CANVA_CLIENT_ID is: the local stand-in (lib/canva/stand-in.ts) to start on this port. */
  standInPort: number | null;
};

function canvaConfig(raw: z.infer<typeof rawSchema>, appUrl: string, isProduction: boolean): CanvaConfig | null {
  // Canva refuses localhost redirect URLs; 127.0.0.1 is the same machine.
  const redirectUrl = raw.CANVA_REDIRECT_URL ?? `${appUrl.replace("//localhost", "//127.0.0.1")}/api/canva/callback`;
  if (raw.CANVA_CLIENT_ID && raw.CANVA_CLIENT_SECRET) {
    return {
      clientId: raw.CANVA_CLIENT_ID,
      clientSecret: raw.CANVA_CLIENT_SECRET,
      apiUrl: (raw.CANVA_API_URL ?? CANVA_API_URL).replace(/\/$/, ""),
      authorizeUrl: raw.CANVA_AUTHORIZE_URL ?? CANVA_AUTHORIZE_URL,
      redirectUrl,
      standInPort: null,
    };
  }
  if (isProduction) return null;
  const port = raw.CANVA_STAND_IN_PORT ?? raw.PORT + 10;
  const standIn = `http://127.0.0.1:${port}`;
  return {
    ...CANVA_STAND_IN_CLIENT,
    apiUrl: (raw.CANVA_API_URL ?? `${standIn}/rest`).replace(/\/$/, ""),
    authorizeUrl: raw.CANVA_AUTHORIZE_URL ?? `${standIn}/api/oauth/authorize`,
    redirectUrl,
    standInPort: port,
  };
}

const DEFAULT_MODELS = { openai: "gpt-4o-mini", anthropic: "claude-haiku-4-5" } as const;

export type AiConfig =
  | { provider: "offline"; explicit: boolean }
  | { provider: "openai" | "anthropic"; explicit: true; model: string; apiKey: string }
  /** apiKey null: a local server (Ollama, vLLM) that asks for none. */
  | { provider: "openai-compatible"; explicit: true; model: string; baseUrl: string; apiKey: string | null };

function aiConfig(raw: z.infer<typeof rawSchema>): AiConfig {
  const provider = raw.AI_PROVIDER ?? "offline";
  if (provider === "offline") return { provider, explicit: raw.AI_PROVIDER === "offline" };
  if (provider === "openai-compatible") {
    return { provider, explicit: true, model: raw.AI_MODEL!, baseUrl: raw.AI_BASE_URL!.replace(/\/+$/, ""), apiKey: raw.AI_API_KEY ?? null };
  }
  const apiKey = provider === "openai" ? raw.OPENAI_API_KEY : raw.ANTHROPIC_API_KEY;
  return { provider, explicit: true, model: raw.AI_MODEL ?? DEFAULT_MODELS[provider], apiKey: apiKey! };
}

function buildEnv(raw: z.infer<typeof rawSchema>) {
  const isProduction = raw.NODE_ENV === "production";
  const appUrl = (raw.APP_URL ?? `http://localhost:${raw.PORT}`).replace(/\/$/, "");
  const clerk =
    raw.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY && raw.CLERK_SECRET_KEY
      ? {
          publishableKey: raw.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY,
          secretKey: raw.CLERK_SECRET_KEY,
          jwtKey: raw.CLERK_JWT_KEY ?? null,
          authorizedParties: (raw.CLERK_AUTHORIZED_PARTIES ?? appUrl)
            .split(",")
            .map((party) => party.trim().replace(/\/$/, ""))
            .filter(Boolean),
        }
      : null;
  return {
    nodeEnv: raw.NODE_ENV,
    isProduction,
    port: raw.PORT,
    appUrl,
    // Local state lives beside the app at run time; the hint stops Next.js tracing the whole project into the build.
    dataDir: path.resolve(/* turbopackIgnore: true */ process.cwd(), raw.POSTORA_DATA_DIR ?? ".postora"),
    embeddedDbPort: raw.POSTORA_DB_PORT,
    logLevel: raw.LOG_LEVEL,
    databaseUrl: raw.DATABASE_URL ?? null,
    /** Connections this server process keeps to DATABASE_URL (each transaction holds one until it commits). */
    databasePoolSize: raw.DATABASE_POOL_SIZE,
    /** The worker's connection: LISTEN/NOTIFY needs a session, which a transaction pooler cannot give. */
    databaseDirectUrl: raw.DATABASE_DIRECT_URL ?? raw.DATABASE_URL ?? null,
    worker: {
      concurrency: raw.WORKER_CONCURRENCY,
      lockTimeoutSeconds: raw.WORKER_LOCK_TIMEOUT_SECONDS,
    },
    ai: aiConfig(raw),
    supabase:
      raw.SUPABASE_URL && raw.SUPABASE_SERVICE_ROLE_KEY
        ? { url: raw.SUPABASE_URL.replace(/\/$/, ""), serviceRoleKey: raw.SUPABASE_SERVICE_ROLE_KEY }
        : null,
    /** How long a signed upload URL can write its one file (both adapters; enforced in storage.objects). */
    storageUploadUrlTtlSeconds: raw.STORAGE_UPLOAD_URL_TTL_SECONDS,
    clerk,
    /** Development identity: local signing key, never in production (see lib/auth). */
    devIdentity: !clerk && !isProduction,
    clerkWebhookSecret: raw.CLERK_WEBHOOK_SIGNING_SECRET ?? null,
    /** Requests per minute (0 = no limit), enforced in Postgres across instances (lib/rate-limit.ts). */
    rateLimit: {
      freePerMinute: raw.RATE_LIMIT_FREE_PER_MINUTE,
      paidPerMinute: raw.RATE_LIMIT_PAID_PER_MINUTE,
      anonymousPerMinute: raw.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    },
    /** Keys that seal secrets at rest; with no key, development makes one under dataDir (lib/secrets/box.ts). */
    dataEncryption: {
      key: raw.DATA_ENCRYPTION_KEY ?? null,
      previousKeys: (raw.DATA_ENCRYPTION_KEYS_PREVIOUS ?? "").split(",").map((key) => key.trim()).filter(Boolean),
    },
    /** GET /api/bench/limit answers (bench/http.ts only); otherwise it is a 404. */
    benchRoute: raw.POSTORA_BENCH_ROUTE === "1",
    /** Reverse proxies in front of the app that append to X-Forwarded-For (lib/http/client-ip.ts). */
    trustedProxyCount: raw.TRUSTED_PROXY_COUNT,
    stripe: {
      secretKey: raw.STRIPE_SECRET_KEY ?? null,
      webhookSecret: raw.STRIPE_WEBHOOK_SECRET ?? null,
      /** Price ids per paid plan; empty when the plan is not sold. */
      prices: { pro: raw.STRIPE_PRICE_PRO ?? [], business: raw.STRIPE_PRICE_BUSINESS ?? [] },
      /** Where the API client sends requests (stripe-mock, a test stand-in); null = Stripe itself. */
      apiUrl: raw.STRIPE_API_URL ?? null,
    },
    /** Canva Connect (Open in Canva); null in production without CANVA_CLIENT_ID (the feature is off). */
    canva: canvaConfig(raw, appUrl, isProduction),
  };
}

/** Parses a given environment; throws ConfigError listing every problem at once. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = rawSchema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join(".");
        const hint = source[name] === undefined ? "" : " (see .env.example)";
        return `${name} ${issue.message}${hint}.`;
      }),
    );
  }
  const raw = result.data;
  const problems = [
    ...pairProblems(raw, ["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"], "Supabase Storage"),
    ...pairProblems(raw, ["NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "CLERK_SECRET_KEY"], "Clerk sign-in"),
    ...pairProblems(raw, ["CANVA_CLIENT_ID", "CANVA_CLIENT_SECRET"], "Open in Canva"),
  ];
  if (raw.AI_PROVIDER === "openai" && !raw.OPENAI_API_KEY)
    problems.push("OPENAI_API_KEY is missing: AI_PROVIDER=openai needs it (platform.openai.com > API keys), or choose another AI_PROVIDER.");
  if (raw.AI_PROVIDER === "anthropic" && !raw.ANTHROPIC_API_KEY)
    problems.push("ANTHROPIC_API_KEY is missing: AI_PROVIDER=anthropic needs it (console.anthropic.com > API keys), or choose another AI_PROVIDER.");
  if (raw.AI_PROVIDER === "openai-compatible") {
    if (!raw.AI_BASE_URL) problems.push("AI_BASE_URL is missing: AI_PROVIDER=openai-compatible needs the server's base URL, such as http://127.0.0.1:11434/v1 for Ollama.");
    if (!raw.AI_MODEL) problems.push("AI_MODEL is missing: AI_PROVIDER=openai-compatible needs the model id the server knows, such as llama3.2 for Ollama.");
  } else if (raw.AI_BASE_URL || raw.AI_API_KEY) {
    const set = (["AI_BASE_URL", "AI_API_KEY"] as const).filter((name) => raw[name]);
    problems.push(`${set.join(" and ")} ${set.length > 1 ? "are" : "is"} only read with AI_PROVIDER=openai-compatible: set that, or unset ${set.join(" and ")}.`);
  }
  if (raw.NODE_ENV === "production") {
    // Production must never fall back to the embedded database, local storage
    // or the development identity: each of those is only safe on a laptop.
    if (!raw.DATABASE_URL) problems.push("DATABASE_URL is required in production: set it to the Supabase pooler URL (transaction mode, port 6543).");
    if (!raw.NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY || !raw.CLERK_SECRET_KEY)
      problems.push("NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY are required in production: the development identity cannot run there.");
    if (!raw.SUPABASE_URL || !raw.SUPABASE_SERVICE_ROLE_KEY)
      problems.push("SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are required in production: local file storage cannot run there.");
    if (!raw.DATA_ENCRYPTION_KEY)
      problems.push("DATA_ENCRYPTION_KEY is required in production: it seals stored secrets (Canva tokens, webhook secrets); make one with `openssl rand -base64 32`.");
    if (!raw.APP_URL) problems.push("APP_URL is required in production: set it to the public https URL of this API.");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return buildEnv(raw);
}

let cached: Env | undefined;

/** The process's configuration, validated once on first use. */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
