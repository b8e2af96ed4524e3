/**
 * Shared helpers for tests: act as a user, seed rows through the service path.
 * One place, so every test means the same thing by "user A".
 */
import { asService, type DbIdentity, type Sql } from "@/lib/db/client";

export type SeededUser = { id: string; clerkUserId: string; email: string; identity: DbIdentity };

let counter = 0;

/** Inserts a user through the privileged path, as the Clerk webhook would. */
export async function seedUser(overrides: Partial<{ clerkUserId: string; email: string; tier: string }> = {}): Promise<SeededUser> {
  counter += 1;
  const suffix = `${process.pid}${counter}${Math.random().toString(36).slice(2, 8)}`;
  const clerkUserId = overrides.clerkUserId ?? `user_2test${suffix}`;
  const email = overrides.email ?? `person${suffix}@example.com`;
  const [row] = await asService(
    (sql) => sql<{ id: string }[]>`
      insert into users (auth_id, email, tier) values (${clerkUserId}, ${email}, ${overrides.tier ?? "free"}) returning id`,
  );
  return { id: row!.id, clerkUserId, email, identity: { clerkUserId, email } };
}

export async function seedGeneration(
  userId: string,
  values: Partial<{ inputContent: string; outputFormat: string; status: string; deletedAt: Date | null; createdAt: Date }> = {},
): Promise<string> {
  const [row] = await asService(
    (sql: Sql) => sql<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format, status, deleted_at, created_at)
      values (${userId}, ${values.inputContent ?? "Some raw text"}, ${values.outputFormat ?? "bullet_points"},
              ${values.status ?? "queued"}, ${values.deletedAt ?? null}, ${values.createdAt ?? new Date()})
      returning id`,
  );
  return row!.id;
}

export async function seedTemplate(userId: string | null, name = "Template"): Promise<string> {
  const [row] = await asService(
    (sql) => sql<{ id: string }[]>`
      insert into templates (user_id, name, type, content)
      values (${userId}, ${name}, 'carousel', ${sql.json({ slides: 3 })}) returning id`,
  );
  return row!.id;
}
