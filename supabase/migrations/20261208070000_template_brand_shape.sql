-- A template's `brand` object (colours and a font overriding the owner's
-- brand kit, lib/brand/template-brand.ts) is checked whenever a template's
-- content is written, whoever writes it. The API checks it first, with a
-- message per field; this trigger keeps the same rule at the Data API door,
-- where a person writes rows as `authenticated`. Only writes of `content`
-- are checked, so rows written before keep working for renames; a render
-- refuses an unusable `brand` saying what to fix.
--
-- Its rules match the API's exactly: at most backgroundColor, accentColor
-- and fontFamily; colours are strings of the form #rrggbb; fontFamily one of
-- the bundled families (lib/render/fonts.ts FAMILIES; lib/db/data-api.test.ts
-- checks that every one of them is accepted here).

create or replace function private.templates_brand_shape() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  brand jsonb := new.content -> 'brand';
  unknown_keys text;
  field text;
begin
  if brand is null or jsonb_typeof(brand) = 'null' then
    return new;
  end if;
  if jsonb_typeof(brand) <> 'object' then
    raise exception using
      errcode = '23514',
      message = 'content.brand: must be an object holding backgroundColor, accentColor or fontFamily.';
  end if;
  select string_agg(key, ', ' order by key) into unknown_keys
    from jsonb_object_keys(brand) as key
   where key not in ('backgroundColor', 'accentColor', 'fontFamily');
  if unknown_keys is not null then
    raise exception using
      errcode = '23514',
      message = format('content.brand: unknown key(s) %s; it may hold backgroundColor, accentColor and fontFamily.', unknown_keys);
  end if;
  foreach field in array array['backgroundColor', 'accentColor'] loop
    if brand ? field and not (jsonb_typeof(brand -> field) = 'string' and (brand ->> field) ~ '^#[0-9a-fA-F]{6}$') then
      raise exception using
        errcode = '23514',
        message = format('content.brand.%s: must be a #rrggbb colour.', field);
    end if;
  end loop;
  if brand ? 'fontFamily' and not (jsonb_typeof(brand -> 'fontFamily') = 'string' and (brand ->> 'fontFamily') in ('sans', 'serif', 'rounded', 'mono')) then
    raise exception using
      errcode = '23514',
      message = 'content.brand.fontFamily: must be one of sans, serif, rounded, mono.';
  end if;
  return new;
end
$$;
revoke all on function private.templates_brand_shape() from public, anon, authenticated;

create trigger templates_brand_shape
  before insert or update of content on public.templates
  for each row execute function private.templates_brand_shape();
