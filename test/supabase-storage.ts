/**
 * A stand-in for Supabase Storage (supabase/storage at commit 4fa61fba), on
 * the test file's real database: a fetch that answers the routes storage-js
 * calls, doing to storage.objects what the real server does, so the guard
 * trigger, the policies and the delete guard decide exactly as they would
 * there. Bytes are kept in memory. What it mirrors, by the server's source:
 *
 *  - Every request's database work runs in a transaction that first sets
 *    role, request.jwt.claim.role, request.jwt, request.jwt.claim.sub,
 *    request.jwt.claims and storage.allow_delete_query
 *    (src/internal/database/postgres/scope.ts). The service key, and every
 *    signed-URL upload and the final write of any upload ("asSuperUser"),
 *    run as service_role with claims {"role":"service_role"}.
 *  - Signing an upload URL test-inserts the row as the signer and rolls it
 *    back (Uploader.canUpload via StoragePgDB.testPermission,
 *    src/storage/uploader.ts, src/storage/database/pg.ts): an upsert when
 *    x-upsert is true, a plain insert otherwise (a 409 if the row exists).
 *  - An upload runs that test again, then writes the row with
 *    INSERT ... ON CONFLICT DO UPDATE (Uploader.completeUpload,
 *    StoragePgDB.upsertObject): two firings of any row trigger.
 *  - owner_id is the token's sub (null for the service key and for URLs the
 *    service key signed); owner only when that sub is a UUID.
 *  - Errors are {statusCode, code, error, message} over HTTP 400, or 500
 *    (src/http/error-handler.ts); a Postgres 42501 is AccessDenied with the
 *    database's own message, a unique violation 409 Duplicate
 *    (src/internal/errors/codes.ts).
 *  - Signed upload URLs last UPLOAD_SIGNED_URL_EXPIRATION_TIME: two hours
 *    on hosted Supabase (the default here), a minute self-hosted.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import postgres from "postgres";
import { getEnv } from "@/lib/env";

export const STAND_IN_PROJECT = "https://stand-in.supabase.co";
export const STAND_IN_SERVICE_KEY = "service-role-key-for-the-stand-in-0123456789";
const API = `${STAND_IN_PROJECT}/storage/v1`;
const SECRET = "stand-in-url-signing-secret";

type Caller = { role: string; claims: Record<string, unknown>; jwt: string; sub: string | null };
type Stored = { bytes: Uint8Array<ArrayBuffer>; contentType: string };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** HS256, as the server signs its URL tokens (src/internal/auth/jwt.ts). */
export function signStandInJwt(payload: Record<string, unknown>, secret = SECRET): string {
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64(payload);
  return `${head}.${body}.${createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url")}`;
}

