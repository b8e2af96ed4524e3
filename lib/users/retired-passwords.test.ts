/**
 * The retired password hashes leave the database once, into a new private
 * file, for Clerk's user import: never over an existing file, never for a
 * user without one.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { exportRetiredPasswords } from "@/lib/users/retired-passwords";
import { seedUser, type SeededUser } from "@/test/support";

let dir: string;
let legacy: SeededUser;
let clerkOnly: SeededUser;
const hash = "$2a$10$Qm9vYXJkTm90QVJlYWxIYXNoLkFkYUxvdmVsYWNlMDAwMDAwMDAw";

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "postora-passwords-"));
  legacy = await seedUser();
  clerkOnly = await seedUser();
  await asService((sql) => sql`update users set password = ${hash} where id = ${legacy.id}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("exportRetiredPasswords", () => {
  it("writes each user's hash, for Clerk's import, to a new file only its owner can read", async () => {
    const file = path.join(dir, "passwords.json");
    const count = await asService((sql) => exportRetiredPasswords(sql, file));
    const users = JSON.parse(await readFile(file, "utf8")) as { userId: string; email: string; password: string; passwordHasher: string }[];
    expect(users).toContainEqual({ userId: legacy.id, email: legacy.email, password: hash, passwordHasher: "bcrypt" });
    expect(users.map((user) => user.userId)).not.toContain(clerkOnly.id);
    expect(count).toBe(users.length);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("never overwrites a file", async () => {
    const file = path.join(dir, "taken.json");
    await writeFile(file, "someone else's");
    await expect(asService((sql) => exportRetiredPasswords(sql, file))).rejects.toMatchObject({ code: "EEXIST" });
    expect(await readFile(file, "utf8")).toBe("someone else's");
  });
});
