/**
 * The per-caller rate limit (lib/rate-limit.ts) on every GraphQL operation,
 * once the caller is known: per users.id for a signed-in caller, per client
 * IP for anyone else. A decision, taken before anything runs: the request
 * is counted with one statement of its own (private.count_request, on the
 * pool as the service role, so its row lock lasts only for that statement),
 * then it either runs unchanged or runs nothing and answers HTTP 429 with
 * `extensions.code: "RATE_LIMITED"`, the limit it hit (`limitName`,
 * `limit`), the seconds to wait in `extensions.retryAfterSeconds` and the
 * same in a `Retry-After` header. The context is not touched.
 *
 * Credentials are limited earlier and separately: a client address with too
 * many failed authentications is refused before its credential is looked
 * up (lib/auth/failed-auth-gate.ts, in the context's authentication).
 *
 * A subscription is counted once, when it opens, before its stream starts;
 * its events and the SSE heartbeats that keep it open are never counted.
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
      limitName: signedIn ? "requests-per-account" : "requests-per-address",
      limit: decision.limit,
      retryAfterSeconds: decision.retryAfterSeconds,
      http: { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
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
    async onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as GraphQLContext & { request: Request };
      let decision: RateLimitDecision;
      try {
        decision = await hitRateLimit(subjectOf(context), limits());
      } catch (error) {
        if (error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") {
          setResultAndStopExecution({ errors: [serviceUnavailable(error, context.requestId)] });
          return;
        }
        throw error;
      }
      if (!decision.allowed) setResultAndStopExecution({ errors: [limited(decision, context.identity !== null)] });
    },
  };
}
