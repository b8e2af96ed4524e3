/**
 * `npm run users:export-passwords -- <file>`: writes the retired
 * users.password hashes, once, to a new private file for Clerk's user import
 * (lib/users/retired-passwords.ts). Prints only how many users the file
 * holds; refuses to overwrite a file. Delete the file once the import is
 * done, then null the column (README, "Retired passwords").
 *
 * Uses DATABASE_URL; when it is unset, starts the embedded database.
 */
import path from "node:path";
import { exportRetiredPasswords } from "@/lib/users/retired-passwords";
import { runMaintenance, say } from "@/scripts/database";

const file = process.argv[2];
if (!file) {
  console.error("Usage: npm run users:export-passwords -- <file>   (a new file; it is created readable by you only)");
  process.exit(2);
}

runMaintenance(async ({ db }) => {
  const count = await exportRetiredPasswords(db, path.resolve(file));
  say(`wrote the retired password hashes of ${count} user(s) to ${path.resolve(file)} (mode 0600). Delete it once Clerk's import is done.`);
  return 0;
});
