/** Signed storage URLs as the API hands them out: files never pass through the API itself. */
import { READ_SCOPES } from "@/graphql/auth";
import { builder } from "@/graphql/builder";
import type { SignedDownload as SignedDownloadShape, SignedUpload as SignedUploadShape } from "@/lib/storage/types";

export const SignedUpload = builder.objectRef<SignedUploadShape>("SignedUpload").implement({
  description:
    "Where to PUT the PNG: send the bytes to `url` (or call supabase-js `uploadToSignedUrl(path, token, file)`) before `expiresAt`.",
  fields: (t) => ({
    url: t.exposeString("url", { description: "The signed URL to PUT the PNG to (content-type image/png, at most 10 MiB)." }),
    token: t.exposeString("token", { description: "The token in `url`, for supabase-js `uploadToSignedUrl(path, token, file)`." }),
    path: t.exposeString("path", { description: "The object's path in the postora-generations bucket." }),
    expiresAt: t.field({ type: "DateTime", description: "When the URL stops working.", resolve: (upload) => upload.expiresAt }),
  }),
});

export const SignedDownload = builder.objectRef<SignedDownloadShape>("SignedDownload").implement({
  description: "A short-lived URL to GET the image (or a carousel's PDF) from.",
  authScopes: READ_SCOPES,
  fields: (t) => ({
    url: t.exposeString("url", { description: "The signed URL to GET the file from: the PNG, or the PDF when format PDF was asked for." }),
    expiresAt: t.field({ type: "DateTime", description: "When the URL stops working.", resolve: (download) => download.expiresAt }),
  }),
});
