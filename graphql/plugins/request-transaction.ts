/**
 * One transaction per query request. Each resolver's ctx.db(...) used to
 * open, use and commit a transaction of its own, so the list query
 * (viewer, then its generations) cost two transactions and six round trips.
 * For a query operation, every ctx.db call of the request now shares one
 * transaction as the caller (lib/db/client.ts sharedUserTransaction), opened
 * on first use (or at once by the rate limit, graphql/plugins/rate-limit.ts,
 * whose counter travels in the message that opens it) and committed when
 * execution ends: same role, same claims, same RLS, fewer round trips.
 * Mutations keep one transaction per call, so each one commits or rolls back
 * on its own.
 */
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { sharedUserTransaction } from "@/lib/db/client";

type SharedTransaction = ReturnType<typeof sharedUserTransaction>;

const transactions = new WeakMap<GraphQLContext, SharedTransaction>();

/** The one transaction of this query request, or undefined for a mutation (or a request this plugin does not run on). */
export function requestTransactionOf(context: GraphQLContext): SharedTransaction | undefined {
  return transactions.get(context);
}

export function useOneTransactionPerQuery(): Plugin<GraphQLContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      const context = args.contextValue as GraphQLContext;
      const shared = sharedUserTransaction(context.identity);
      transactions.set(context, shared);
      setExecuteFn(async (executionArgs) => {
        const own = context.db;
        context.db = shared.run;
        try {
          return await executeFn(executionArgs);
        } finally {
          context.db = own;
          transactions.delete(context);
          await shared.end();
        }
      });
    },
  };
}
