/**
 * How a query request reads: every resolver's ctx.db(...) call of a query
 * operation runs through lib/db/client.ts userReads, as the caller, each in
 * a transaction of its own that costs one round trip (a first page, say, is
 * one message: RLS context and statement), with the rate limit's counter
 * (graphql/plugins/rate-limit.ts) in front of the first one. Same role, same claims, same RLS as withUser.
 * Mutations keep withUser's one transaction per call, which waits for each
 * statement, so each one commits or rolls back on its own.
 */
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { userReads } from "@/lib/db/client";

type RequestReads = ReturnType<typeof userReads>;

const reads = new WeakMap<GraphQLContext, RequestReads>();

/** This query request's reads, or undefined for a mutation (or a request this plugin does not run on). */
export function requestReadsOf(context: GraphQLContext): RequestReads | undefined {
  return reads.get(context);
}

export function usePipelinedReads(): Plugin<GraphQLContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      const context = args.contextValue as GraphQLContext;
      const requestReads = userReads(context.identity);
      reads.set(context, requestReads);
      setExecuteFn(async (executionArgs) => {
        const own = context.db;
        context.db = requestReads.run;
        try {
          return await executeFn(executionArgs);
        } finally {
          context.db = own;
          reads.delete(context);
        }
      });
    },
  };
}
