/**
 * The storage sweep on the local adapter, on real Postgres and disk: files
 * whose generation was deleted, or whose user was purged, go (file and row);
 * a live generation's cover and its pipeline-rendered slides stay; spent
 * upload windows are cleared; a second run finds nothing.
 */
import { describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { sweepOrphanedFiles } from "@/lib/storage/sweep";
import { GENERATIONS_BUCKET, generationObjectPath, generationSlidePath } from "@/lib/storage/types";
import { receiveTinyPng, TINY_PNG } from "@/test/storage";
import { seedGeneration, seedUser } from "@/test/support";

const storage = () => getLocalStorage();
const log = logger.child({ source: "sweep-test" });

async function uploaded(userId: string, generationId: string): Promise<string> {
  const objectPath = generationObjectPath(userId, generationId);
  const { token } = await storage().createSignedUploadUrl(objectPath);
  await receiveTinyPng(storage(), objectPath, token);
  return objectPath;
}

const rows = async (names: string[]) =>
  (await asService((sql) => sql<{ name: string }[]>`
    select name from storage.objects where bucket_id = ${GENERATIONS_BUCKET} and name = any(${names}) order by name`)).map((row) => row.name);

describe("sweepOrphanedFiles", () => {
  it("removes the files of deleted generations and purged users, and nothing a live generation owns", async () => {
    const alice = await seedUser();
    const leaving = await seedUser();
    const live = await seedGeneration(alice.id);
    const cover = await uploaded(alice.id, live);
    const slide = generationSlidePath(alice.id, live, 2);
    expect(await storage().putRendered(slide, TINY_PNG)).toBe("written");

    // deleteGeneration's removal failed after the soft delete: the file stayed.
    const deleted = await seedGeneration(alice.id);
    const deletedFile = await uploaded(alice.id, deleted);
    await asService((sql) => sql`update generations set deleted_at = now() where id = ${deleted}`);
    // user.deleted's purge never finished: the rows are gone, the file is not.
    const purgedFile = await uploaded(leaving.id, await seedGeneration(leaving.id));
    await asService((sql) => sql`delete from users where id = ${leaving.id}`);

    const all = [cover, slide, deletedFile, purgedFile];
    for (const name of all) expect(await storage().exists(name)).toBe(true);

    const result = await sweepOrphanedFiles({ storage: storage(), log });
    expect(result.removed).toBe(2);
    // The three URLs' used windows; putRendered closed its own window itself.
    expect(result.windowsClosed).toBe(3);
    expect(await rows(all)).toEqual([cover, slide].sort());
    expect(await storage().exists(deletedFile)).toBe(false);
    expect(await storage().exists(purgedFile)).toBe(false);
    expect(await storage().exists(cover)).toBe(true);
    expect(await storage().exists(slide)).toBe(true);

    const [windows] = await asService((sql) => sql<{ count: number }[]>`
      select count(*)::int as count from private.storage_upload_windows where used_by_transaction is not null or expires_at <= now()`);
    expect(windows?.count).toBe(0);
    expect(await sweepOrphanedFiles({ storage: storage(), log })).toEqual({ removed: 0, windowsClosed: 0 });
  });

  it("keeps an upload window that is still open, so a URL just handed out still works", async () => {
    const bob = await seedUser();
    const objectPath = generationObjectPath(bob.id, await seedGeneration(bob.id));
    const { token } = await storage().createSignedUploadUrl(objectPath);
    await sweepOrphanedFiles({ storage: storage(), log });
    await receiveTinyPng(storage(), objectPath, token);
    expect(await rows([objectPath])).toEqual([objectPath]);
  });
});
