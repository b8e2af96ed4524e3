/**
 * The per-caller rate limit (lib/rate-limit.ts) on every GraphQL request,
 * once the caller is known: per users.id for a signed-in caller, per client
 * IP for anyone else. Over the limit, the request runs nothing and answers
 * HTTP 429 with `extensions.code: "RATE_LIMITED"`, the seconds to wait in
 * `extensions.retryAfterSeconds` and the same in a `Retry-After` header.
 *
 * Each request is counted on its own statement before it runs.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { serviceUnavailable } from "@/graphql/errors";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { clientIpOf } from "@/lib/http/client-ip";
import { hitRateLimit, type RateLimitDecision, type RateLimits } from "@/lib/rate-limit";

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

export function useRateLimit(options: { limits?: () => RateLimits } = {}): Plugin<GraphQLContext & { request: Request }> {
  const limits = options.limits ?? (() => getEnv().rateLimit);
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue as GraphQLContext & { request: Request };
      setExecuteFn(async (executionArgs) => {
        const subject = context.identity
          ? { userId: context.identity.userId }
          : { ip: clientIpOf(context.request.headers, getEnv().trustedProxyCount) };
        const refuse = (decision: RateLimitDecision) => {
          if (!decision.allowed) throw limited(decision, context.identity !== null);
        };
        const unavailable = (error: unknown): never => {
          if (error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") throw serviceUnavailable(error, context.requestId);
          throw error;
        };
        refuse(await hitRateLimit(subject, limits()).catch(unavailable));
        return executeFn(executionArgs);
      });
    },
  };
}
