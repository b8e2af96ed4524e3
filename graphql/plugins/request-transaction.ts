/**
 * How a query request reads: every resolver's ctx.db(...) call of a query
 * operation runs through lib/db/client.ts userReads, as the caller, each in
 * a transaction of its own that costs one round trip (a first page, say, is
 * one message: RLS context and statement). Same role, same claims, same RLS as withUser.
 * Mutations keep withUser's one transaction per call, which waits for each
 * statement, so each one commits or rolls back on its own.
 */
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { userReads } from "@/lib/db/client";

export function usePipelinedReads(): Plugin<GraphQLContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      const context = args.contextValue as GraphQLContext;
      const requestReads = userReads(context.identity);
      setExecuteFn(async (executionArgs) => {
        const own = context.db;
        context.db = requestReads.run;
        try {
          return await executeFn(executionArgs);
        } finally {
          context.db = own;
        }
      });
    },
  };
}
