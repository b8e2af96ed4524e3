/**
 * Where the local storage server keeps files: <dataDir>/storage/<bucket>/<path>,
 * with uploads in progress under <dataDir>/storage/.partial until they are
 * checked and recorded. Nothing here knows about tokens or SQL.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rmdir } from "node:fs/promises";
import path from "node:path";
import { checkBucketName, checkObjectPath, InvalidObjectPathError } from "@/lib/storage/paths";

export function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export class LocalDisk {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, "storage");
  }

  /** <dataDir>/storage/<bucket>/<path>, refusing anything that would land outside the bucket's folder. */
  fileFor(bucket: string, objectPath: string): string {
    checkBucketName(bucket);
    const segments = checkObjectPath(objectPath);
    const bucketRoot = path.join(this.root, bucket);
    const file = path.join(bucketRoot, ...segments);
    if (!file.startsWith(bucketRoot + path.sep)) throw new InvalidObjectPathError(objectPath, "it leaves the bucket's folder");
    return file;
  }

  /** A fresh name for an upload in progress (the folder exists once this returns). */
  async partialFile(): Promise<string> {
    await mkdir(path.join(this.root, ".partial"), { recursive: true });
    return path.join(this.root, ".partial", randomUUID());
  }

  /** Removes folders a deletion left empty, up to (not including) the bucket's folder. */
  async pruneEmptyFolders(bucket: string, from: string): Promise<void> {
    const bucketRoot = path.join(this.root, bucket);
    for (let directory = from; directory.startsWith(bucketRoot + path.sep); directory = path.dirname(directory)) {
      try {
        await rmdir(directory);
      } catch {
        return;
      }
    }
  }
}
