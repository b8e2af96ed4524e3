/**
 * The per-caller rate limit (lib/rate-limit.ts) on every GraphQL request,
 * once the caller is known: per users.id for a signed-in caller, per client
 * IP for anyone else. Over the limit, the request runs nothing and answers
 * HTTP 429 with `extensions.code: "RATE_LIMITED"`, the seconds to wait in
 * `extensions.retryAfterSeconds` and the same in a `Retry-After` header.
 *
 * A mutation is counted on its own statement before it runs. A query's
 * counter travels in the message of the query's first read
 * (graphql/plugins/request-transaction.ts), ahead of it, so it costs no
 * round trip of its own; past the limit the database refuses that
 * read, and the answer is the refusal. Calls to other services (storage,
 * API keys) wait for the decision; a query that reads nothing and calls
 * nothing is counted once it has run.
 *
 * A subscription is counted once, when it opens, before its stream starts;
 * its events and the SSE heartbeats that keep it open are never counted.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { serviceUnavailable } from "@/graphql/errors";
import { requestReadsOf } from "@/graphql/plugins/request-transaction";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { clientIpOf } from "@/lib/http/client-ip";
import { hitRateLimit, isRateLimitRefusal, rateLimitDecision, rateLimitStatement, type RateLimitDecision, type RateLimits } from "@/lib/rate-limit";

function limited(decision: Extract<RateLimitDecision, { allowed: false }>, signedIn: boolean): GraphQLError {
  const who = signedIn ? "this account" : "your address";
  return new GraphQLError(`Too many requests: ${who} may make ${decision.limit} per minute. Retry in ${decision.retryAfterSeconds} s.`, {
    extensions: {
      code: "RATE_LIMITED",
      limit: decision.limit,
      retryAfterSeconds: decision.retryAfterSeconds,
      http: { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
    },
  });
}

/** The service with every method waiting for `admitted()` first (all of FileStorage's and ApiKeyService's are async). */
function afterAdmission<T extends object>(service: T, admitted: () => Promise<void>): T {
  return new Proxy(service, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await admitted();
        return Reflect.apply(value, target, args) as unknown;
      };
    },
  });
}

export function useRateLimit(options: { limits?: () => RateLimits } = {}): Plugin<GraphQLContext & { request: Request }> {
  const limits = options.limits ?? (() => getEnv().rateLimit);
  const subjectOf = (context: GraphQLContext & { request: Request }) =>
    context.identity ? { userId: context.identity.userId } : { ip: clientIpOf(context.request.headers, getEnv().trustedProxyCount) };
  return {
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const context = args.contextValue as GraphQLContext & { request: Request };
      setSubscribeFn(async (subscribeArgs) => {
        const decision = await hitRateLimit(subjectOf(context), limits()).catch((error: unknown) => {
          if (error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") throw serviceUnavailable(error, context.requestId);
          throw error;
        });
        if (!decision.allowed) throw limited(decision, context.identity !== null);
        return subscribeFn(subscribeArgs);
      });
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue as GraphQLContext & { request: Request };
      setExecuteFn(async (executionArgs) => {
        const subject = subjectOf(context);
        const refuse = (decision: RateLimitDecision) => {
          if (!decision.allowed) throw limited(decision, context.identity !== null);
        };
        const unavailable = (error: unknown): never => {
          if (error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") throw serviceUnavailable(error, context.requestId);
          throw error;
        };
        // Runs inside the reads plugin's wrapper (registered after this one), so a query's reads are known here.
        const shared = requestReadsOf(context);
        const statement = shared ? rateLimitStatement(subject, limits()) : null;
        if (!shared || !statement) {
          // A mutation: counted on its own, and decided before anything runs.
          refuse(await hitRateLimit(subject, limits()).catch(unavailable));
          return executeFn(executionArgs);
        }
        // A query: counted in the message of its first read, ahead of that read. Over
        // the limit the read fails unread (lib/db/client.ts), and the answer is the refusal, not the result.
        shared.lead(statement, isRateLimitRefusal);
        let admission: Promise<void> | null = null;
        const admitted = () => (admission ??= rateLimitDecision(shared.leadResult()).catch(unavailable).then(refuse));
        // Storage and API-key calls go to other services: they wait for the decision (counted on its own if no read has carried it yet).
        const { storage, apiKeys } = context;
        context.storage = afterAdmission(storage, admitted);
        context.apiKeys = afterAdmission(apiKeys, admitted);
        let result: Awaited<ReturnType<typeof executeFn>>;
        try {
          result = await executeFn(executionArgs);
        } catch (error) {
          await admitted().catch(() => {});
          throw error;
        } finally {
          context.storage = storage;
          context.apiKeys = apiKeys;
        }
        await admitted();
        return result;
      });
    },
  };
}
