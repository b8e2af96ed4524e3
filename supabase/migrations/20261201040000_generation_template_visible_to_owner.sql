-- =====================================================================
-- A generation can only name a template its owner may use
-- =====================================================================
-- Why: generations.template_id is a plain foreign key, and foreign keys
-- are checked past row-level security. Through the Data API a person can
-- insert a generation naming any template id: another user's, or a
-- deleted user's orphan (20261201000000), whose content the generation
-- worker would then read on the service path and put into that person's
-- post. createGeneration checks the template under RLS; this trigger makes
-- the database say the same for every writer: a generation's template is a
-- system template or one owned by the generation's user.

-- ---------------------------------------------------------------------
-- 1. The check
-- ---------------------------------------------------------------------
-- security definer: it must see the template whatever the caller may read.
create or replace function private.check_generation_template() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.template_id is not null and not exists (
    select 1 from public.templates t
    where t.id = new.template_id and (t.is_system or t.user_id = new.user_id)
  ) then
    raise exception 'template % is not available to this generation''s owner: use a system template or one of your own', new.template_id
      using errcode = 'foreign_key_violation', constraint = 'generations_template_visible_check';
  end if;
  return new;
end
$$;
revoke all on function private.check_generation_template() from public;

-- ---------------------------------------------------------------------
-- 2. On every write that sets or moves the link
-- ---------------------------------------------------------------------
create trigger generations_template_visible
  before insert or update of template_id, user_id on public.generations
  for each row execute function private.check_generation_template();
