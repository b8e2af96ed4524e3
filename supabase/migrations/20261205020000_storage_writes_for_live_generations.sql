-- =====================================================================
-- Deleted means gone: files only for live generations, through short windows
-- =====================================================================
-- Why: a signed upload URL stayed valid for two hours, could be reused and
-- overwrote. After deleteGeneration, or after user.deleted purged an
-- account, a PUT to the old URL brought the file back, and nothing ever
-- removed it. Checking in our route handlers is not enough: on Supabase the
-- upload goes to Supabase Storage, not to us, and Supabase's signed upload
-- URLs always last two hours (createSignedUploadUrl takes no lifetime).
--
-- Both storage adapters record every file in storage.objects: the local
-- adapter inserts the row itself (as the table owner) when it accepts an
-- upload, and Supabase Storage inserts it (as its own role, after checking
-- RLS with the caller's role) for both signed-URL and token uploads. So a
-- trigger on storage.objects is the one place every write passes. For the
-- postora-generations bucket it allows an insert or an update only when:
--
--   1. the name is <users.id>/generation-<generations.id>.png (or a
--      carousel slide, ...-slide-<n>.png) of a live generation (not
--      soft-deleted) of that same, existing user: a purged user's rows are
--      gone, so their files cannot come back;
--   2. an upload window for exactly that name is open: our server opens
--      one, for STORAGE_UPLOAD_URL_TTL_SECONDS (15 minutes by default),
--      each time it signs an upload URL (lib/storage/upload-window.ts), and
--      one for a minute before the pipeline stores a file it rendered;
--      each accepted write uses one up. So on both adapters a URL
--      works once and briefly, whatever its token says. Used and expired
--      windows are deleted by the sweep.
--
-- A refused write fails the whole upload: locally nothing is stored, and
-- Supabase Storage answers the upload with an error (it removes the object
-- it had staged when its database write fails). Files that outlive their
-- generation anyway (a crash between the database and the file, a removal
-- that failed) are removed by the periodic sweep (npm run storage:sweep,
-- lib/storage/sweep.ts).
--
-- A person writing through Supabase Storage with their own token (as
-- `authenticated`) is also held by the policies below: only their own
-- folder, only their own live generations' names, and never moving an
-- object to another name, bucket or owner.

-- ---------------------------------------------------------------------
-- 1. Upload windows
-- ---------------------------------------------------------------------
create table private.storage_upload_windows (
  id bigint generated always as identity primary key,
  bucket_id text not null,
  name text not null,
  expires_at timestamptz not null,
  -- The transaction that used the window (txid_current()); null while open.
  -- Writes later in that same transaction (an upsert's insert then update)
  -- still pass; no other transaction's do.
  used_by_transaction bigint
);
-- One window per signed URL (or pipeline write), not per name: a person's
-- upload and the pipeline's render of the same file may both be pending,
-- and each write uses up one window, whichever opened it.
create index storage_upload_windows_object on private.storage_upload_windows (bucket_id, name);
comment on table private.storage_upload_windows is
  'One permitted write per row, opened when the server signs an upload URL (or before the pipeline stores a file); used up by one accepted write, or closed by expiry.';
alter table private.storage_upload_windows enable row level security;
revoke all on private.storage_upload_windows from public, anon, authenticated;

-- ---------------------------------------------------------------------
-- 2. Every write to postora-generations: a live generation, an open window
-- ---------------------------------------------------------------------
-- security definer: Supabase Storage's role cannot read our tables, and
-- the rule is the same for every role, so the caller's role does not matter.
create or replace function private.guard_generation_file_write() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  parts text[];
  window_closes timestamptz;
begin
  if new.bucket_id is distinct from 'postora-generations' then
    return new;
  end if;
  -- A generation's cover, or (written by the pipeline) one of its carousel slides.
  parts := regexp_match(new.name, '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/generation-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(-slide-[1-9][0-9]{0,3})?\.png$');
  if parts is null then
    raise exception using
      errcode = '42501',
      message = format('postora-generations holds only <users.id>/generation-<generations.id>[-slide-<n>].png files, not %s.', new.name);
  end if;
  if not exists (
    select 1 from public.generations g
     where g.id = parts[2]::uuid and g.user_id = parts[1]::uuid and g.deleted_at is null
  ) then
    raise exception using
      errcode = '42501',
      message = format('No live generation owns %s: it was deleted (or its user was), so its file cannot be stored.', new.name);
  end if;
  -- One open window for this name: the one this transaction already used
  -- (an upsert writes twice), else the first to expire. SKIP LOCKED: two
  -- concurrent writes never share a window.
  update private.storage_upload_windows w
     set used_by_transaction = txid_current()
   where w.id = (
     select o.id from private.storage_upload_windows o
      where o.bucket_id = new.bucket_id and o.name = new.name
        and o.expires_at > now()
        and (o.used_by_transaction is null or o.used_by_transaction = txid_current())
      order by o.used_by_transaction is null, o.expires_at
      limit 1
      for update skip locked)
  returning w.expires_at into window_closes;
  if window_closes is null then
    raise exception using
      errcode = '42501',
      message = format('The upload URL for %s has expired or was already used.', new.name),
      hint = 'Ask for a new one (createGenerationUploadUrl).';
  end if;
  return new;
end
$$;
revoke all on function private.guard_generation_file_write() from public, anon, authenticated;

create trigger postora_generations_guard_file_write
  before insert or update of bucket_id, name, metadata, version on storage.objects
  for each row execute function private.guard_generation_file_write();

-- ---------------------------------------------------------------------
-- 3. A person's own writes through Supabase Storage
-- ---------------------------------------------------------------------
-- security invoker: the rule is about who the caller is.
create or replace function private.guard_person_object_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user in ('anon', 'authenticated')
     and (new.bucket_id is distinct from old.bucket_id or new.name is distinct from old.name
          or new.owner is distinct from old.owner or new.owner_id is distinct from old.owner_id) then
    raise exception using
      errcode = '42501',
      message = 'A stored object''s bucket, name and owner are not yours to change.';
  end if;
  return new;
end
$$;
revoke all on function private.guard_person_object_update() from public, anon, authenticated;

create trigger postora_generations_guard_person_update
  before update on storage.objects
  for each row execute function private.guard_person_object_update();

-- Writes only to your own live generations' names. The subquery runs as the
-- caller, so generations' own policy limits it to their live rows.
drop policy postora_generations_insert_own_folder on storage.objects;
drop policy postora_generations_update_own_folder on storage.objects;
create policy postora_generations_insert_own_generation on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'postora-generations'
    and name in (select g.user_id::text || '/generation-' || g.id::text || '.png' from public.generations g)
  );
create policy postora_generations_update_own_generation on storage.objects
  for update to authenticated
  using (
    bucket_id = 'postora-generations'
    and name in (select g.user_id::text || '/generation-' || g.id::text || '.png' from public.generations g)
  )
  with check (
    bucket_id = 'postora-generations'
    and name in (select g.user_id::text || '/generation-' || g.id::text || '.png' from public.generations g)
  );
