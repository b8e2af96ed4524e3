-- System templates: is_system, no owner, readable by every signed-in user,
-- writable by none (see the templates policies). Fixed ids make this safe to
-- run again, and are how 20261201000000 told them from deleted users' rows.
-- Applied by the Supabase CLI on `supabase db reset`, and by `npm run dev` to
-- the embedded database.
insert into public.templates (id, user_id, is_system, name, type, content) values
  ('00000000-0000-4000-8000-000000000001', null, true, 'Five key takeaways', 'bullet_points',
   '{"bullets": 5, "maxWordsPerBullet": 18, "tone": "plain"}'),
  ('00000000-0000-4000-8000-000000000002', null, true, 'Story in six slides', 'carousel',
   '{"slides": 6, "structure": ["hook", "problem", "insight", "insight", "proof", "call to action"]}'),
  ('00000000-0000-4000-8000-000000000003', null, true, 'Quote card', 'canva_design',
   '{"layout": "quote", "aspectRatio": "1:1"}')
on conflict (id) do nothing;
