-- =====================================================================
-- Outbound webhooks: endpoints, messages, deliveries and their attempts
-- =====================================================================
-- Why: integrators learn that a generation finished only by polling. They
-- can now register an endpoint and be sent a signed POST (the Standard
-- Webhooks specification: webhook-id, webhook-timestamp, webhook-signature)
-- when one of their generations completes, fails or is deleted.
--
-- How an event can never be lost: the trigger below runs in the same
-- transaction as the change it reports, whichever code made it (the
-- pipeline, a worker's heartbeat failing an abandoned generation, a person's
-- soft delete through GraphQL or the Data API). It writes the message, one
-- delivery per subscribed endpoint, and a graphile-worker job per delivery
-- (graphile_worker.add_job, its public SQL API). If the transaction rolls
-- back, so does the event; if it commits, the job exists. Enqueueing from
-- application code after the status change could miss an event on a crash
-- between the two, and would have to be repeated at every place that sets
-- a status.
--
-- The worker (lib/outbound-webhooks/deliver.ts) sends each attempt, records
-- it, and schedules the next one on its own retry schedule.
--
-- What a person (role authenticated, GraphQL or the Data API) may do: manage
-- their own endpoints, never read an endpoint's sealed signing secret, and
-- read their own messages, deliveries and attempts. Only the server writes
-- those.
--
-- Safe on production data: new, empty tables and a new trigger.

-- ---------------------------------------------------------------------
-- 1. Endpoints
-- ---------------------------------------------------------------------
create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  url text not null check (char_length(url) between 8 and 2048 and url ~ '^https?://'),
  events text[] not null
    check (cardinality(events) between 1 and 3
           and events <@ array['generation.completed', 'generation.failed', 'generation.deleted']::text[]
           and array_position(events, null) is null),
  -- whsec_..., sealed by lib/secrets/box.ts under DATA_ENCRYPTION_KEY, bound to this row's id.
  secret_sealed text not null check (secret_sealed like 'enc:v1:%'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  disabled_at timestamptz,
  disabled_reason text check (disabled_reason in ('manual', 'failing')),
  -- Since when every attempt has failed (null after a success); 72 hours of it disable the endpoint.
  failing_since timestamptz,
  last_success_at timestamptz,
  constraint webhook_endpoints_disabled_has_reason check ((disabled_at is null) = (disabled_reason is null))
);
comment on table public.webhook_endpoints is
  'Where a person wants their generation events POSTed (Standard Webhooks). The signing secret is sealed and never readable by the API roles.';
create index webhook_endpoints_user_id_idx on public.webhook_endpoints (user_id, created_at desc);

-- ---------------------------------------------------------------------
-- 2. Messages, deliveries, attempts
-- ---------------------------------------------------------------------
-- A message is one event, signed and sent with the same webhook-id to every
-- endpoint (and on every retry), so a receiver can de-duplicate by it.
create table public.webhook_messages (
  id text primary key check (id ~ '^msg_[0-9a-f]{32}$'),
  user_id uuid not null references public.users (id) on delete cascade,
  type text not null check (type in ('generation.completed', 'generation.failed', 'generation.deleted', 'webhook.test')),
  payload jsonb not null,
  created_at timestamptz not null default now()
);
comment on table public.webhook_messages is 'Outbound webhook events: the exact JSON body every delivery of it sends.';
create index webhook_messages_user_id_idx on public.webhook_messages (user_id, created_at desc);

create table public.webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  message_id text not null references public.webhook_messages (id) on delete cascade,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempt_count integer not null default 0 check (attempt_count >= 0),
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  created_at timestamptz not null default now(),
  unique (message_id, endpoint_id)
);
comment on table public.webhook_deliveries is 'One message to one endpoint: its status and retry state.';
create index webhook_deliveries_endpoint_idx on public.webhook_deliveries (endpoint_id, created_at desc);
create index webhook_deliveries_user_id_idx on public.webhook_deliveries (user_id);

create table public.webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id uuid not null references public.webhook_deliveries (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  number integer not null check (number >= 1),
  attempted_at timestamptz not null default now(),
  succeeded boolean not null,
  -- The receiver's HTTP status, or null when there was none (refused target, timeout, connection error).
  response_status integer,
  error text check (error is null or char_length(error) <= 500),
  duration_ms integer not null check (duration_ms >= 0),
  manual boolean not null default false
);
comment on table public.webhook_attempts is 'Every attempt to deliver a webhook: when, what the receiver answered, how long it took.';
create index webhook_attempts_delivery_idx on public.webhook_attempts (delivery_id, number);
create index webhook_attempts_user_id_idx on public.webhook_attempts (user_id);

