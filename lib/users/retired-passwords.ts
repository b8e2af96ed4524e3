/**
 * The retired users.password values (bcrypt hashes from before Clerk), read
 * once for Clerk's user import and written to a private file: never to a
 * log, never to stdout. No API role can read the column (migration
 * 20261207030000_last_grants.sql); this runs as the database's owner.
 *
 * The file is what Clerk's migration script reads (clerk/migration-script,
 * the "supabase"-style JSON): one object per user with a password, its
 * users.id as the external id, its email, the hash and the hasher.
 */
import { writeFile } from "node:fs/promises";
import type { Sql } from "@/lib/db/client";

type RetiredPassword = { userId: string; email: string; password: string; passwordHasher: "bcrypt" };

/**
 * Writes every user's retired password to `file`, created new (it is an
 * error if it exists) and readable by its owner only (0600). Returns how
 * many users it holds.
 */
export async function exportRetiredPasswords(sql: Sql, file: string): Promise<number> {
  const rows = await sql<{ id: string; email: string; password: string }[]>`
    select id, email, password from public.users where password is not null and password <> '' order by created_at, id`;
  const users: RetiredPassword[] = rows.map((row) => ({ userId: row.id, email: row.email, password: row.password, passwordHasher: "bcrypt" }));
  await writeFile(file, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  return users.length;
}
