/**
 * The failed-authentication gate: per address, N failures a minute, then
 * refusals (with the seconds left) until that minute is over; other
 * addresses untouched; 0 turns it off.
 */
import { describe, expect, it } from "vitest";
import { createFailedAuthGate } from "@/lib/auth/failed-auth-gate";

describe("createFailedAuthGate", () => {
  it("lets an address fail N times a minute, then refuses it until its minute is over", () => {
    let clock = 1_000_000;
    const gate = createFailedAuthGate({ perMinute: 3, now: () => clock });
    for (let i = 0; i < 3; i += 1) {
      expect(gate.check("192.0.2.1")).toBeNull();
      gate.failed("192.0.2.1");
    }
    expect(gate.check("192.0.2.1")).toEqual({ limit: 3, retryAfterSeconds: 60 });
    clock += 45_500;
    expect(gate.check("192.0.2.1")).toEqual({ limit: 3, retryAfterSeconds: 15 });
    // Another address, and callers with no known address, have their own count.
    expect(gate.check("192.0.2.2")).toBeNull();
    expect(gate.check(null)).toBeNull();
    clock += 15_000;
    expect(gate.check("192.0.2.1")).toBeNull();
  });

  it("is off at 0", () => {
    const gate = createFailedAuthGate({ perMinute: 0 });
    for (let i = 0; i < 100; i += 1) gate.failed("192.0.2.1");
    expect(gate.check("192.0.2.1")).toBeNull();
  });
});
