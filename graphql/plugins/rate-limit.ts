/**
 * The per-caller rate limit (lib/rate-limit.ts) on every GraphQL request,
 * once the caller is known: per users.id for a signed-in caller, per client
 * IP for anyone else. Over the limit, the request runs nothing and answers
 * HTTP 429 with `extensions.code: "RATE_LIMITED"`, the seconds to wait in
 * `extensions.retryAfterSeconds` and the same in a `Retry-After` header.
 *
 * It is counted just before execution. A query's counter travels in the
 * message that opens the query's one transaction
 * (graphql/plugins/request-transaction.ts), so it costs no round trip of
 * its own; a mutation's is one statement on its own.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { serviceUnavailable } from "@/graphql/errors";
import { requestTransactionOf } from "@/graphql/plugins/request-transaction";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { clientIpOf } from "@/lib/http/client-ip";
import { hitRateLimit, type RateLimits } from "@/lib/rate-limit";

export function useRateLimit(options: { limits?: () => RateLimits } = {}): Plugin<GraphQLContext & { request: Request }> {
  const limits = options.limits ?? (() => getEnv().rateLimit);
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const context = args.contextValue as GraphQLContext & { request: Request };
      setExecuteFn(async (executionArgs) => {
        const subject = context.identity
          ? { userId: context.identity.userId }
          : { ip: clientIpOf(context.request.headers, getEnv().trustedProxyCount) };
        // Runs inside the transaction plugin's wrapper (registered after this one), so a query's transaction is known here.
        const shared = requestTransactionOf(context);
        const decision = await hitRateLimit(subject, limits(), shared?.openAfter).catch((error: unknown) => {
          if (error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") throw serviceUnavailable(error, context.requestId);
          throw error;
        });
        if (!decision.allowed) {
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
        }
        return executeFn(executionArgs);
      });
    },
  };
}
