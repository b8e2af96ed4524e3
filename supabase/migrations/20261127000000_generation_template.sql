-- =====================================================================
-- generations.template_id: which template a generation was made with
-- =====================================================================
-- Why: createGeneration takes an optional template, and the product needs
-- to know which one produced each post (to re-run it, and to show it).
-- Deleting a template must not delete the posts made with it, so the link
-- is cleared instead. Existing rows have no template.

alter table public.generations
  add column template_id uuid references public.templates (id) on delete set null;

create index generations_template_id_idx on public.generations (template_id)
  where template_id is not null;
