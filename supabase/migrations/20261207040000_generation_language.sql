-- =====================================================================
-- A generation's language, for the glyphs its images are drawn with
-- =====================================================================
-- Why: Chinese, Japanese and Korean share code points whose glyphs
-- differ, so the renderer needs to know which language a text is in.
-- It guesses from the text (kana, Hangul, Simplified or Traditional
-- characters); a person can say instead, with createGeneration's
-- optional `language` (a BCP 47 tag such as "ja" or "zh-Hant").
--
-- Nullable, no default: existing rows keep the guess, and adding the
-- column rewrites no row. The check bounds what a tag can be; the API
-- checks it further (Intl's reading of BCP 47) before it gets here.

-- ---------------------------------------------------------------------
-- The column
-- ---------------------------------------------------------------------

alter table public.generations
  add column language text
  constraint generations_language_is_a_tag
    check (language is null or language ~ '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,6}$');

comment on column public.generations.language is
  'BCP 47 tag the person gave for the text (null: guessed from the text when rendering).';

-- ---------------------------------------------------------------------
-- Who may write it: a person, when creating a generation
-- ---------------------------------------------------------------------

grant insert (language) on public.generations to authenticated;
