-- =====================================================================
-- A carousel's PDF is a kind of stored file
-- =====================================================================
-- Why: LinkedIn posts a carousel as a PDF document. Every completed
-- CAROUSEL gets one, beside its slides in postora-generations
-- (<users.id>/generation-<generations.id>.pdf), written by Postora only
-- (lib/generations/pdf.ts), under the same guard as every other file: a
-- live generation of that same user, through a server window. Adding the
-- row is all it takes (see 20261207010100_storage_file_kinds.sql): the
-- bucket starts accepting application/pdf, and the sweep removes a PDF
-- once its generation is gone.
--
-- Size: ten 1080x1350 slides make about 0.6 MB; the images' 10 MiB cap
-- leaves room and keeps the bucket's own limit where it was.

insert into private.storage_file_kinds (kind, bucket_id, name_pattern, live_query, content_types, max_bytes, writers, description)
values (
  'generation-pdf', 'postora-generations',
  '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/generation-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.pdf$',
  'select exists (select 1 from public.generations g where g.id = ($1)[2]::uuid and g.user_id = ($1)[1]::uuid and g.deleted_at is null)',
  array['application/pdf'], 10485760, array['server'],
  '<users.id>/generation-<generations.id>.pdf')
on conflict (kind) do nothing;
