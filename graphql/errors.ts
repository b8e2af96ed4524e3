/**
 * The two tiers of errors. Expected failures (lib/errors AppError, GraphQL
 * validation, zod input errors) reach the client with a stable
 * `extensions.code`. Anything else is logged with the request id and
 * replaced by a masked error that carries only that id.
 */
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "@/graphql/context";
import { globalIdOf, NODE_TYPES } from "@/graphql/ids";
import { AppError, NotFoundError } from "@/lib/errors";
import { unavailableError } from "@/lib/faults";
import { logger } from "@/lib/log";

const log = logger.child({ source: "graphql" });

/** A NOT_FOUND whose id is already the one the client sent (a global id, or whatever malformed string it was). */
export class NotFoundAsSent extends NotFoundError {}

/**
 * lib/ names rows by their database ids; clients only ever see global ids.
 * A NOT_FOUND from lib/ is re-worded with the global id the client sent
 * (encoding is deterministic, so it is the same string).
 */
function asClientSees(error: AppError): AppError {
  if (!(error instanceof NotFoundError) || error instanceof NotFoundAsSent) return error;
  const typename = NODE_TYPES[error.what as keyof typeof NODE_TYPES];
  return typename ? new NotFoundAsSent(error.what, globalIdOf(typename, error.id)) : error;
}

/** `context`: the request's, whose logger names the caller's credential (key id) beside the request id. */
export function toClientError(error: GraphQLError, requestId: string, context?: GraphQLContext): GraphQLError {
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) {
    if (original instanceof GraphQLError) {
      return new GraphQLError(original.message, { nodes: error.nodes, path: error.path, extensions: original.extensions });
    }
    return error;
  }
  // The database or storage could not answer (lib/faults.ts decides): a retryable 503 with the request id.
  const fault = original instanceof AppError ? (original.code === "SERVICE_UNAVAILABLE" ? original : null) : unavailableError(original);
  if (fault) {
    log.warn("service unavailable while executing", { requestId, path: error.path?.join("."), error: original });
    return serviceUnavailable(fault, requestId, { nodes: error.nodes, path: error.path });
  }
  if (original instanceof AppError) {
    const shown = asClientSees(original);
    return new GraphQLError(shown.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: shown.code, ...shown.details },
    });
  }
  (context?.log ?? log).error("unexpected error while executing", { requestId, path: error.path?.join("."), error: original });
  return new GraphQLError(`Unexpected error. If it persists, contact support with request id ${requestId}.`, {
    nodes: error.nodes,
    path: error.path,
    extensions: { code: "INTERNAL_SERVER_ERROR", requestId },
  });
}

/** Retry-After for SERVICE_UNAVAILABLE: the database's connect timeout is seconds, so is a sensible retry. */
const RETRY_AFTER_SECONDS = 5;

/** SERVICE_UNAVAILABLE as clients see it: HTTP 503, Retry-After, and the request id to quote. */
export function serviceUnavailable(
  fault: AppError,
  requestId: string,
  location: { nodes?: GraphQLError["nodes"]; path?: GraphQLError["path"] } = {},
): GraphQLError {
  return new GraphQLError(`${fault.message} (request id ${requestId})`, {
    nodes: location.nodes,
    path: location.path,
    extensions: {
      code: "SERVICE_UNAVAILABLE",
      ...fault.details,
      requestId,
      http: { status: 503, headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } },
    },
  });
}

type Result = { errors?: readonly GraphQLError[] };

/** The result with each error as a client should see it. */
function withClientErrors<R extends Result>(result: R, context: GraphQLContext): R {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map((error) => toClientError(error, context.requestId, context)) };
}

export function useClientErrors(): Plugin<GraphQLContext> {
  return {
    // A subscription's refusal (before it streams) and each of its events, as for any operation.
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        const context = args.contextValue as GraphQLContext;
        if (!(Symbol.asyncIterator in result)) return setResult(withClientErrors(result, context));
        return { onNext: ({ result: event, setResult: setEvent }) => setEvent(withClientErrors(event, context)) };
      },
    }),
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result) return;
        if (!result.errors?.length) return;
        const context = args.contextValue as GraphQLContext;
        setResult({ ...result, errors: result.errors.map((error) => toClientError(error, context.requestId, context)) });
      },
    }),
  };
}
