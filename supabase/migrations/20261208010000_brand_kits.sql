-- =====================================================================
-- Brand kits: a person's name, handle, colours, font and logo on every card
-- =====================================================================
-- Why: every slide looked the same for every person. A brand kit is one row
-- per person (lib/brand/kits.ts): the name and handle in each card's footer,
-- the background and accent colours, one of the bundled font families
-- (lib/render/fonts.ts), and whether their uploaded logo is used. The
-- pipeline reads it when it renders (lib/generations/pipeline.ts), so a
-- change never touches finished files and a retry renders with the kit as
-- it is then.
--
-- 1. public.brand_kits, keyed by the user, RLS on the Clerk user id like
--    every other table. A person reads and writes their own row, through
--    GraphQL (updateBrandKit) or the Data API. text_color is the database's:
--    a trigger picks white or near-black, whichever contrasts more with the
--    background, and refuses a kit whose text falls under WCAG AA (4.5:1)
--    or whose accent falls under 3:1 against the background, whoever
--    writes it. The server checks the same first, to answer per field.
-- 2. The logo is a kind of stored file (see the header of
--    20261207010100_storage_file_kinds.sql): <users.id>/brand-logo, a PNG
--    or an SVG of at most 512 KiB, written by its person through a signed
--    URL (createBrandLogoUploadUrl), live while the person is. The bucket
--    starts accepting image/svg+xml; only this kind allows it.
--
-- Safe on production data: a new, empty table, a new trigger, a new row.

-- ---------------------------------------------------------------------
-- 1. The kits
-- ---------------------------------------------------------------------
create table public.brand_kits (
  user_id uuid primary key references public.users (id) on delete cascade,
  display_name text not null default '' check (char_length(display_name) <= 60),
  handle text not null default '' check (char_length(handle) <= 40),
  background_color text not null check (background_color ~ '^#[0-9a-f]{6}$'),
  accent_color text not null check (accent_color ~ '^#[0-9a-f]{6}$'),
  -- Set by brand_kits_contrast below, never by a writer.
  text_color text not null default '#ffffff' check (text_color in ('#ffffff', '#111111')),
  font_family text not null default 'sans' check (font_family in ('sans', 'serif', 'rounded', 'mono')),
  -- True: cards carry the file at <users.id>/brand-logo (checked when set, and again at every render).
  logo boolean not null default false,
  updated_at timestamptz not null default now()
);
comment on table public.brand_kits is
  'A person''s brand kit: what every card they generate carries (name, handle, colours, font, logo). text_color is chosen by the database for contrast.';

-- WCAG 2.x relative luminance of #rrggbb.
create or replace function private.relative_luminance(hex text) returns double precision
language sql
immutable
set search_path = ''
as $$
  select 0.2126 * c[1] + 0.7152 * c[2] + 0.0722 * c[3]
    from (select array_agg(case when v <= 0.04045 then v / 12.92 else power((v + 0.055) / 1.055, 2.4) end order by i) as c
            from (select i, ('x' || substr(hex, 2 * i, 2))::bit(8)::int / 255.0 as v from generate_series(1, 3) as i) channels) linear
$$;
revoke all on function private.relative_luminance(text) from public, anon, authenticated;

create or replace function private.contrast_ratio(a text, b text) returns double precision
language sql
immutable
set search_path = ''
as $$
  select (greatest(la, lb) + 0.05) / (least(la, lb) + 0.05)
    from (select private.relative_luminance(a) as la, private.relative_luminance(b) as lb) l
$$;
revoke all on function private.contrast_ratio(text, text) from public, anon, authenticated;

-- The text colour, and the two floors. security definer: it calls the
-- functions above, which no API role may call by name.
create or replace function private.brand_kits_contrast() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.text_color := case when private.contrast_ratio('#ffffff', new.background_color) >= private.contrast_ratio('#111111', new.background_color)
                         then '#ffffff' else '#111111' end;
  if private.contrast_ratio(new.text_color, new.background_color) < 4.5 then
    raise exception using
      errcode = '23514',
      message = format('backgroundColor %s: neither white nor near-black text reaches 4.5:1 on it (WCAG AA); choose a lighter or darker background.', new.background_color);
  end if;
  if private.contrast_ratio(new.accent_color, new.background_color) < 3 then
    raise exception using
      errcode = '23514',
      message = format('accentColor %s: contrast %s:1 with the background %s, under 3:1; choose an accent further from the background.',
        new.accent_color, round(private.contrast_ratio(new.accent_color, new.background_color)::numeric, 2), new.background_color);
  end if;
  new.updated_at := now();
  return new;
end
$$;
revoke all on function private.brand_kits_contrast() from public, anon, authenticated;

create trigger brand_kits_contrast
  before insert or update on public.brand_kits
  for each row execute function private.brand_kits_contrast();

-- ---------------------------------------------------------------------
-- Row-level security and grants: a person's own row
-- ---------------------------------------------------------------------
alter table public.brand_kits enable row level security;
revoke all on public.brand_kits from anon, authenticated;

grant select on public.brand_kits to authenticated;
grant insert (user_id, display_name, handle, background_color, accent_color, font_family, logo) on public.brand_kits to authenticated;
grant update (display_name, handle, background_color, accent_color, font_family, logo) on public.brand_kits to authenticated;
grant delete on public.brand_kits to authenticated;

create policy brand_kits_select_own on public.brand_kits
  for select to authenticated using (user_id = (select private.requesting_user_id()));
create policy brand_kits_insert_own on public.brand_kits
  for insert to authenticated with check (user_id = (select private.requesting_user_id()));
create policy brand_kits_update_own on public.brand_kits
  for update to authenticated
  using (user_id = (select private.requesting_user_id()))
  with check (user_id = (select private.requesting_user_id()));
create policy brand_kits_delete_own on public.brand_kits
  for delete to authenticated using (user_id = (select private.requesting_user_id()));

-- ---------------------------------------------------------------------
-- 2. The logo: a kind of stored file
-- ---------------------------------------------------------------------
insert into private.storage_file_kinds (kind, bucket_id, name_pattern, live_query, content_types, max_bytes, writers, description)
values (
  'brand-logo', 'postora-generations',
  '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/brand-logo$',
  'select exists (select 1 from public.users u where u.id = ($1)[1]::uuid)',
  array['image/png', 'image/svg+xml'], 524288, array['person'],
  '<users.id>/brand-logo')
on conflict (kind) do nothing;
