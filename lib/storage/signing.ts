/**
 * Signed-URL tokens for the local storage adapter.
 *
 * Tokens are HS256 JWTs, the format Supabase Storage uses, so anything a
 * client does with a Supabase token (read its `exp`, pass it to
 * uploadToSignedUrl) works with ours. Each token names one exact
 * "<bucket>/<path>" and one operation, and is checked with a constant-time
 * comparison. The key is random, made once per data folder, and never leaves
 * the machine; deleting the file invalidates every outstanding URL.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { createPrivateFileOnce } from "@/lib/files";

export type TokenOperation = "upload" | "download";

export type TokenClaims = {
  /** "<bucket>/<path>", as in Supabase's tokens. */
  url: string;
  op: TokenOperation;
  iat: number;
  exp: number;
};

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: "malformed" | "signature" | "expired" };

const KEY_BYTES = 32;
const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

export function signingKeyPath(dataDir: string): string {
  return path.join(dataDir, "storage-signing-key");
}

function parseKey(file: string, text: string): Buffer {
  const key = Buffer.from(text.trim(), "base64url");
  if (key.length < KEY_BYTES) {
    throw new Error(
      `${file} does not hold a valid signing key (expected at least ${KEY_BYTES} random bytes, base64url-encoded). ` +
        "Delete the file and a new key is generated on the next request; URLs signed with the old key stop working.",
    );
  }
  return key;
}

/** Reads the data folder's signing key, creating it on first use (two processes starting at once agree on one). */
export async function loadSigningKey(dataDir: string): Promise<Buffer> {
  const file = signingKeyPath(dataDir);
  try {
    const existing = await readFile(file, "utf8");
    // A key others can read lets them forge URLs; tighten what an older checkout or a copy left loose.
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return parseKey(file, existing);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  await createPrivateFileOnce(file, `${base64url(randomBytes(KEY_BYTES))}\n`);
  return parseKey(file, await readFile(file, "utf8"));
}

function signature(key: Buffer, signingInput: string): Buffer {
  return createHmac("sha256", key).update(signingInput).digest();
}

export function signToken(key: Buffer, claims: TokenClaims): string {
  const signingInput = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${signature(key, signingInput).toString("base64url")}`;
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== "object" || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims.url === "string" &&
    (claims.op === "upload" || claims.op === "download") &&
    Number.isInteger(claims.iat) &&
    Number.isInteger(claims.exp)
  );
}

/**
 * Checks a token's signature, then its expiry. The header must be exactly
 * ours, so a token cannot pick its own algorithm; the payload is parsed only
 * after the signature is known to be good.
 */
export function verifyToken(key: Buffer, token: string, now: Date = new Date()): TokenCheck {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: "malformed" };
  const [header, payload, given] = parts as [string, string, string];
  // Compare the encoded text, not decoded bytes: base64url decoding ignores
  // stray characters and spare bits, which would let altered tokens pass.
  const expected = Buffer.from(signature(key, `${header}.${payload}`).toString("base64url"));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return { ok: false, reason: "signature" };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!isClaims(claims)) return { ok: false, reason: "malformed" };
  if (claims.exp * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}
