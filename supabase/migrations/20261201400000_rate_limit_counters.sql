-- =====================================================================
-- Rate limit counters
-- =====================================================================
-- Why: the API limits how many requests a caller makes per minute (per user,
-- higher for paid tiers; per client IP for anonymous callers). The limit
-- must hold across every server instance, so the count lives here, not in
-- process memory. Each request costs one statement: an upsert that bumps
-- the caller's counter for the current minute (lib/rate-limit.ts).
--
-- One row per subject ("user:<users.id>" or "ip:<address>"), reset in place
-- when a new minute starts, so the table never grows per request.
-- UNLOGGED: counters are worth nothing after a crash (Postgres empties the
-- table on crash recovery, which only forgives one minute), and skipping the
-- WAL keeps the per-request write cheap. Only the server's own role (the
-- service path) touches it: no grants to anon or authenticated, and it lives
-- in `private`, which the Data API does not expose.

-- ---------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------
create unlogged table private.rate_limit_counters (
  subject text primary key check (length(subject) between 1 and 200),
  window_start timestamptz not null,
  hits integer not null check (hits >= 0)
);

comment on table private.rate_limit_counters is
  'Requests per subject (user:<id> or ip:<address>) in the current one-minute window; see lib/rate-limit.ts.';

-- ---------------------------------------------------------------------
-- Privileges: the service path only
-- ---------------------------------------------------------------------
alter table private.rate_limit_counters enable row level security;
revoke all on private.rate_limit_counters from public, anon, authenticated;
