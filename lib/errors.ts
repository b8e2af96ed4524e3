/**
 * Errors a client is meant to see, each with a stable machine-readable code.
 * lib/ stays free of GraphQL: graphql/errors.ts turns these into GraphQL
 * errors with `extensions.code`; anything else is masked and logged.
 */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "CONFLICT"
  | "FAILED_PRECONDITION"
  | "QUOTA_EXCEEDED"
  | "RATE_LIMITED"
  | "TOO_MANY_STREAMS"
  | "BILLING_NOT_CONFIGURED"
  | "SERVICE_UNAVAILABLE";

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Sign in first: send a valid Clerk session token as `Authorization: Bearer <token>`.") {
    super("UNAUTHENTICATED", message);
  }
}

/** Nothing by this id exists for the caller. `id` is as lib/ knows it; the API layer shows the client's own form. */
export class NotFoundError extends AppError {
  constructor(
    readonly what: string,
    readonly id: string,
  ) {
    super("NOT_FOUND", `No ${what} with id "${id}" exists for you.`, { id });
  }
}

/** Too many requests of one kind: `limitName` says which limit, `retryAfterSeconds` when to try again (HTTP 429, Retry-After). */
export class RateLimitedError extends AppError {
  constructor(message: string, details: { limitName: string; limit: number; retryAfterSeconds: number }) {
    super("RATE_LIMITED", message, details);
  }
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly field: string[],
  ) {
    super("BAD_USER_INPUT", message, { field: field.join(".") });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("CONFLICT", message, details);
  }
}

export class PreconditionError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("FAILED_PRECONDITION", message, details);
  }
}

/** This server cannot sell plans: Stripe is not configured (or not for this plan). Nothing the caller can fix. */
export class BillingNotConfiguredError extends AppError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("BILLING_NOT_CONFIGURED", message, details);
  }
}
