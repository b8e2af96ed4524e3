/**
 * One transaction per query request. Each resolver's ctx.db(...) used to
 * open, use and commit a transaction of its own, so the list query
 * (viewer, then its generations) cost two transactions and six round trips.
 * For a query operation, every ctx.db call of the request now shares one
 * transaction as the caller (lib/db/client.ts sharedUserTransaction), opened
 * on first use and committed when execution ends: same role, same claims,
 * same RLS, fewer round trips. Mutations keep one transaction per call, so
 * each one commits or rolls back on its own.
 */
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { sharedUserTransaction } from "@/lib/db/client";

export function useOneTransactionPerQuery(): Plugin<GraphQLContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      const context = args.contextValue as GraphQLContext;
      setExecuteFn(async (executionArgs) => {
        const shared = sharedUserTransaction(context.identity);
        const own = context.db;
        context.db = shared.run;
        try {
          return await executeFn(executionArgs);
        } finally {
          context.db = own;
          await shared.end();
        }
      });
    },
  };
}
