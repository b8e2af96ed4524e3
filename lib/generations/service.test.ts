/**
 * The generation services called directly, as a worker or script would, with
 * no GraphQL in between: the database is the real one under RLS; storage is
 * the real local adapter, or one that fails on purpose to show what happens
 * after the commit.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { asService, withUser } from "@/lib/db/client";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { createGeneration, deleteGeneration, retryGeneration } from "@/lib/generations/service";
import type { Logger } from "@/lib/log";
import type { ServiceDeps } from "@/lib/services";
import { getStorage } from "@/lib/storage/index";
import type { FileStorage } from "@/lib/storage/types";
import { seedGeneration, seedUser, type SeededUser } from "@/test/support";

type Logged = { level: string; message: string; fields: Record<string, unknown> };

function recordingLogger(lines: Logged[]): Logger {
  const write = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void lines.push({ level, message, fields });
  const log: Logger = { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), child: () => log };
  return log;
}

const down = (): Promise<never> => Promise.reject(new Error("storage is down"));
const brokenStorage = (): FileStorage => ({ ...getStorage(), createSignedUploadUrl: down, remove: down });

let owner: SeededUser;
let lines: Logged[];
const deps = (storage: FileStorage = getStorage()): ServiceDeps => ({
  db: (fn) => withUser(owner.identity, fn),
  storage,
  log: recordingLogger(lines),
});

beforeAll(async () => {
  owner = await seedUser();
});

describe("createGeneration", () => {
  it("keeps the committed generation when storage cannot sign, and says so in the log", async () => {
    lines = [];
    const { generation, upload } = await createGeneration(deps(brokenStorage()), { inputContent: "Hello", outputFormat: "carousel" });
    expect(upload).toBeNull();
    expect(generation).toMatchObject({ status: "queued", userId: owner.id });
    const [row] = await asService((sql) => sql`select status from generations where id = ${generation.id}`);
    expect(row).toEqual({ status: "queued" });
    expect(lines).toEqual([
      expect.objectContaining({ level: "error", message: "generation created, but its upload URL could not be signed" }),
    ]);
  });
});

describe("deleteGeneration", () => {
  it("deletes the generation even when removing its file fails, and logs the orphan", async () => {
    lines = [];
    const id = await seedGeneration(owner.id);
    expect(await deleteGeneration(deps(brokenStorage()), id)).toEqual({ id });
    const [row] = await asService((sql) => sql<{ deletedAt: Date | null }[]>`select deleted_at from generations where id = ${id}`);
    expect(row!.deletedAt).toBeInstanceOf(Date);
    expect(lines[0]).toMatchObject({ level: "error", fields: { path: `${owner.id}/generation-${id}.png` } });
    await expect(deleteGeneration(deps(), id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("retryGeneration", () => {
  it("queues only a failed generation, and only the caller's own", async () => {
    lines = [];
    const failed = await seedGeneration(owner.id, { status: "failed" });
    await expect(retryGeneration(deps(), failed)).resolves.toMatchObject({ id: failed, status: "queued" });
    await expect(retryGeneration(deps(), failed)).rejects.toBeInstanceOf(PreconditionError);
    const someoneElse = await seedUser();
    const theirs = await seedGeneration(someoneElse.id, { status: "failed" });
    await expect(retryGeneration(deps(), theirs)).rejects.toBeInstanceOf(NotFoundError);
    const [row] = await asService((sql) => sql`select status from generations where id = ${theirs}`);
    expect(row).toEqual({ status: "failed" });
  });
});
