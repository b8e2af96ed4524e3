import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSecretBox, developmentKeyFile, parseKey, secretBox } from "@/lib/secrets/box";

const keyA = parseKey(randomBytes(32).toString("base64"));
const keyB = parseKey(randomBytes(32).toString("hex"));

describe("secret box", () => {
  it("opens what it sealed, and the sealed text holds no plaintext", () => {
    const box = createSecretBox(keyA);
    const sealed = box.seal("canva-refresh-token-123", "canva:refresh:u1");
    expect(sealed).toMatch(new RegExp(`^enc:v1:${keyA.id}:`));
    expect(sealed).not.toContain("canva-refresh-token-123");
    expect(box.open(sealed, "canva:refresh:u1")).toBe("canva-refresh-token-123");
    expect(box.seal("same", "c")).not.toBe(box.seal("same", "c"));
  });

  it("refuses a value moved to another context or altered", () => {
    const box = createSecretBox(keyA);
    const sealed = box.seal("secret", "webhook:e1");
    expect(() => box.open(sealed, "webhook:e2")).toThrow(/sealed for another purpose or row/);
    const parts = sealed.split(":");
    parts[4] = Buffer.from("tampered").toString("base64url");
    expect(() => box.open(parts.join(":"), "webhook:e1")).toThrow(/does not open/);
    expect(() => box.open("plain text", "webhook:e1")).toThrow(/not a sealed secret/);
  });

  it("rotates: old values open under a previous key and ask to be sealed again", () => {
    const sealedUnderA = createSecretBox(keyA).seal("secret", "c");
    const rotated = createSecretBox(keyB, [keyA]);
    expect(rotated.open(sealedUnderA, "c")).toBe("secret");
    expect(rotated.needsResealing(sealedUnderA)).toBe(true);
    expect(rotated.needsResealing(rotated.seal("secret", "c"))).toBe(false);
    expect(() => createSecretBox(keyB).open(sealedUnderA, "c")).toThrow(new RegExp(`key ${keyA.id}`));
  });

  it("refuses keys that are not 32 bytes", () => {
    expect(() => parseKey("short")).toThrow(/32 random bytes/);
  });

  describe("from configuration", () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "postora-secret-box-"));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it("makes a development key once under the data folder", async () => {
      const env = { isProduction: false, dataDir, dataEncryption: { key: null, previousKeys: [] } };
      const sealed = (await secretBox(env)).seal("x", "c");
      expect(existsSync(developmentKeyFile(dataDir))).toBe(true);
      // Another configuration object with the same settings (a new process) reads the same key file.
      expect((await secretBox({ ...env, dataEncryption: { key: null, previousKeys: [] } })).open(sealed, "c")).toBe("x");
    });

    it("refuses production without a key", async () => {
      const env = { isProduction: true, dataDir, dataEncryption: { key: null, previousKeys: [] } };
      await expect(secretBox(env)).rejects.toThrow(/required in production/);
    });
  });
});
