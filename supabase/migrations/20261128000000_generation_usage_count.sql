-- =====================================================================
-- Usage counts include deleted generations
-- =====================================================================
-- Why: a tier's limit is on generations made in a period. Under RLS the
-- caller cannot see their soft-deleted generations, so counting through the
-- table would let deleting refill the quota. This function counts the
-- caller's own generations, deleted or not, and nothing else.

create or replace function private.generations_created_between(period_start timestamptz, period_end timestamptz)
returns integer
language sql stable security definer
set search_path = ''
as $$
  select count(*)::integer from public.generations g
  where g.user_id = private.requesting_user_id()
    and g.created_at >= period_start and g.created_at < period_end
$$;
revoke all on function private.generations_created_between(timestamptz, timestamptz) from public;
grant execute on function private.generations_created_between(timestamptz, timestamptz) to authenticated;
