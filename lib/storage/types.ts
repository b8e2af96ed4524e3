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
  /** Removes the given objects; missing ones are not an error. */
  remove(paths: string[]): Promise<void>;
  /** Removes every object under a folder (a deleted user's files). */
  removeFolder(folder: string): Promise<void>;
}
