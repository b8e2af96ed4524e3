/**
 * The development identity: with no Clerk keys, outside production, tokens
 * are signed with a local RSA key kept under the data folder and verified by
 * the very code that verifies Clerk's (verifyToken with a PEM jwtKey). So
 * GraphiQL, curl, scripts and tests act as any user through the real path.
 *
 * Nothing here runs in production: every entry point refuses when
 * NODE_ENV=production, whatever else is configured.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { signJwt } from "@clerk/backend/jwt";
import type { Env } from "@/lib/env";
import { createPrivateFileOnce } from "@/lib/files";

/** The `iss` of every development token; a production server refuses tokens that carry it. */
export const DEV_ISSUER = "https://dev-identity.postora.invalid";

export type DevSigningKey = { privateKeyPem: string; publicKeyPem: string; kid: string };

export class DevIdentityInProductionError extends Error {
  constructor() {
    super("The development identity cannot run in production (NODE_ENV=production): configure Clerk instead.");
    this.name = "DevIdentityInProductionError";
  }
}

export function devKeyFile(env: Env): string {
  return path.join(env.dataDir, "dev-identity", "signing-key.pem");
}

function fromPrivatePem(privateKeyPem: string): DevSigningKey {
  const publicKey = createPublicKey(privateKeyPem);
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    privateKeyPem,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    kid: `dev_${createHash("sha256").update(der).digest("base64url").slice(0, 16)}`,
  };
}

async function readKey(file: string): Promise<DevSigningKey | null> {
  try {
    return fromPrivatePem(await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`The development signing key at ${file} is unreadable (${(error as Error).message}). Delete it to create a new one.`);
  }
}

/** Creates the key on first use; if the server and `npm run token` race, the first key written wins. */
async function createKey(file: string): Promise<DevSigningKey> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // 2048-bit RSA, e=65537: the only shape Clerk's PEM loader (jwtKey) reads.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  await createPrivateFileOnce(file, pem);
  return (await readKey(file))!;
}

const keys = new Map<string, Promise<DevSigningKey>>();

/** The local signing key, created under the data folder on first use. */
export function devSigningKey(env: Env): Promise<DevSigningKey> {
  if (env.isProduction) return Promise.reject(new DevIdentityInProductionError());
  const file = devKeyFile(env);
  let key = keys.get(file);
  if (!key) {
    key = readKey(file).then((existing) => existing ?? createKey(file));
    key.catch(() => keys.delete(file));
    keys.set(file, key);
  }
  return key;
}

export type DevTokenRequest = {
  clerkUserId: string;
  email?: string | null;
  /** Lifetime in seconds; Clerk's own tokens last 60 s, a development token a day by default. */
  expiresInSeconds?: number;
};

/** A Clerk-shaped session token (v2 claims) signed with the local key. */
export async function mintDevToken(env: Env, request: DevTokenRequest): Promise<string> {
  const key = await devSigningKey(env);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    sub: request.clerkUserId,
    sid: `sess_dev_${randomBytes(12).toString("hex")}`,
    iss: DEV_ISSUER,
    azp: DEV_AUTHORIZED_PARTY,
    nbf: now - 5,
    exp: now + (request.expiresInSeconds ?? 24 * 60 * 60),
    v: 2,
    ...(request.email ? { email: request.email } : {}),
  };
  return signJwt(claims, key.privateKeyPem, { algorithm: "RS256", header: { typ: "JWT", kid: key.kid } });
}

/**
 * The authorized party of every development token. Not the app's origin: a
 * token minted by `npm run token` must work whatever PORT the dev server got,
 * and the key under the data folder already binds it to this installation.
 * Tokens naming any other party are still refused.
 */
export const DEV_AUTHORIZED_PARTY = "postora-development-identity";
