/**
 * The local adapter's URL tokens on their own: what verifies and what does not.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSigningKey, signingKeyPath, signToken, verifyToken, type TokenClaims } from "@/lib/storage/signing";

const key = randomBytes(32);
const now = new Date("2026-01-01T00:00:00Z");
const seconds = Math.floor(now.getTime() / 1000);
const claims: TokenClaims = { url: "postora-generations/u1/generation-g1.png", op: "upload", iat: seconds, exp: seconds + 60 };

describe("verifyToken", () => {
  it("accepts a token it signed and returns its claims", () => {
    expect(verifyToken(key, signToken(key, claims), now)).toEqual({ ok: true, claims });
  });

  it("refuses a token once it has expired", () => {
    const token = signToken(key, claims);
    expect(verifyToken(key, token, new Date((claims.exp - 1) * 1000)).ok).toBe(true);
    expect(verifyToken(key, token, new Date(claims.exp * 1000))).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses any change to the signature, including bits base64url decoding would ignore", () => {
    const [header, payload, signature] = signToken(key, claims).split(".") as [string, string, string];
    const last = signature.at(-1)!;
    // The last character of a 32-byte signature carries two unused bits: flip one of them.
    const sibling = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(last) ^ 1
    ]!;
    for (const altered of [`${signature.slice(0, -1)}${sibling}`, `${signature}A`, signature.slice(1), ""]) {
      expect(verifyToken(key, `${header}.${payload}.${altered}`, now)).toEqual({ ok: false, reason: "signature" });
    }
  });

  it("refuses a payload changed after signing and a token signed with another key", () => {
    const [header, , signature] = signToken(key, claims).split(".") as [string, string, string];
    const widened = Buffer.from(JSON.stringify({ ...claims, url: "postora-generations/u2/generation-g2.png" })).toString("base64url");
    expect(verifyToken(key, `${header}.${widened}.${signature}`, now)).toEqual({ ok: false, reason: "signature" });
    expect(verifyToken(randomBytes(32), signToken(key, claims), now)).toEqual({ ok: false, reason: "signature" });
  });

  it("refuses tokens that choose their own algorithm or are not tokens at all", () => {
    const [, payload] = signToken(key, claims).split(".") as [string, string, string];
    const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    for (const token of [`${none}.${payload}.`, "not-a-token", "a.b", "a.b.c.d", ""]) {
      expect(verifyToken(key, token, now)).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("refuses signed payloads that are not well-formed claims", () => {
    const signedJunk = signToken(key, { ...claims, op: "delete" } as unknown as TokenClaims);
    expect(verifyToken(key, signedJunk, now)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("loadSigningKey", () => {
  it("creates a private key once and returns the same key afterwards, also to concurrent callers", async () => {
    const dataDir = path.join(await mkdtemp(path.join(process.env.POSTORA_DATA_DIR!, "postora-key-")), "nested");
    const [first, second] = await Promise.all([loadSigningKey(dataDir), loadSigningKey(dataDir)]);
    expect(first.equals(second!)).toBe(true);
    expect(first.length).toBe(32);
    expect((await loadSigningKey(dataDir)).equals(first)).toBe(true);
    expect((await stat(signingKeyPath(dataDir))).mode & 0o777).toBe(0o600);
  });

  it("tightens a key file left readable by others", async () => {
    const dataDir = await mkdtemp(path.join(process.env.POSTORA_DATA_DIR!, "postora-key-"));
    await writeFile(signingKeyPath(dataDir), `${randomBytes(32).toString("base64url")}\n`, { mode: 0o644 });
    await loadSigningKey(dataDir);
    expect((await stat(signingKeyPath(dataDir))).mode & 0o777).toBe(0o600);
  });

  it("says how to recover from a damaged key file instead of signing with it", async () => {
    const dataDir = await mkdtemp(path.join(process.env.POSTORA_DATA_DIR!, "postora-key-"));
    await writeFile(signingKeyPath(dataDir), "short\n", { mode: 0o600 });
    await expect(loadSigningKey(dataDir)).rejects.toThrow(/Delete the file and a new key is generated/);
    expect(await readFile(signingKeyPath(dataDir), "utf8")).toBe("short\n");
  });
});
