-- =====================================================================
-- Alt text for every card and slide the pipeline makes
-- =====================================================================
-- Why: a person posts the images we render, and a screen reader (or the
-- platform the post goes to) needs words for each. The pipeline writes
-- them with the output: the card's (or a carousel cover's) in the new
-- column below, each slide's inside its own object in `slides`
-- ({"title", "body", "altText"}), so a slide and its words stay together.
--
-- Safe on production data: one nullable column, no rewrite; generations
-- made before it keep null here (the API derives a slide's alt text from
-- its title and body when the object has none). Like slides and quote,
-- the column is the pipeline's: the authenticated role's column grants
-- (20261205000000_least_privilege_grants.sql) name only the columns a
-- person may write, so it is not among them and needs no revoke.

-- ---------------------------------------------------------------------
-- 1. The column
-- ---------------------------------------------------------------------
alter table public.generations
  add column alt_text text,
  add constraint generations_alt_text_length
    check (alt_text is null or length(alt_text) <= 2000);

comment on column public.generations.alt_text is
  'Alt text for the generation''s image (the card, or a carousel''s cover), written by the pipeline worker with its output.';
