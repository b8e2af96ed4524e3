/**
 * The database refuses a generation over the tier's monthly limit with
 * SQLSTATE PT429 (private.generations_take_quota; PostgREST answers HTTP
 * 429 for it on the Data API). This turns that refusal into the error a
 * client branches on: QUOTA_EXCEEDED with the limit and when it resets.
 */
import type postgres from "postgres";
import { AppError } from "@/lib/errors";

const QUOTA_SQLSTATE = "PT429";

export class QuotaExceededError extends AppError {
  constructor(message: string, details: { tier: string; limit: number; used: number; resetsAt: string }) {
    super("QUOTA_EXCEEDED", message, details);
  }
}

/** The QUOTA_EXCEEDED error a database error stands for, or null when it is something else. */
function quotaExceededFrom(error: unknown): QuotaExceededError | null {
  // By shape, not instanceof: the driver can be loaded twice (ESM and CommonJS).
  if (!(error instanceof Error) || (error as Partial<postgres.PostgresError>).code !== QUOTA_SQLSTATE) return null;
  const { detail: rawDetail } = error as Partial<postgres.PostgresError>;
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(rawDetail ?? "{}") as Record<string, unknown>;
  } catch {
    // The message alone still says what happened.
  }
  return new QuotaExceededError(error.message, {
    tier: String(detail.tier ?? ""),
    limit: Number(detail.limit),
    used: Number(detail.used),
    resetsAt: String(detail.resetsAt ?? ""),
  });
}

/** Runs a statement that inserts generations; a quota refusal becomes QUOTA_EXCEEDED. */
export async function withinQuota<T>(insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    throw quotaExceededFrom(error) ?? error;
  }
}
