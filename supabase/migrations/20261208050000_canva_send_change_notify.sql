-- =====================================================================
-- Live: a send to Canva changing state notifies like its generation
-- =====================================================================
-- Why: a send's status (queued, sending, ready, failed and its reason)
-- lives in private.canva_sends, not in public.generations, so the
-- generation change triggers of 20261207070000 heard only the last step
-- (canva_design_id). The dashboard follows a send through the live stream
-- (subscription generationUpdated, whose Generation.canva field reads the
-- send): each change of a send's state now notifies on the same channel,
-- with the same ids-only payload, as an "update" of its generation. A
-- listener re-reads the generation as its owner, as for any change.

create or replace function private.notify_canva_send_changed() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify(
    'postora_generation_changed',
    json_build_object('generationId', new.generation_id, 'userId', new.user_id, 'op', 'update')::text
  );
  return null;
end
$$;
revoke all on function private.notify_canva_send_changed() from public, anon, authenticated;

create trigger postora_canva_send_changed_insert
  after insert on private.canva_sends
  for each row execute function private.notify_canva_send_changed();

-- Only what a client sees of a send: its status, its reason, when it was asked for.
create trigger postora_canva_send_changed_update
  after update of status, failure_reason, requested_at on private.canva_sends
  for each row
  when ((old.status, old.failure_reason, old.requested_at) is distinct from (new.status, new.failure_reason, new.requested_at))
  execute function private.notify_canva_send_changed();
