/**
 * The per-caller rate limit (lib/rate-limit.ts) on every GraphQL request,
 * once the caller is known: per users.id for a signed-in caller, per client
 * IP for anyone else. Over the limit, the request runs nothing and answers
 * HTTP 429 with `extensions.code: "RATE_LIMITED"`, the seconds to wait in
 * `extensions.retryAfterSeconds` and the same in a `Retry-After` header.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { serviceUnavailable } from "@/graphql/errors";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { clientIpOf } from "@/lib/http/client-ip";
import { hitRateLimit, type RateLimits } from "@/lib/rate-limit";

export function useRateLimit(options: { limits?: () => RateLimits } = {}): Plugin<GraphQLContext & { request: Request }> {
  const limits = options.limits ?? (() => getEnv().rateLimit);
  return {
    onContextBuilding() {
      return async ({ context }) => {
        // Built by the context factory; a failed authentication never gets here.
        if (!("identity" in context)) return;
        const subject = context.identity
          ? { userId: context.identity.userId }
          : { ip: clientIpOf(context.request.headers, getEnv().trustedProxyCount) };
        const decision = await hitRateLimit(subject, limits()).catch((error: unknown) => {
          if (error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") throw serviceUnavailable(error, context.requestId);
          throw error;
        });
        if (decision.allowed) return;
        const who = context.identity ? "this account" : "your address";
        throw new GraphQLError(
          `Too many requests: ${who} may make ${decision.limit} per minute. Retry in ${decision.retryAfterSeconds} s.`,
          {
            extensions: {
              code: "RATE_LIMITED",
              limit: decision.limit,
              retryAfterSeconds: decision.retryAfterSeconds,
              http: { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
            },
          },
        );
      };
    },
  };
}
