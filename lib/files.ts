import { randomBytes } from "node:crypto";
import { link, unlink, writeFile } from "node:fs/promises";

/**
 * Creates a private (0600) file unless it already exists, safely against a
 * concurrent creator (the server and `npm run token` may start together):
 * the contents go to a temporary file that is hard-linked into place.
 * link() fails if another process got there first, and theirs is kept; no
 * reader ever sees a half-written file.
 */
export async function createPrivateFileOnce(file: string, contents: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, contents, { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temporary).catch(() => {});
  }
}