function verified(token: string): Record<string, unknown> | "expired" | null {
  const [head, body, signature] = token.split(".");
  if (!head || !body || signature !== createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url")) return null;
  const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
  return typeof claims.exp === "number" && claims.exp * 1000 <= Date.now() ? "expired" : claims;
}

/** The server's error body (src/http/error-handler.ts): HTTP 400 unless it is a 500. */
function storageErrorResponse(statusCode: string, code: string, message: string, error = code): Response {
  return Response.json({ statusCode, code, error, message }, { status: statusCode === "500" ? 500 : 400 });
}

class Refused extends Error {
  constructor(readonly response: Response) {
    super("refused");
  }
}

function refusal(error: unknown): Response {
  if (error instanceof Refused) return error.response;
  if (error instanceof postgres.PostgresError) {
    if (error.code === "42501") return storageErrorResponse("403", "AccessDenied", error.message, "Unauthorized");
    if (error.code === "23505") return storageErrorResponse("409", "ResourceAlreadyExists", "The resource already exists", "Duplicate");
  }
  throw error;
}

export type StandInOptions = {
  /** UPLOAD_SIGNED_URL_EXPIRATION_TIME in seconds: 7200 on hosted Supabase (the default), 60 self-hosted. */
  uploadUrlLifetimeSeconds?: number;
};

export function supabaseStorageStandIn(options: StandInOptions = {}) {
  const lifetime = options.uploadUrlLifetimeSeconds ?? 7200;
  const db = postgres(getEnv().databaseUrl!, { max: 2, onnotice: () => {} });
  const files = new Map<string, Stored>();
  /** Every statement that reached storage.objects, in order, with the role and claims it ran under. */
  const writes: { statement: string; role: string; claims: string; rolledBack: boolean }[] = [];

  function callerOf(request: Request): Caller {
    const jwt = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    if (jwt === STAND_IN_SERVICE_KEY) return superUser();
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString() || "{}") as Record<string, unknown>;
    return { role: String(payload.role ?? "anon"), claims: payload, jwt, sub: typeof payload.sub === "string" ? payload.sub : null };
  }
  function superUser(): Caller {
    return { role: "service_role", claims: { role: "service_role" }, jwt: "", sub: null };
  }

  /** One transaction in the caller's scope (scope.ts); rolled back when `test` (testPermission). */
  async function scoped<T>(caller: Caller, test: boolean, fn: (sql: postgres.TransactionSql) => Promise<T>): Promise<T> {
    let result: T;
    const rollback = new Error("rollback test permission");
    try {
      await db.begin(async (sql) => {
        await sql`select
          set_config('role', ${caller.role}, true), set_config('request.jwt.claim.role', ${caller.role}, true),
          set_config('request.jwt', ${caller.jwt}, true), set_config('request.jwt.claim.sub', ${caller.sub ?? ""}, true),
          set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true), set_config('storage.allow_delete_query', 'true', true)`;
        result = await fn(sql);
        if (test) throw rollback;
      });
    } catch (error) {
      if (error !== rollback) throw error;
    }
    return result!;
  }

  type Row = { bucket: string; name: string; owner: string | null; metadata: object; userMetadata: object | null; version: string };
  /** StoragePgDB.upsertObject / createObject: owner_id is the sub, owner only for a UUID. */
  async function writeRow(sql: postgres.TransactionSql, row: Row, upsert: boolean, caller: Caller, rolledBack: boolean) {
    const owner = row.owner && /^[0-9a-f-]{36}$/i.test(row.owner) ? row.owner : null;
    writes.push({ statement: upsert ? "upsert" : "insert", role: caller.role, claims: JSON.stringify(caller.claims), rolledBack });
    const values = sql`(${row.bucket}, ${row.name}, ${owner}, ${row.owner}, ${sql.json(row.metadata as postgres.JSONValue)}, ${row.userMetadata === null ? null : sql.json(row.userMetadata as postgres.JSONValue)}, ${row.version})`;
    if (!upsert) {
      await sql`insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version) values ${values}`;
      return;
    }
    // The update half sets owner and owner_id only when the write has an owner (a person's own token).
    const owners = row.owner ? sql`, owner = excluded.owner, owner_id = excluded.owner_id` : sql``;
    await sql`
      insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version) values ${values}
      on conflict (name, bucket_id) do update set metadata = excluded.metadata, user_metadata = excluded.user_metadata,
        version = excluded.version ${owners}`;
  }

  /** Uploader.upload: the test (as the uploader), then the write (as service_role), on the rows only once the bytes are in. */
  async function upload(caller: Caller, bucket: string, name: string, request: Request, owner: string | null, upsert: boolean): Promise<Response> {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const contentType = request.headers.get("content-type") ?? "application/octet-stream";
    const header = request.headers.get("x-metadata");
    const userMetadata = header ? (JSON.parse(Buffer.from(header, "base64").toString()) as object) : null;
    const base = { bucket, name, owner, userMetadata, version: "1" };
    try {
      await scoped(caller, true, (sql) => writeRow(sql, { ...base, metadata: { mimetype: contentType, contentLength: bytes.length } }, upsert, caller, true));
      const metadata = {
        eTag: `"${createHash("md5").update(bytes).digest("hex")}"`,
        size: bytes.length,
        mimetype: contentType,
        cacheControl: request.headers.get("cache-control") ?? "no-cache",
        lastModified: new Date().toISOString(),
        contentLength: bytes.length,
        httpStatusCode: 200,
      };
      await scoped(superUser(), false, (sql) => writeRow(sql, { ...base, metadata, version: randomUUID() }, true, superUser(), false));
    } catch (error) {
      return refusal(error);
    }
    files.set(`${bucket}/${name}`, { bytes, contentType });
    return Response.json({ Key: `${bucket}/${name}`, Id: randomUUID() });
  }

  async function signUpload(caller: Caller, bucket: string, name: string, request: Request): Promise<Response> {
    const upsert = request.headers.get("x-upsert") === "true";
    const base = { bucket, name, owner: caller.sub, metadata: { mimetype: request.headers.get("content-type") }, userMetadata: null, version: "1" };
    try {
      await scoped(caller, true, (sql) => writeRow(sql, base, upsert, caller, true));
    } catch (error) {
      return refusal(error);
    }
    const now = Math.floor(Date.now() / 1000);
    const token = signStandInJwt({ owner: caller.sub ?? undefined, url: `${bucket}/${name}`, upsert, scope: "upload", iat: now, exp: now + lifetime });
    return Response.json({ url: `/object/upload/sign/${bucket}/${name}?token=${token}`, token });
  }

  async function uploadSigned(bucket: string, name: string, request: Request): Promise<Response> {
    const claims = verified(new URL(request.url).searchParams.get("token") ?? "");
    if (claims === "expired") return storageErrorResponse("400", "ExpiredToken", "The provided token has expired.");
    if (!claims || claims.url !== `${bucket}/${name}` || claims.scope !== "upload") {
      return storageErrorResponse("400", "InvalidSignature", "The url do not match the signature");
    }
    return upload(superUser(), bucket, name, request, (claims.owner as string | undefined) ?? null, claims.upsert === true);
  }

  async function rowOf(caller: Caller, bucket: string, name: string) {
    const [row] = await scoped(caller, false, (sql) => sql<{ metadata: Record<string, unknown>; userMetadata: unknown; version: string }[]>`
      select metadata, user_metadata as "userMetadata", version from storage.objects where bucket_id = ${bucket} and name = ${name}`);
    return row;
  }

  async function route(request: Request): Promise<Response> {
    const path = decodeURIComponent(new URL(request.url).pathname.slice(new URL(API).pathname.length));
    const caller = callerOf(request);
    const match = (prefix: string) => (path.startsWith(prefix) ? path.slice(prefix.length).split(/\/(.*)/s, 2) : null);
    const [method] = [request.method];
    let parts: string[] | null;
    if (method === "POST" && (parts = match("/object/upload/sign/"))) return signUpload(caller, parts[0]!, parts[1]!, request);
    if (method === "PUT" && (parts = match("/object/upload/sign/"))) return uploadSigned(parts[0]!, parts[1]!, request);
    if (method === "GET" && (parts = match("/object/info/"))) {
      const row = await rowOf(caller, parts[0]!, parts[1]!);
      if (!row) return storageErrorResponse("404", "NoSuchKey", "Object not found", "not_found");
      return Response.json({ name: parts[1], bucket_id: parts[0], version: row.version, size: row.metadata.size ?? null, metadata: row.userMetadata });
    }
    if (method === "POST" && (parts = match("/object/sign/"))) {
      if (!(await rowOf(caller, parts[0]!, parts[1]!))) return storageErrorResponse("404", "NoSuchKey", "Object not found", "not_found");
      const { expiresIn } = (await request.json()) as { expiresIn: number };
      const now = Math.floor(Date.now() / 1000);
      const token = signStandInJwt({ url: `${parts[0]}/${parts[1]}`, scope: "download", iat: now, exp: now + expiresIn });
      return Response.json({ signedURL: `/object/sign/${parts[0]}/${parts[1]}?token=${token}` });
    }
    if (method === "GET" && (parts = match("/object/sign/"))) {
      const claims = verified(new URL(request.url).searchParams.get("token") ?? "");
      const file = files.get(`${parts[0]}/${parts[1]}`);
      if (!claims || claims === "expired" || claims.scope !== "download") return storageErrorResponse("400", "InvalidJWT", "invalid token");
      if (!file) return storageErrorResponse("404", "NoSuchKey", "Object not found", "not_found");
      return new Response(file.bytes, { headers: { "content-type": file.contentType } });
    }
    if (method === "HEAD" && (parts = match("/object/"))) return new Response(null, { status: (await rowOf(caller, parts[0]!, parts[1]!)) ? 200 : 400 });
    if (method === "POST" && (parts = match("/object/"))) return upload(caller, parts[0]!, parts[1]!, request, caller.sub, request.headers.get("x-upsert") === "true");
    if (method === "DELETE" && path.startsWith("/object/")) {
      const bucket = path.slice("/object/".length);
      const { prefixes } = (await request.json()) as { prefixes: string[] };
      const removed = await scoped(caller, false, (sql) => sql<{ name: string }[]>`
        delete from storage.objects where bucket_id = ${bucket} and name = any(${prefixes}) returning name`);
      for (const { name } of removed) files.delete(`${bucket}/${name}`);
      return Response.json(removed.map(({ name }) => ({ name, bucket_id: bucket })));
    }
    return storageErrorResponse("404", "NotFound", `the stand-in has no route for ${method} ${path}`);
  }

  const fetch: typeof globalThis.fetch = async (input, init) => route(new Request(input, init));
  return { fetch, files, writes, close: () => db.end() };
}
