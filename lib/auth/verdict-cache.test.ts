/**
 * Machine credentials' verdicts: one lookup per credential per window,
 * shared by concurrent requests, refusals remembered too (a made-up key is
 * looked up once), failures to verify never; a revocation through this
 * server forgets the key at once; the window is at most 60 s.
 */
import { describe, expect, it } from "vitest";
import { createVerdictCache, forgetMachineCredential } from "@/lib/auth/verdict-cache";
import { AppError, UnauthenticatedError } from "@/lib/errors";

type Verdict = { keyId: string };

function counting(answer: (token: string) => Promise<Verdict>) {
  const asked: string[] = [];
  let clock = 1_000_000;
  const cache = createVerdictCache<Verdict>({
    lookup: (token) => (asked.push(token), answer(token)),
    ttlSeconds: 30,
    keyIdOf: (verdict) => verdict.keyId,
    now: () => clock,
  });
  return { cache, asked, tick: (ms: number) => (clock += ms) };
}

describe("createVerdictCache", () => {
  it("looks a valid key up once per window, concurrent requests included, and again after it", async () => {
    const { cache, asked, tick } = counting(async (token) => ({ keyId: `id-of-${token}` }));
    await Promise.all([cache.verify("ak_a"), cache.verify("ak_a"), cache.verify("ak_a")]);
    expect(asked).toEqual(["ak_a"]);
    tick(29_000);
    await cache.verify("ak_a");
    expect(asked).toHaveLength(1);
    expect(cache.knownGood("ak_a")).toBe(true);
    tick(2_000);
    await cache.verify("ak_a");
    expect(asked).toHaveLength(2);
  });

  it("remembers an unknown key's refusal for the window: asked once, refused each time", async () => {
    const { cache, asked } = counting(() => Promise.reject(new UnauthenticatedError("no such key")));
    for (let i = 0; i < 5; i += 1) await expect(cache.verify("ak_made_up")).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(asked).toEqual(["ak_made_up"]);
    expect(cache.knownGood("ak_made_up")).toBe(false);
  });

  it("does not remember a failure to verify (Clerk unreachable): the next request asks again", async () => {
    const { cache, asked } = counting(() => Promise.reject(new AppError("SERVICE_UNAVAILABLE", "Clerk is down")));
    await expect(cache.verify("ak_b")).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    await expect(cache.verify("ak_b")).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(asked).toHaveLength(2);
  });

  it("forgets a key revoked through this server at once", async () => {
    const { cache, asked } = counting(async () => ({ keyId: "ak_id_revoked" }));
    await cache.verify("ak_c");
    forgetMachineCredential("ak_id_revoked");
    await cache.verify("ak_c");
    expect(asked).toHaveLength(2);
    expect(cache.knownGood("ak_c")).toBe(true);
  });

  it("keeps no verdict longer than 60 s, whatever it is told", async () => {
    const asked: string[] = [];
    let clock = 0;
    const cache = createVerdictCache<Verdict>({
      lookup: async (token) => (asked.push(token), { keyId: "k" }),
      ttlSeconds: 3600,
      keyIdOf: (verdict) => verdict.keyId,
      now: () => clock,
    });
    await cache.verify("ak_d");
    clock += 60_000;
    await cache.verify("ak_d");
    expect(asked).toHaveLength(2);
  });
});
