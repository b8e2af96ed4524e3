/**
 * The GraphQL server: graphql-yoga over the Pothos schema. Route handlers
 * and tests share this one instance-maker so tests exercise exactly what
 * production serves.
 */
import { randomUUID } from "node:crypto";
import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { GraphQLError, type ValidationContext } from "graphql";
import { createYoga, type CORSOptions, type Plugin } from "graphql-yoga";
import { createContext, type GraphQLContext } from "@/graphql/context";
import { serviceUnavailable, useClientErrors } from "@/graphql/errors";
import { useCompiledExecution } from "@/graphql/plugins/compiled-execution";
import { graphiqlOptionsFor } from "@/graphql/graphiql";
import { useRateLimit } from "@/graphql/plugins/rate-limit";
import { useRequestBodyRules } from "@/graphql/plugins/request-body";
import { schema } from "@/graphql/schema/index";
import { apiKeysFor } from "@/lib/api-keys/service";
import type { ApiKeyService } from "@/lib/api-keys/types";
import { authenticatorFor, type Authenticator, type FrontendSession } from "@/lib/auth/caller";
import { getEnv, type Env } from "@/lib/env";
import { AppError, type ErrorCode } from "@/lib/errors";
import { unavailableError } from "@/lib/faults";
import { logger } from "@/lib/log";
import { getStorage } from "@/lib/storage/index";
import type { FileStorage } from "@/lib/storage/types";

const requestIds = new WeakMap<Request, string>();
const validRequestId = /^[A-Za-z0-9._-]{8,128}$/;

/** Honour a caller's x-request-id (for tracing across services), else mint one; echo it back. */
function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    const given = request.headers.get("x-request-id");
    id = given && validRequestId.test(given) ? given : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

function useRequestId(): Plugin {
  return {
    onResponse: ({ request, response }) => {
      response.headers.set("x-request-id", requestIdOf(request));
    },
  };
}

const log = logger.child({ source: "graphql" });

// By name, as Yoga checks: graphql can be loaded twice (ESM and CommonJS), and instanceof fails across the two.
const isGraphQLError = (value: unknown): value is GraphQLError => value instanceof Error && value.name === "GraphQLError";

/** What the web layer adds to a request: the Clerk session clerkMiddleware verified (app/api/graphql/route.ts). */
export type ServerContext = { frontendSession?: FrontendSession | null };

const httpStatus: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  FAILED_PRECONDITION: 403,
  CONFLICT: 409,
  SERVICE_UNAVAILABLE: 503,
};

/**
 * Yoga masks anything thrown while building the context unless it is a
 * GraphQLError, so expected failures (a bad token, above all) become one,
 * with the code clients branch on and the HTTP status that fits.
 */
function contextError(error: unknown, requestId: string): unknown {
  // The database could not answer while resolving the caller: a retryable 503 with the request id.
  const fault = error instanceof AppError ? (error.code === "SERVICE_UNAVAILABLE" ? error : null) : unavailableError(error);
  if (fault) {
    log.warn("service unavailable while resolving the caller", { requestId, error });
    return serviceUnavailable(fault, requestId);
  }
  if (!(error instanceof AppError)) return error;
  const status = httpStatus[error.code] ?? 400;
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      ...error.details,
      http: {
        status,
        ...(status === 401 ? { headers: { "WWW-Authenticate": 'Bearer realm="Postora API", error="invalid_token"' } } : {}),
      },
    },
  });
}

/**
 * Yoga's default CORS reflects any origin and allows credentials, which would
 * let any website read answers made with a visitor's Clerk cookie. Only our
 * own origins (APP_URL and Clerk's authorized parties) get credentials; any
 * other origin may call with a Bearer token, never with cookies.
 */
function corsFor(request: Request): CORSOptions {
  const { trusted, credentialed, open } = corsPolicyFor(getEnv());
  const origin = request.headers.get("origin");
  return origin && trusted.has(origin) ? { ...credentialed, origin } : open;
}

// Worked out once per configuration, not on every request.
const corsPolicies = new WeakMap<Env, { trusted: Set<string>; credentialed: CORSOptions; open: CORSOptions }>();

function corsPolicyFor(env: Env) {
  let policy = corsPolicies.get(env);
  if (!policy) {
    const common = {
      methods: ["GET", "POST", "OPTIONS"],
      allowedHeaders: ["accept", "authorization", "content-type", "x-request-id"],
      exposedHeaders: ["x-request-id"],
      maxAge: 600,
    };
    policy = {
      trusted: new Set([env.appUrl, ...(env.clerk?.authorizedParties ?? [])]),
      credentialed: { ...common, credentials: true },
      open: { ...common, origin: "*", credentials: false },
    };
    corsPolicies.set(env, policy);
  }
  return policy;
}

