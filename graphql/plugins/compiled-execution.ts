/**
 * Executes a query the API has already run twice as JavaScript compiled for
 * that document (graphql-jit) instead of walking it with the interpreter,
 * which saves CPU on every list request (BENCHMARKS.md). Same schema,
 * resolvers, Pothos wrappers, errors and masking; only the walk over the
 * selection set and the coercion of variables are generated code.
 *
 * Registered first among the plugins that wrap execution, so the rate limit
 * (graphql/plugins/rate-limit.ts) wraps the compiled code as it wraps the
 * interpreter.
 *
 * A compiled run that reports any error is run again on the interpreter,
 * whose answer the client gets (see below why): only queries that succeed
 * take the fast path, and a query's answer never depends on which path it
 * took. Queries read; running one twice changes nothing.
 *
 * Four limits keep it safe on a public endpoint:
 * - only a document seen before is compiled. Compiling costs far more than
 *   executing once, so a client sending a new document every time would
 *   otherwise make the server compile on every request. Documents are
 *   counted by the parsed document Yoga's parse cache hands back (one object
 *   per distinct source while it is cached) and held weakly, so the counts
 *   and the compiled code go when the cache lets the document go;
 * - compiling has a budget: the largest document the depth, alias and cost
 *   limits let through takes tens of times longer to compile than the list
 *   query, so a client sending each of many such documents three times
 *   could keep the event loop compiling. At most COMPILE_BUDGET compiles
 *   run back to back, refilled at one a second; past it, documents run on
 *   the interpreter until the budget allows;
 * - only queries with exactly one operation, so what is compiled is exactly
 *   what every request with that document runs; mutations, which run once
 *   per intent and carry large inputs, stay on the interpreter;
 * - a document graphql-jit cannot compile runs on the interpreter.
 */
import { Kind, type DocumentNode, type ExecutionResult } from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import type { Plugin } from "graphql-yoga";

/** Runs this many times on the interpreter before it is compiled. */
const RUNS_BEFORE_COMPILING = 2;

/** Compiles allowed back to back; one more each second, up to this many. */
const COMPILE_BUDGET = 20;

/** A token bucket: take() says whether a compile may run now. */
function compileBudget(capacity: number, perSecond: number) {
  let tokens = capacity;
  let refilledAt = performance.now();
  return {
    take(): boolean {
      const now = performance.now();
      tokens = Math.min(capacity, tokens + ((now - refilledAt) / 1000) * perSecond);
      refilledAt = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

type Entry = { name: string | null; runs: number; compiled: CompiledQuery | null };

/** A document whose only operation is a query: that operation's name (null if anonymous); else undefined. */
function singleQuery(document: DocumentNode): { name: string | null } | undefined {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || operation!.operation !== "query") return undefined;
  return { name: operation!.name?.value ?? null };
}

export function useCompiledExecution(options: { onCompiled?: (operationName: string | null) => void } = {}): Plugin {
  const entries = new WeakMap<DocumentNode, Entry | null>();
  const budget = compileBudget(COMPILE_BUDGET, 1);
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      let entry = entries.get(args.document);
      if (entry === undefined) {
        const query = singleQuery(args.document);
        entry = query ? { name: query.name, runs: 0, compiled: null } : null;
        entries.set(args.document, entry);
      }
      // A request naming another operation gets the interpreter's answer (an unknown operation).
      if (!entry || (args.operationName != null && args.operationName !== entry.name)) return;
      if (!entry.compiled) {
        entry.runs += 1;
        if (entry.runs <= RUNS_BEFORE_COMPILING || !budget.take()) return;
        const compiled = compileQuery(args.schema, args.document, args.operationName ?? undefined);
        if (!isCompiledQuery(compiled)) {
          entries.set(args.document, null);
          return;
        }
        entry.compiled = compiled;
        options.onCompiled?.(entry.name);
      }
      const { query } = entry.compiled;
      setExecuteFn(async (execution) => {
        const result = await query(execution.rootValue, execution.contextValue, execution.variableValues);
        // Errors are answered by the interpreter: graphql-jit words refused variables differently, leaves out
        // `locations`, and loses the HTTP status an error carries (a 401 became a 200). Clients get one answer
        // whichever path their request took; a query that fails costs two runs, one that succeeds one fast one.
        if (result.errors?.length) return executeFn(execution) as ExecutionResult | Promise<ExecutionResult>;
        return result as ExecutionResult;
      });
    },
  };
}