-- ---------------------------------------------------------------------
-- 3. Row-level security and grants
-- ---------------------------------------------------------------------
alter table public.webhook_endpoints enable row level security;
alter table public.webhook_messages enable row level security;
alter table public.webhook_deliveries enable row level security;
alter table public.webhook_attempts enable row level security;
revoke all on public.webhook_endpoints, public.webhook_messages, public.webhook_deliveries, public.webhook_attempts
  from anon, authenticated;

-- Endpoints: everything but the sealed secret is readable; a person writes
-- their own rows (the server checks URLs and makes secrets; whatever the
-- Data API writes is checked again when delivering).
grant select (id, user_id, url, events, created_at, updated_at, disabled_at, disabled_reason, failing_since, last_success_at)
  on public.webhook_endpoints to authenticated;
grant insert (id, user_id, url, events, secret_sealed) on public.webhook_endpoints to authenticated;
grant update (url, events, secret_sealed, updated_at, disabled_at, disabled_reason, failing_since)
  on public.webhook_endpoints to authenticated;
grant delete on public.webhook_endpoints to authenticated;

create policy webhook_endpoints_select_own on public.webhook_endpoints
  for select to authenticated using (user_id = (select private.requesting_user_id()));
create policy webhook_endpoints_insert_own on public.webhook_endpoints
  for insert to authenticated with check (user_id = (select private.requesting_user_id()));
create policy webhook_endpoints_update_own on public.webhook_endpoints
  for update to authenticated
  using (user_id = (select private.requesting_user_id()))
  with check (user_id = (select private.requesting_user_id()));
create policy webhook_endpoints_delete_own on public.webhook_endpoints
  for delete to authenticated using (user_id = (select private.requesting_user_id()));

-- Messages, deliveries, attempts: read-only, own rows.
grant select on public.webhook_messages, public.webhook_deliveries, public.webhook_attempts to authenticated;
create policy webhook_messages_select_own on public.webhook_messages
  for select to authenticated using (user_id = (select private.requesting_user_id()));
create policy webhook_deliveries_select_own on public.webhook_deliveries
  for select to authenticated using (user_id = (select private.requesting_user_id()));
create policy webhook_attempts_select_own on public.webhook_attempts
  for select to authenticated using (user_id = (select private.requesting_user_id()));

-- ---------------------------------------------------------------------
-- 4. Queueing a message's deliveries
-- ---------------------------------------------------------------------
-- One job per delivery, keyed by it, so a redelivery replaces a retry that
-- is only waiting. lib/outbound-webhooks/queue.ts names the same task.
create or replace function private.queue_webhook_message(
  owner uuid, message_id text, event_type text, payload jsonb, only_endpoint uuid default null
) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  delivery uuid;
  queued integer := 0;
begin
  if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
    raise exception 'The job queue is not installed'
      using errcode = '55000',
            hint = 'Run `npm run db:migrate` (or start a worker with `npm run worker`) against this database once.';
  end if;
  insert into public.webhook_messages (id, user_id, type, payload) values (message_id, owner, event_type, payload);
  for delivery in
    insert into public.webhook_deliveries (message_id, endpoint_id, user_id, next_attempt_at)
    select message_id, e.id, e.user_id, now()
      from public.webhook_endpoints e
     where e.user_id = owner and e.disabled_at is null
       and (e.id = only_endpoint or (only_endpoint is null and event_type = any (e.events)))
    returning id
  loop
    perform graphile_worker.add_job(
      'deliver_webhook',
      json_build_object('deliveryId', delivery, 'attempt', 1),
      job_key => 'webhook-delivery:' || delivery::text,
      max_attempts => 5
    );
    queued := queued + 1;
  end loop;
  return queued;
end
$$;
revoke all on function private.queue_webhook_message(uuid, text, text, jsonb, uuid) from public;

