/**
 * Every migration must apply on hosted Supabase. Since April 2025 (Supabase
 * changelog 34270) the hosted `postgres` role may create RLS policies and
 * triggers on storage.objects and storage.buckets, and read and write their
 * rows, but may not create (or alter, or drop) tables, functions, indexes
 * or other objects in schema `storage`, nor revoke privileges on its tables
 * from the API roles. Locally the migrations run as a superuser, so nothing
 * else would notice; this reads each file and names what hosted refuses.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

const migrationsDir = path.join(import.meta.dirname, "migrations");

const STORAGE = String.raw`(?:"?storage"?)\s*\.`;
const rules: { what: string; pattern: RegExp }[] = [
  {
    what: "creates or replaces an object in schema storage (hosted Supabase: only policies and triggers)",
    pattern: new RegExp(
      String.raw`\bcreate\s+(?:or\s+replace\s+)?(?:unlogged\s+|temp(?:orary)?\s+)?(?:table|function|procedure|view|materialized\s+view|sequence|type|domain|aggregate|operator)\s+(?:if\s+not\s+exists\s+)?${STORAGE}`,
      "i",
    ),
  },
  { what: "creates an index on a storage table", pattern: new RegExp(String.raw`\bcreate\s+(?:unique\s+)?index\b[^;]*?\bon\s+(?:only\s+)?${STORAGE}`, "i") },
  {
    what: "alters or drops an object in schema storage",
    pattern: new RegExp(
      String.raw`\b(?:alter|drop)\s+(?:table|function|procedure|view|materialized\s+view|sequence|type|domain|index)\s+(?:if\s+exists\s+)?(?:only\s+)?${STORAGE}`,
      "i",
    ),
  },
  { what: "alters or creates schema storage", pattern: /\b(?:alter|create|drop)\s+schema\s+(?:if\s+(?:not\s+)?exists\s+)?"?storage"?\b/i },
  {
    what: "revokes privileges on storage tables from an API role",
    pattern: new RegExp(
      String.raw`\brevoke\b[^;]*?\bon\s+(?:table\s+)?(?:${STORAGE}|all\s+(?:tables|functions|sequences)\s+in\s+schema\s+"?storage"?)[^;]*?\bfrom\b[^;]*?\b(?:anon|authenticated|service_role|public)\b`,
      "i",
    ),
  },
  { what: "changes the owner of a storage object", pattern: new RegExp(String.raw`\balter\s+\w+\s+${STORAGE}\w+[^;]*?\bowner\s+to\b`, "i") },
];

/** The SQL without comments: a header may well say what the file does not do. */
function withoutComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/--[^\n]*/g, " ");
}

export function hostedRefusals(sql: string): string[] {
  const code = withoutComments(sql);
  return rules.filter(({ pattern }) => pattern.test(code)).map(({ what }) => what);
}

describe("migrations on hosted Supabase", () => {
  it("do nothing the hosted postgres role may not do in schema storage", async () => {
    const files = (await readdir(migrationsDir)).filter((name) => name.endsWith(".sql")).sort();
    expect(files.length).toBeGreaterThan(10);
    const refused: string[] = [];
    for (const file of files) {
      for (const what of hostedRefusals(await readFile(path.join(migrationsDir, file), "utf8"))) refused.push(`${file}: ${what}`);
    }
    expect(refused).toEqual([]);
  });

  it("the check itself finds each refused statement, and lets policies, triggers and row changes through", () => {
    const refusedSamples = [
      "create table storage.postora_kinds (id int);",
      "CREATE OR REPLACE FUNCTION storage.is_live(name text) returns boolean language sql as $$ select true $$;",
      'create function "storage".x() returns int language sql as $$ select 1 $$;',
      "create unique index objects_extra on storage.objects (name);",
      "alter table storage.objects add column postora text;",
      "drop function if exists storage.search(text);",
      "revoke all on storage.objects from anon, authenticated;",
      "revoke select on table storage.buckets from public;",
      "revoke all on all tables in schema storage from authenticated;",
      "alter function storage.foldername(text) owner to postgres;",
    ];
    for (const sample of refusedSamples) expect(hostedRefusals(sample), sample).not.toEqual([]);
    const allowed = [
      "create policy p on storage.objects for select to authenticated using (true);",
      "create trigger t before insert on storage.objects for each row execute function private.guard();",
      "drop policy p on storage.objects;",
      "insert into storage.buckets (id, name) values ('b', 'b');",
      "update storage.buckets set file_size_limit = 1 where id = 'b';",
      "create table private.storage_file_kinds (kind text);",
      "-- create table storage.nothing (a comment)\nselect 1;",
      "revoke all on private.storage_upload_windows from public, anon, authenticated;",
    ];
    for (const sample of allowed) expect(hostedRefusals(sample), sample).toEqual([]);
  });
});
