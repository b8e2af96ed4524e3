-- =====================================================================
-- webhook_events remembers when each event happened
-- =====================================================================
-- Why: the webhook inbox (lib/webhooks/inbox.ts) re-applies unprocessed
-- events later (`npm run webhooks:retry`), from the row alone. Some effects
-- depend on when the provider says the event happened, not on when it was
-- retried: a Clerk user.deleted records its deletion time, and an older
-- profile must not overwrite a newer one. The delivery carries that time;
-- until now it was not stored.
--
-- Safe on production data: a nullable column, no rewrite. Rows recorded
-- before it have no value; the inbox falls back to created_at (when the
-- event first arrived) for them.

-- ---------------------------------------------------------------------
-- The column
-- ---------------------------------------------------------------------
alter table public.webhook_events add column occurred_at timestamptz;

comment on column public.webhook_events.occurred_at is
  'When the provider says the event happened (Clerk''s timestamp, Stripe''s created); null on rows from before 2026-12-01.';
