-- =====================================================================
-- Stored files as data: one table of allowed file kinds, one window per URL
-- =====================================================================
-- Why: the file-name pattern lived in three places (the guard trigger, the
-- sweep, the bucket's allowed types), so every new kind of file rewrote the
-- guard. And against the real Supabase Storage server the guard refused
-- every upload URL: signing test-inserts the object row (rolled back), so
-- the window must be open before signing, and a refused write must not
-- leave the window it was given open for another token of the same name.
--
-- 1. private.storage_file_kinds: one row per kind of file a bucket holds:
--    its name pattern, who owns it while it lives (a query), its content
--    types, its size cap and who may write it. The guard trigger, the sweep
--    (private.storage_object_is_live) and the bucket's own limits
--    (allowed_mime_types, file_size_limit, kept in step by a trigger on
--    this table) all read it.
--
--    HOW A LATER MIGRATION ADDS A KIND (a carousel PDF, a brand logo):
--      insert into private.storage_file_kinds
--        (kind, bucket_id, name_pattern, live_query, content_types, max_bytes, writers, description)
--      values ('generation-pdf', 'postora-generations',
--              '^(<uuid>)/generation-(<uuid>)\.pdf$',
--              'select exists (select 1 from public.generations g where g.id = ($1)[2]::uuid and g.user_id = ($1)[1]::uuid and g.deleted_at is null)',
--              array['application/pdf'], 26214400, array['server'],
--              '<users.id>/generation-<generations.id>.pdf');
--    Nothing else changes: the bucket starts accepting the type (and the
--    larger cap, if any), the guard accepts the name for live owners only,
--    and the sweep removes such files once their owner is gone. Rules:
--      - name_pattern: an anchored POSIX regex; its capture groups are
--        handed to live_query as $1 (text[]). Names must not match two
--        kinds (the first by kind name wins).
--      - live_query: one SQL query returning a boolean, true while the
--        file's owner lives; it runs as this table's owner, so it must
--        name every table with its schema.
--      - writers: 'person' (through a signed upload URL, or their own
--        token where a storage policy allows it) and/or 'server' (Postora
--        itself, with the key of a window it opened). Bucket-wide limits
--        are the largest cap and the union of the types; the per-kind ones
--        are checked by the guard on the write that records the file.
--    A new bucket gets its storage.buckets row (private) from the same
--    trigger.
--
-- 2. Upload windows are per signed URL and per server write:
--    - A URL window (no key) is opened BEFORE the URL is signed, and every
--      open URL window of a name is used up by the first accepted write of
--      that name by a person: a used URL never uploads again unless a new
--      URL has been signed since. Supabase Storage's write reaches the
--      database without the URL's token (as service_role), so the window
--      cannot know which URL wrote; closing them all is the strict reading.
--    - A server window has a random key; Postora's own write carries it in
--      user_metadata.postora_window_key (the guard removes it before the
--      row is stored) and uses only that window, so a person's pending URL
--      and the pipeline's render of the same file never use each other's.
--      Postora closes its window as soon as its write is done or refused.
--    - Windows opened before this migration are URL windows: those URLs
--      keep working until they expire.
--    - Refusals say what happened: the URL expired (an upload that
--      outlived its URL), was already used, or is unknown; each says to
--      ask for a new one.
--
-- 3. A person does not overwrite a stored file with their own token:
--    postora_generations_update_own_generation is dropped. Supabase Storage
--    writes owner_id (the token's sub) on the update half of such an upsert,
--    which private.guard_person_object_update refuses, so the policy could
--    never take effect. A person replaces their file through a new signed
--    URL (createGenerationUploadUrl). Their own-token insert is kept for
--    their own folder; the guard decides which names in it.
--
-- Everything here lives in schema private or is a trigger or policy on
-- storage.objects: hosted Supabase lets the postgres role create those,
-- not tables or functions in schema storage (supabase/migrations.test.ts).

-- ---------------------------------------------------------------------
-- 1. The kinds of file
-- ---------------------------------------------------------------------
create table private.storage_file_kinds (
  kind text primary key,
  bucket_id text not null,
  name_pattern text not null check (left(name_pattern, 1) = '^' and right(name_pattern, 1) = '$'),
  live_query text not null,
  content_types text[] not null check (cardinality(content_types) > 0),
  max_bytes bigint not null check (max_bytes > 0),
  writers text[] not null check (cardinality(writers) > 0 and writers <@ array['person', 'server']),
  description text not null
);
comment on table private.storage_file_kinds is
  'Every kind of file a storage bucket may hold: read by the storage.objects guard, the sweep and the bucket limits. Add a row to add a kind (see the header of its migration).';
alter table private.storage_file_kinds enable row level security;
revoke all on private.storage_file_kinds from public, anon, authenticated;

insert into private.storage_file_kinds (kind, bucket_id, name_pattern, live_query, content_types, max_bytes, writers, description)
values
  ('generation-image', 'postora-generations',
   '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/generation-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.png$',
   'select exists (select 1 from public.generations g where g.id = ($1)[2]::uuid and g.user_id = ($1)[1]::uuid and g.deleted_at is null)',
   array['image/png'], 10485760, array['person', 'server'],
   '<users.id>/generation-<generations.id>.png'),
  ('generation-slide', 'postora-generations',
   '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/generation-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-slide-[1-9][0-9]{0,3}\.png$',
   'select exists (select 1 from public.generations g where g.id = ($1)[2]::uuid and g.user_id = ($1)[1]::uuid and g.deleted_at is null)',
   array['image/png'], 10485760, array['server'],
   '<users.id>/generation-<generations.id>-slide-<n>.png');

-- The bucket's own limits follow the kinds: the largest cap, every type.
create or replace function private.sync_storage_buckets() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  insert into storage.buckets (id, name, public)
  select distinct k.bucket_id, k.bucket_id, false from private.storage_file_kinds k
  on conflict (id) do nothing;
  update storage.buckets b
     set allowed_mime_types = limits.types, file_size_limit = limits.cap
    from (select k.bucket_id,
                 array(select distinct t from private.storage_file_kinds k2, unnest(k2.content_types) t
                        where k2.bucket_id = k.bucket_id order by t) as types,
                 max(k.max_bytes) as cap
            from private.storage_file_kinds k group by k.bucket_id) limits
   where b.id = limits.bucket_id;
  return null;
end
$$;
revoke all on function private.sync_storage_buckets() from public, anon, authenticated;

create trigger storage_file_kinds_sync_buckets
  after insert or update or delete on private.storage_file_kinds
  for each statement execute function private.sync_storage_buckets();

-- Runs the trigger's work once now, for the rows above.
update private.storage_file_kinds set max_bytes = max_bytes;

-- Whether a stored object is one of its bucket's kinds and its owner lives (the sweep's question).
create or replace function private.storage_object_is_live(bucket text, object_name text) returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  k private.storage_file_kinds;
  alive boolean;
begin
  select * into k from private.storage_file_kinds
   where bucket_id = bucket and object_name ~ name_pattern
   order by kind limit 1;
  if not found then
    return false;
  end if;
  execute k.live_query into alive using regexp_match(object_name, k.name_pattern);
  return coalesce(alive, false);
end
$$;
revoke all on function private.storage_object_is_live(text, text) from public, anon, authenticated;

-- ---------------------------------------------------------------------
-- 2. Windows: per URL, or per server write with a key
-- ---------------------------------------------------------------------
alter table private.storage_upload_windows
  add column server_key text,
  add column opened_at timestamptz not null default now();
create unique index storage_upload_windows_server_key on private.storage_upload_windows (server_key) where server_key is not null;
comment on column private.storage_upload_windows.server_key is
  'Null: a signed URL''s window, used up (with every other open URL window of its name) by the first accepted write of the name. Set: one server write''s window, used only by a write carrying this key in user_metadata.postora_window_key.';

-- ---------------------------------------------------------------------
-- 3. The guard, reading the kinds
-- ---------------------------------------------------------------------
-- security definer: Supabase Storage's role cannot read our tables, and
-- the rule is the same for every role. It fires for the server's test
-- insert at signing and at upload (both rolled back) and for the write
-- that records the file (an INSERT ... ON CONFLICT DO UPDATE: the insert
-- half, then the update half, in one transaction).
create or replace function private.guard_generation_file_write() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  k private.storage_file_kinds;
  alive boolean;
  key text := new.user_metadata ->> 'postora_window_key';
  used integer;
  last_used boolean;
begin
  if not exists (select 1 from private.storage_file_kinds f where f.bucket_id = new.bucket_id) then
    return new;
  end if;
  -- The key opened one write; it is never stored.
  if new.user_metadata ? 'postora_window_key' then
    new.user_metadata := new.user_metadata - 'postora_window_key';
  end if;
  select * into k from private.storage_file_kinds f
   where f.bucket_id = new.bucket_id and new.name ~ f.name_pattern
   order by f.kind limit 1;
  if not found then
    raise exception using
      errcode = '42501',
      message = format('%s holds only %s files, not %s.', new.bucket_id,
        (select string_agg(f.description, ', ' order by f.kind) from private.storage_file_kinds f where f.bucket_id = new.bucket_id),
        new.name);
  end if;
  execute k.live_query into alive using regexp_match(new.name, k.name_pattern);
  if alive is not true then
    raise exception using
      errcode = '42501',
      message = format('Nothing live owns %s: it was deleted (or its user was), so its file cannot be stored.', new.name);
  end if;
  -- The write that records the file carries its size and type (the test inserts do not).
  if new.metadata ? 'size' then
    if not coalesce(new.metadata ->> 'mimetype', '') = any (k.content_types) then
      raise exception using
        errcode = '42501',
        message = format('%s must be %s, not %s.', new.name, array_to_string(k.content_types, ' or '), coalesce(new.metadata ->> 'mimetype', 'untyped'));
    end if;
    if (new.metadata ->> 'size')::bigint > k.max_bytes then
      raise exception using
        errcode = '42501',
        message = format('%s is %s bytes; files of this kind may be at most %s bytes.', new.name, new.metadata ->> 'size', k.max_bytes);
    end if;
  end if;

  -- An upsert writes twice in one transaction: the window its first half used covers the second.
  if exists (select 1 from private.storage_upload_windows w
              where w.bucket_id = new.bucket_id and w.name = new.name and w.used_by_transaction = txid_current()) then
    return new;
  end if;
  -- Postora's own write: the one window its key names.
  if key is not null and 'server' = any (k.writers) then
    update private.storage_upload_windows w
       set used_by_transaction = txid_current()
     where w.server_key = key and w.bucket_id = new.bucket_id and w.name = new.name
       and w.used_by_transaction is null and w.expires_at > now();
    if found then
      return new;
    end if;
    if exists (select 1 from private.storage_upload_windows w where w.server_key = key) then
      raise exception using
        errcode = '42501',
        message = format('Postora''s write window for %s closed before the write reached the database: write it again.', new.name);
    end if;
  end if;
  if not 'person' = any (k.writers) then
    raise exception using
      errcode = '42501',
      message = format('Only Postora writes %s files (%s).', k.description, new.name);
  end if;
  -- A person's write: every open URL window of the name is used up by it.
  -- No SKIP LOCKED: a concurrent write waits, then finds them used.
  update private.storage_upload_windows w
     set used_by_transaction = txid_current()
   where w.bucket_id = new.bucket_id and w.name = new.name and w.server_key is null
     and w.used_by_transaction is null and w.expires_at > now();
  get diagnostics used = row_count;
  if used > 0 then
    return new;
  end if;
  -- Why not: the name's latest URL window says (windows are per name, the write does not name its URL).
  select w.used_by_transaction is not null into last_used
    from private.storage_upload_windows w
   where w.bucket_id = new.bucket_id and w.name = new.name and w.server_key is null
   order by w.opened_at desc, w.id desc limit 1;
  if last_used then
    raise exception using
      errcode = '42501',
      message = format('%s: this upload URL was already used: ask for a new one (createGenerationUploadUrl).', new.name);
  elsif not last_used then
    raise exception using
      errcode = '42501',
      message = format('%s: this upload URL has expired: ask for a new one (createGenerationUploadUrl).', new.name);
  end if;
  raise exception using
    errcode = '42501',
    message = format('%s: this upload URL has expired or was already used: ask for a new one (createGenerationUploadUrl).', new.name);
end
$$;
revoke all on function private.guard_generation_file_write() from public, anon, authenticated;

-- The trigger itself (postora_generations_guard_file_write, before insert
-- or update of bucket_id, name, metadata, version) stays as it is: every
-- write of a file's bytes sets metadata and version.

-- ---------------------------------------------------------------------
-- 4. A person's own token: insert into their own folder, never overwrite
-- ---------------------------------------------------------------------
drop policy postora_generations_update_own_generation on storage.objects;
drop policy postora_generations_insert_own_generation on storage.objects;
create policy postora_generations_insert_own_folder on storage.objects
  for insert to authenticated
  with check (bucket_id = 'postora-generations'
              and (storage.foldername(name))[1] = (select private.requesting_user_id()::text));
