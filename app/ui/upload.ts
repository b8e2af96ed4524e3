/**
 * PUT a file to a signed upload URL with progress. fetch() cannot report
 * upload progress, so this uses XMLHttpRequest; the URL and the answers are
 * the same as the README's fetch example (local storage and Supabase alike).
 */
export type SignedUploadTarget = { url: string };

export function uploadWithProgress(target: SignedUploadTarget, file: Blob, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", target.url);
    request.setRequestHeader("content-type", file.type || "image/png");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(1);
        resolve();
        return;
      }
      let message = `Upload failed (HTTP ${request.status}).`;
      try {
        const body = JSON.parse(request.responseText) as { message?: string };
        if (body.message) message = body.message;
      } catch {
        /* not JSON */
      }
      reject(new Error(message));
    };
    request.onerror = () => reject(new Error("The upload could not reach the storage server."));
    request.send(file);
  });
}
