/**
 * Secrets at rest (Canva tokens, webhook signing secrets): AES-256-GCM under
 * DATA_ENCRYPTION_KEY, so a database dump or backup holds no usable secret.
 *
 * A sealed value is one text column: `enc:v1:<key id>:<iv>:<ciphertext>:<tag>`
 * (base64url parts). The key id names the key that sealed it, so a key can be
 * rotated: set the new key as DATA_ENCRYPTION_KEY and the old one in
 * DATA_ENCRYPTION_KEYS_PREVIOUS; old values still open, and `needsResealing`
 * tells a caller to write them again under the current key.
 *
 * Every seal is bound to a context string (say `canva:refresh:<user id>`),
 * passed as GCM's additional data: a sealed value copied to another row or
 * another purpose does not open there.
 *
 * Outside production, with no key set, a random key is created once under the
 * data folder, like the development signing keys; production refuses to run
 * without DATA_ENCRYPTION_KEY (lib/env.ts).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Env } from "@/lib/env";
import { createPrivateFileOnce } from "@/lib/files";

const PREFIX = "enc:v1";
const IV_BYTES = 12;

class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

type Key = { id: string; bytes: Buffer };

export type SecretBox = {
  /** Encrypts `plaintext` under the current key, bound to `context`. */
  seal(plaintext: string, context: string): string;
  /** Decrypts a value sealed by `seal` with the same context; throws SecretBoxError otherwise. */
  open(sealed: string, context: string): string;
  /** True when `sealed` was made under a key other than the current one. */
  needsResealing(sealed: string): boolean;
};

/** A key's id: a short fingerprint, safe to store beside what it sealed. */
function keyId(bytes: Buffer): string {
  return createHash("sha256").update("postora-data-key").update(bytes).digest("base64url").slice(0, 8);
}

/** Reads a 32-byte key written as base64 (or base64url) or 64 hex digits. */
export function parseKey(text: string): Key {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64url");
  if (bytes.length !== 32) {
    throw new SecretBoxError(
      "A data encryption key must be 32 random bytes, written as base64 or 64 hex digits (make one with `openssl rand -base64 32`).",
    );
  }
  return { id: keyId(bytes), bytes };
}

function encode(buffer: Buffer): string {
  return buffer.toString("base64url");
}

export function createSecretBox(current: Key, previous: Key[] = []): SecretBox {
  const keys = new Map([current, ...previous].map((key) => [key.id, key]));
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", current.bytes, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return [PREFIX, current.id, encode(iv), encode(ciphertext), encode(cipher.getAuthTag())].join(":");
    },
    open(sealed, context) {
      const parts = sealed.split(":");
      if (parts.length !== 6 || `${parts[0]}:${parts[1]}` !== PREFIX) throw new SecretBoxError("This value is not a sealed secret.");
      const [, , id, iv, ciphertext, tag] = parts as [string, string, string, string, string, string];
      const key = keys.get(id);
      if (!key) {
        throw new SecretBoxError(
          `This secret was sealed under key ${id}, which is neither DATA_ENCRYPTION_KEY nor in DATA_ENCRYPTION_KEYS_PREVIOUS.`,
        );
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", key.bytes, Buffer.from(iv, "base64url"));
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretBoxError("This secret does not open: it was altered, or sealed for another purpose or row.");
      }
    },
    needsResealing(sealed) {
      return sealed.split(":")[2] !== current.id;
    },
  };
}

export function developmentKeyFile(dataDir: string): string {
  return path.join(dataDir, "data-encryption-key");
}

/** Outside production only: the key kept under the data folder, created on first use. */
async function developmentKey(dataDir: string): Promise<Key> {
  const file = developmentKeyFile(dataDir);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await createPrivateFileOnce(file, `${randomBytes(32).toString("base64url")}\n`);
  return parseKey(await readFile(file, "utf8"));
}

const boxes = new Map<string, Promise<SecretBox>>();

/** The process's secret box for this configuration, built once. */
export function secretBox(env: Pick<Env, "isProduction" | "dataDir" | "dataEncryption">): Promise<SecretBox> {
  const cacheKey = `${env.isProduction}|${env.dataEncryption.key ?? ""}|${env.dataEncryption.previousKeys.join(",")}|${env.dataDir}`;
  let box = boxes.get(cacheKey);
  if (!box) {
    box = (async () => {
      const previous = env.dataEncryption.previousKeys.map(parseKey);
      if (env.dataEncryption.key) return createSecretBox(parseKey(env.dataEncryption.key), previous);
      if (env.isProduction) throw new SecretBoxError("DATA_ENCRYPTION_KEY is required in production.");
      return createSecretBox(await developmentKey(env.dataDir), previous);
    })();
    box.catch(() => boxes.delete(cacheKey));
    boxes.set(cacheKey, box);
  }
  return box;
}
