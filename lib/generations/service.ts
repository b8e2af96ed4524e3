/**
 * What a person can do with their generations, one function per operation:
 * the database work (as the caller, in one transaction), then the storage
 * work, and what happens when storage fails after the commit. The GraphQL
 * resolvers only translate arguments into these calls and results into
 * payloads; tests call them directly.
 */
import { PreconditionError } from "@/lib/errors";
import {
  getGeneration,
  insertGeneration,
  objectPathOf,
  objectVersion,
  patchGeneration,
  requeueFailedGeneration,
  softDeleteGeneration,
  type GenerationPatch,
  type GenerationRow,
  type OutputFormat,
} from "@/lib/generations/generations";
import { ensureCarouselPdf } from "@/lib/generations/pdf";
import type { ServiceDeps } from "@/lib/services";
import { generationSlidePath, type SignedDownload, type SignedUpload } from "@/lib/storage/types";

export type CreateGenerationInput = { inputContent: string; outputFormat: OutputFormat; templateId?: string | null; language?: string | null };

/**
 * Queues a generation, then signs the URL its image goes to. Signing happens
 * after the commit: when storage cannot sign right now, the generation still
 * exists and `upload` is null (logged); createGenerationUploadUrl signs again.
 */
export async function createGeneration(
  { db, storage, log }: ServiceDeps,
  input: CreateGenerationInput,
): Promise<{ generation: GenerationRow; upload: SignedUpload | null }> {
  const generation = await db((sql) => insertGeneration(sql, input));
  const path = objectPathOf(generation);
  const upload = await storage.createSignedUploadUrl(path).catch((error: unknown) => {
    log.error("generation created, but its upload URL could not be signed", { path, error });
    return null;
  });
  return { generation, upload };
}

/** A fresh signed upload URL for one of the caller's generations (the previous one may have expired). */
export async function createGenerationUploadUrl(
  { db, storage }: Pick<ServiceDeps, "db" | "storage">,
  id: string,
): Promise<{ generation: GenerationRow; upload: SignedUpload }> {
  const generation = await db((sql) => getGeneration(sql, id));
  return { generation, upload: await storage.createSignedUploadUrl(objectPathOf(generation)) };
}

/**
 * A signed download URL for the image of one of the caller's generations,
 * once it exists (rendered by the pipeline or uploaded). `slide` picks one
 * of a carousel's slides: 1 is the cover, which is the generation's image.
 * `format: "pdf"` is a completed carousel as one PDF (made from its stored
 * slides the first time, for a carousel completed before PDFs existed).
 */
export async function createGenerationDownloadUrl(
  { db, storage }: Pick<ServiceDeps, "db" | "storage">,
  id: string,
  expiresInSeconds: number,
  slide = 1,
  format: "png" | "pdf" = "png",
): Promise<{ generation: GenerationRow; download: SignedDownload }> {
  if (format === "pdf") {
    const generation = await db((sql) => getGeneration(sql, id));
    if (generation.outputFormat !== "carousel") throw new PreconditionError("Only a CAROUSEL has a PDF; ask for format PNG.", { field: "input.format" });
    if (generation.status !== "completed" || !generation.slides?.length) {
      throw new PreconditionError("This carousel has no PDF yet: it is made when the carousel completes (poll its status).", { field: "input.format" });
    }
    const path = await ensureCarouselPdf(storage, { id: generation.id, userId: generation.userId, slides: generation.slides });
    return { generation, download: await storage.createSignedDownloadUrl(path, expiresInSeconds) };
  }
  const { generation, path, version } = await db(async (sql) => {
    const row = await getGeneration(sql, id);
    if (slide !== 1) {
      const count = row.slides?.length ?? 0;
      if (count === 0) throw new PreconditionError("This generation has no slides: only a completed CAROUSEL has them; ask for slide 1.", { field: "input.slide" });
      if (slide > count) throw new PreconditionError(`This carousel has ${count} slides; ask for a slide from 1 to ${count}.`, { field: "input.slide" });
    }
    const path = generationSlidePath(row.userId, row.id, slide);
    const version = await objectVersion(sql, path);
    if (version === null) {
      throw new PreconditionError(
        row.status === "queued" || row.status === "processing"
          ? "This generation has no image yet: it is being made (poll its status), or upload it yourself to the URL from createGeneration."
          : "This generation has no image yet: upload it to the URL from createGeneration or createGenerationUploadUrl first.",
      );
    }
    return { generation: row, path, version };
  });
  return { generation, download: versioned(await storage.createSignedDownloadUrl(path, expiresInSeconds), version) };
}

/**
 * The object's version in its download URL (`v=`, a parameter both Supabase
 * Storage and ours ignore): a new upload or render gets a new URL, so no
 * browser shows its cached copy of the old file.
 */
function versioned(download: SignedDownload, version: string): SignedDownload {
  const url = new URL(download.url);
  url.searchParams.set("v", version);
  return { ...download, url: url.toString() };
}

/** Changes the bullet points of one of the caller's generations. */
export function updateGeneration({ db }: Pick<ServiceDeps, "db">, id: string, patch: GenerationPatch): Promise<GenerationRow> {
  return db((sql) => patchGeneration(sql, id, patch));
}

/** Queues a failed generation again (FAILED_PRECONDITION, naming its status, for any other). */
export function retryGeneration({ db }: Pick<ServiceDeps, "db">, id: string): Promise<GenerationRow> {
  return db((sql) => requeueFailedGeneration(sql, id));
}

/**
 * Soft-deletes one of the caller's generations, then removes its file. The
 * removal comes after the commit: if it fails, the file is orphaned (and
 * logged), never a generation left visible.
 */
export async function deleteGeneration({ db, storage, log }: ServiceDeps, id: string): Promise<{ id: string }> {
  const deleted = await db((sql) => softDeleteGeneration(sql, id));
  await storage.remove(deleted.objectPaths).catch((error: unknown) => {
    log.error("could not remove a deleted generation's files", { path: deleted.objectPath, error });
  });
  return { id: deleted.id };
}
