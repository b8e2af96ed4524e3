/**
 * File storage behind one interface. Files never pass through the API:
 * callers get short-lived signed URLs and talk to storage directly.
 * Supabase Storage in production, a local adapter on embedded defaults.
 */
export const GENERATIONS_BUCKET = "postora-generations";

/** Where a generation's image lives: <users.id>/generation-<generations.id>.png */
export function generationObjectPath(userId: string, generationId: string): string {
  return `${userId}/generation-${generationId}.png`;
}

/**
 * Where a carousel's later slides live, beside the cover:
 * <users.id>/generation-<generations.id>-slide-<n>.png, n counting from 1
 * (slide 1 is the cover at the generation's own path).
 */
export function generationSlidePath(userId: string, generationId: string, slideNumber: number): string {
  return slideNumber === 1 ? generationObjectPath(userId, generationId) : `${userId}/generation-${generationId}-slide-${slideNumber}.png`;
}

/** Where a carousel's PDF lives, beside its slides: <users.id>/generation-<generations.id>.pdf */
export function generationPdfPath(userId: string, generationId: string): string {
  return `${userId}/generation-${generationId}.pdf`;
}

/** What the server stores: rendered images, and a carousel's PDF. */
export type RenderedContentType = "image/png" | "application/pdf";

/** A carousel has at most this many slides (lib/generations/content.ts). */
const MAX_SLIDES = 10;

/** Every path a generation's files can have: the image, slides 2 to MAX_SLIDES and the PDF (for removal; missing ones are fine). */
export function generationFilePaths(userId: string, generationId: string): string[] {
  return [...Array.from({ length: MAX_SLIDES }, (_, index) => generationSlidePath(userId, generationId, index + 1)), generationPdfPath(userId, generationId)];
}

/** Marks an object the pipeline rendered (user_metadata.source), as opposed to one a person uploaded. */
export const RENDERED_SOURCE = "postora-pipeline";

/** "written": the rendered file is there now; "kept": a person's own upload is there, and stays. */
export type PutRenderedResult = "written" | "kept";

export type SignedUpload = {
  /** PUT the file here (Supabase's uploadToSignedUrl shape). */
  url: string;
  /** The token Supabase's `uploadToSignedUrl(path, token, file)` expects. */
  token: string;
  path: string;
  expiresAt: Date;
};

export type SignedDownload = { url: string; expiresAt: Date };

export interface FileStorage {
  createSignedUploadUrl(path: string): Promise<SignedUpload>;
  createSignedDownloadUrl(path: string, expiresInSeconds: number): Promise<SignedDownload>;
  exists(path: string): Promise<boolean>;
  /**
   * Writes a PNG the pipeline rendered, unless a person uploaded their own at
   * that path: written only where the path is empty or holds an earlier
   * rendering, so the pipeline never replaces a person's image. A file
   * other than a PNG (a carousel's PDF) names its content type.
   */
  putRendered(path: string, png: Uint8Array, contentType?: RenderedContentType): Promise<PutRenderedResult>;
  /** A stored file's bytes (StorageObjectNotFoundError when there is none). */
  read(path: string): Promise<Uint8Array>;
  /** Removes the given objects; missing ones are not an error. */
  remove(paths: string[]): Promise<void>;
  /** Removes every object under a folder (a deleted user's files). */
  removeFolder(folder: string): Promise<void>;
}
