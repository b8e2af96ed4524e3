/**
 * The client address for limits, and the one warning on the first requests
 * after a start when TRUSTED_PROXY_COUNT does not match what they show.
 */
import { describe, expect, it } from "vitest";
import { clientIpOf, proxyCountCheck } from "@/lib/http/client-ip";

const forwarded = (value: string | null) => new Headers(value === null ? {} : { "x-forwarded-for": value });

function watching(trustedProxyCount: number) {
  const warnings: string[] = [];
  const check = proxyCountCheck(trustedProxyCount, { warn: (message) => warnings.push(message) });
  return { check, warnings };
}

describe("clientIpOf", () => {
  it("takes the address the outermost trusted proxy recorded, not what the client wrote", () => {
    expect(clientIpOf(forwarded("198.51.100.1, 203.0.113.7"), 1)).toBe("203.0.113.7");
    expect(clientIpOf(forwarded("198.51.100.1, 203.0.113.7, 10.0.0.2"), 2)).toBe("203.0.113.7");
    expect(clientIpOf(forwarded(null), 1)).toBeNull();
  });
});

describe("proxyCountCheck", () => {
  it("warns once when a request shows fewer proxies than configured", () => {
    const { check, warnings } = watching(2);
    check(forwarded("203.0.113.7, 10.0.0.2"));
    check(forwarded("203.0.113.7"));
    check(forwarded(null));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^TRUSTED_PROXY_COUNT is 2, but a request came with 1 address\(es\)/);
  });

  it("warns once when every one of the first requests shows more proxies than configured", () => {
    const { check, warnings } = watching(1);
    for (let i = 0; i < 25; i += 1) check(forwarded(`198.51.100.${i}, 203.0.113.7, 10.0.0.2`));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/set TRUSTED_PROXY_COUNT=3/);
  });

  it("says nothing when the requests match, and stops looking after the first ones", () => {
    const { check, warnings } = watching(1);
    for (let i = 0; i < 20; i += 1) check(forwarded(i % 2 ? "203.0.113.7" : "198.51.100.1, 203.0.113.7"));
    check(forwarded(null));
    expect(warnings).toEqual([]);
  });
});