-- What a generation event says: its global id (base64 of `Generation:<id>`,
-- the API's own ids), format and status as the API spells them, and for a
-- completed one its output and how many images to fetch with
-- createGenerationDownloadUrl.
create or replace function private.webhook_generation_data(g public.generations, event_type text) returns jsonb
language sql stable
set search_path = ''
as $$
  select jsonb_strip_nulls(jsonb_build_object(
    'id', translate(encode(convert_to('Generation:' || g.id::text, 'UTF8'), 'base64'), E'\n', ''),
    'format', upper(g.output_format),
    'status', upper(g.status),
    'createdAt', to_char(g.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'completedAt', case when event_type = 'generation.completed'
                        then to_char(g.completed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end,
    'failureReason', case when event_type = 'generation.failed' then g.failure_reason end,
    'deletedAt', case when event_type = 'generation.deleted'
                      then to_char(g.deleted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end,
    'output', case when event_type = 'generation.completed' then jsonb_build_object(
      'bulletPoints', g.bullet_points,
      'slides', g.slides,
      'quote', g.quote,
      'imageCount', case when g.output_format = 'carousel' then coalesce(jsonb_array_length(g.slides), 1) else 1 end) end
  ))
$$;
revoke all on function private.webhook_generation_data(public.generations, text) from public;

create or replace function private.generation_webhook_event() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  event_type text;
  message_id text;
begin
  if old.deleted_at is null and new.deleted_at is not null then
    event_type := 'generation.deleted';
  elsif new.deleted_at is null and new.status in ('completed', 'failed') and new.status is distinct from old.status then
    event_type := 'generation.' || new.status;
  else
    return null;
  end if;
  -- Nobody listening: no message (the common case costs one index probe).
  if not exists (
    select 1 from public.webhook_endpoints e
     where e.user_id = new.user_id and e.disabled_at is null and event_type = any (e.events)
  ) then
    return null;
  end if;
  message_id := 'msg_' || replace(gen_random_uuid()::text, '-', '');
  perform private.queue_webhook_message(
    new.user_id,
    message_id,
    event_type,
    jsonb_build_object(
      'id', message_id,
      'type', event_type,
      'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', private.webhook_generation_data(new, event_type)
    )
  );
  return null;
end
$$;
revoke all on function private.generation_webhook_event() from public;

create trigger generations_webhook_event
  after update of status, deleted_at on public.generations
  for each row
  when ((old.deleted_at is null and new.deleted_at is not null)
        or (new.status is distinct from old.status and new.status in ('completed', 'failed')))
  execute function private.generation_webhook_event();

-- ---------------------------------------------------------------------
-- 5. What a person may ask of the queue: a test event, a redelivery
-- ---------------------------------------------------------------------
-- Both act only on the caller's own live endpoint, and return the delivery
-- they queued (null when there is no such endpoint or delivery for them).
create or replace function private.send_test_webhook(endpoint uuid) returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  owner uuid;
  new_message text := 'msg_' || replace(gen_random_uuid()::text, '-', '');
begin
  select e.user_id into owner from public.webhook_endpoints e
   where e.id = endpoint and e.user_id = private.requesting_user_id() and e.disabled_at is null;
  if owner is null then
    return null;
  end if;
  perform private.queue_webhook_message(owner, new_message, 'webhook.test', jsonb_build_object(
    'id', new_message,
    'type', 'webhook.test',
    'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'data', jsonb_build_object(
      'endpointId', translate(encode(convert_to('WebhookEndpoint:' || endpoint::text, 'UTF8'), 'base64'), E'\n', ''),
      'message', 'A test event from Postora: your endpoint received and verified it.')
  ), endpoint);
  return (select d.id from public.webhook_deliveries d where d.message_id = new_message);
end
$$;
revoke all on function private.send_test_webhook(uuid) from public;
grant execute on function private.send_test_webhook(uuid) to authenticated;

-- One attempt now (no automatic retries after it), replacing a retry that
-- is only waiting. The job names the next attempt's number, so a retry that
-- is already running and this one never both send it.
create or replace function private.redeliver_webhook(delivery uuid) returns uuid
language plpgsql volatile security definer
set search_path = ''
as $$
declare
  next_attempt integer;
begin
  update public.webhook_deliveries d
     set status = 'pending', next_attempt_at = now()
    from public.webhook_endpoints e
   where d.id = delivery and e.id = d.endpoint_id
     and d.user_id = private.requesting_user_id() and e.disabled_at is null
  returning d.attempt_count + 1 into next_attempt;
  if next_attempt is null then
    return null;
  end if;
  perform graphile_worker.add_job(
    'deliver_webhook',
    json_build_object('deliveryId', delivery, 'attempt', next_attempt, 'manual', true),
    job_key => 'webhook-delivery:' || delivery::text,
    max_attempts => 5
  );
  return delivery;
end
$$;
revoke all on function private.redeliver_webhook(uuid) from public;
grant execute on function private.redeliver_webhook(uuid) to authenticated;