/**
 * graphql-armor reports a refused document as a "Syntax Error" with HTTP 200;
 * clients get a 400 with a code to branch on and the limit that was hit.
 */
const documentLimit = {
  exposeLimits: true,
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(
        new GraphQLError(`${error.message.replace(/^Syntax Error: /, "")} Split the document into smaller requests.`, {
          extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400 } },
        }),
      ),
  ],
};

export type GraphQLServerOptions = {
  /** Who is calling; defaults to Clerk or the development identity, as configured. */
  authenticate?: Authenticator;
  /** Where files live; defaults to the configured storage (Supabase, or the local adapter). */
  storage?: FileStorage;
  /** The API keys service; defaults to Clerk's or the development identity's, as configured. */
  apiKeys?: ApiKeyService;
  /** Whether queries run often are compiled (graphql/plugins/compiled-execution.ts); on by default. Off only to measure it. */
  compileQueries?: boolean;
  /** Called when a query's document is compiled. */
  onCompiledQuery?: (operationName: string | null) => void;
};

export function createGraphQLServer(options: GraphQLServerOptions = {}) {
  let authenticate = options.authenticate;
  let storage = options.storage;
  let apiKeys = options.apiKeys;
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: "/api/graphql",
    fetchAPI: { Response },
    landingPage: false,
    cors: corsFor,
    graphiql: (request) => graphiqlOptionsFor(getEnv(), request),
    // The bundled GraphiQL works offline; Yoga's default loads it from a CDN. Loaded when first asked for:
    // its 9 MB bundle would otherwise sit in the memory of every server that never serves it.
    renderGraphiQL: async (options) => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    maskedErrors: {
      // Errors outside execution (context creation, parsing internals) that are not GraphQLErrors
      // of our own making; those (an UNAUTHENTICATED from the context, say) reach the client as thrown.
      maskError: (error, message) => {
        if (isGraphQLError(error) && (!error.originalError || isGraphQLError(error.originalError))) return error;
        log.error("masked error outside execution", { error });
        return new GraphQLError(message, { extensions: { code: "INTERNAL_SERVER_ERROR" } });
      },
    },
    logging: false,
    // useRequestBodyRules caps every POST body (the only kind Yoga reads) at BODY_LIMITS.graphql while
    // reading it; Yoga's own 25 MB cap would pipe each body through a second stream and Request for nothing
    // (about 0.3 ms of CPU per request, BENCHMARKS.md).
    maxRequestBodySize: false,
    // Refused with 415 by useRequestBodyRules before any parser could see it.
    multipart: false,
    // A public endpoint: refuse, before running anything, documents built to
    // exhaust the database or the event loop. Introspection stays allowed.
    plugins: [
      useRequestId(),
      useClientErrors(),
      useRequestBodyRules(),
      // Before every plugin that wraps execution, so they wrap the compiled code too.
      ...(options.compileQueries === false ? [] : [useCompiledExecution({ onCompiled: options.onCompiledQuery })]),
      useRateLimit(),
      maxDepthPlugin({ n: 10, ...documentLimit }),
      maxAliasesPlugin({ n: 20, ...documentLimit }),
      costLimitPlugin({ maxCost: 5000, ...documentLimit }),
    ],
    // Runs once per request: the caller is resolved (and provisioned) here, not per resolver.
    context: async ({ request, frontendSession }) => {
      authenticate ??= authenticatorFor(getEnv());
      const requestId = requestIdOf(request);
      try {
        const caller = await authenticate({ authorization: request.headers.get("authorization"), frontendSession });
        storage ??= getStorage();
        apiKeys ??= apiKeysFor(getEnv());
        const context = createContext({ requestId, identity: caller, storage, apiKeys, log });
        // An access log for credentials that outlive a session: which key (by id, never the secret), for whom.
        if (caller && caller.credential !== "session") context.log.info("request with a machine credential");
        return context;
      } catch (error) {
        if (error instanceof AppError && error.code === "UNAUTHENTICATED") {
          log.info("credential refused", { requestId, reason: error.details.reason ?? null, detail: error.message });
        }
        throw contextError(error, requestId);
      }
    },
  });
}
