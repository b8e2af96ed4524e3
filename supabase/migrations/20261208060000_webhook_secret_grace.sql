-- =====================================================================
-- Webhook secret rotation with a grace period
-- =====================================================================
-- Why: rotating an endpoint's signing secret used to cut its receiver off
-- at once: every delivery from that moment was signed with the new secret
-- only, so a receiver that had not yet been given it refused (and lost)
-- events until its owner deployed the new secret. Now the previous secret
-- stays valid for a window (24 hours, lib/outbound-webhooks/secrets.ts):
-- during it each delivery carries two signatures in `webhook-signature`
-- (the Standard Webhooks header takes several, space-separated), one per
-- secret, and a receiver verifying with either accepts it.
--
-- The previous secret is kept sealed like the current one
-- (lib/secrets/box.ts, bound to the endpoint's id), is never readable by
-- the API roles, and is ignored once its window is over; the daily webhook
-- prune job then drops it.
--
-- Safe on production data: two nullable columns, no rewrite.

-- ---------------------------------------------------------------------
-- 1. The previous secret and when it stops signing
-- ---------------------------------------------------------------------
alter table public.webhook_endpoints
  add column previous_secret_sealed text check (previous_secret_sealed like 'enc:v1:%'),
  add column previous_secret_expires_at timestamptz,
  add constraint webhook_endpoints_previous_secret_has_expiry
    check ((previous_secret_sealed is null) = (previous_secret_expires_at is null));

comment on column public.webhook_endpoints.previous_secret_sealed is
  'The signing secret before the last rotation, sealed like secret_sealed; deliveries are also signed with it until previous_secret_expires_at.';
comment on column public.webhook_endpoints.previous_secret_expires_at is
  'When the previous signing secret stops signing deliveries (null when there is none).';

-- ---------------------------------------------------------------------
-- 2. Grants: the expiry is readable, the sealed secrets are not
-- ---------------------------------------------------------------------
-- The API roles may read when the old secret stops signing, never write
-- either column: only the rotation below moves a secret into them.
grant select (previous_secret_expires_at) on public.webhook_endpoints to authenticated;

-- ---------------------------------------------------------------------
-- 3. Rotating: the current secret becomes the previous one
-- ---------------------------------------------------------------------
-- The caller (the server, as the endpoint's owner) seals the new secret;
-- moving the old one needs to read secret_sealed, which the owner's role
-- may not, hence security definer with the owner checked here. The old
-- sealed value is bound to the endpoint's id, not to a column, so it opens
-- from previous_secret_sealed as it is. grace_hours 0 revokes it at once;
-- at most a week. Returns false when the endpoint is not the caller's.
create or replace function private.rotate_webhook_secret(endpoint uuid, new_secret_sealed text, grace_hours integer)
returns boolean
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  keep boolean := coalesce(grace_hours, 0) > 0;
begin
  update public.webhook_endpoints e set
    previous_secret_sealed = case when keep then e.secret_sealed end,
    previous_secret_expires_at = case when keep then now() + make_interval(hours => least(grace_hours, 24 * 7)) end,
    secret_sealed = new_secret_sealed,
    updated_at = now()
  where e.id = endpoint and e.user_id = private.requesting_user_id();
  return found;
end
$$;
revoke all on function private.rotate_webhook_secret(uuid, text, integer) from public;
grant execute on function private.rotate_webhook_secret(uuid, text, integer) to authenticated;
