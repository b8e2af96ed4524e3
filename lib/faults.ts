/**
 * The one place that decides "the database (or storage) is not available
 * right now, retry shortly" versus "this request is wrong" or "we have a bug".
 *
 * withUser/asService turn an unavailable database into
 * DatabaseUnavailableError (an AppError with code SERVICE_UNAVAILABLE), so
 * GraphQL answers it with that code and the request id, webhooks answer 5xx
 * (their providers retry), and storage routes answer 503. Storage adapters
 * use isUnavailable for their own network failures.
 */
import { AppError } from "@/lib/errors";
import { SupabaseStorageError } from "@/lib/storage/errors";

/** Socket-level failures: nothing answered, or the connection broke. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** postgres.js's own codes for a connection that could not be made or was lost. */
const DRIVER_CODES = new Set(["CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "POOL_TIMEOUT"]);

/**
 * SQLSTATEs that mean "the server cannot serve this now", not "the SQL is
 * wrong": class 08 (connection exceptions), 57P01-57P05 (admin/crash
 * shutdown, cannot connect now, idle session timeout), 53300 (too many
 * connections), 57014 (statement_timeout), 25P03 (idle in transaction
 * timeout), 55P03 (lock_timeout), 40P01 never: a deadlock is a real bug.
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith("08") || /^57P0[1-5]$/.test(code) || code === "53300" || code === "57014" || code === "25P03" || code === "55P03";
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True when the error says the database or storage is unreachable, shutting down, overloaded or timed out. */
export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  if (error instanceof DatabaseUnavailableError) return true;
  if (error instanceof SupabaseStorageError) return error.status === null || error.status >= 500 || error.status === 429;
  const code = codeOf(error);
  if (code && (NETWORK_CODES.has(code) || DRIVER_CODES.has(code))) return true;
  if (code && (error as { name?: string }).name === "PostgresError" && isUnavailableSqlState(code)) return true;
  // Node's happy-eyeballs connect reports every address's failure in an AggregateError.
  if (error instanceof AggregateError && error.errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return isUnavailable((error as { cause?: unknown }).cause, depth + 1);
}

/** The database could not answer: SERVICE_UNAVAILABLE, with the driver's error kept as the cause for the logs. */
export class DatabaseUnavailableError extends AppError {
  constructor(cause: unknown, reason = "The database is unavailable right now") {
    super("SERVICE_UNAVAILABLE", `${reason}. Nothing was changed; retry in a few seconds.`, { retryable: true });
    this.name = "DatabaseUnavailableError";
    this.cause = cause;
  }
}

/** Storage could not answer: SERVICE_UNAVAILABLE as well. */
class StorageUnavailableError extends AppError {
  constructor(cause: unknown) {
    super("SERVICE_UNAVAILABLE", "File storage is unavailable right now. Retry in a few seconds.", { retryable: true });
    this.name = "StorageUnavailableError";
    this.cause = cause;
  }
}

/** The AppError a client should see for an infrastructure fault, or null if the error is something else. */
export function unavailableError(error: unknown): AppError | null {
  if (error instanceof DatabaseUnavailableError || error instanceof StorageUnavailableError) return error;
  if (!isUnavailable(error)) return null;
  return error instanceof SupabaseStorageError ? new StorageUnavailableError(error) : new DatabaseUnavailableError(error);
}
