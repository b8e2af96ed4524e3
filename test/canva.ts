/**
 * The Canva stand-in for tests: a fresh one per file, its config, a secret
 * box, and a browser's part of the OAuth dance (follow the authorize URL to
 * the redirect, without following the redirect into our own server).
 */
import { randomBytes } from "node:crypto";
import { CANVA_STAND_IN_CLIENT, type CanvaConfig } from "@/lib/env";
import { canvaClient } from "@/lib/canva/client";
import { startCanvaStandIn, type CanvaStandIn, type StandInSettings } from "@/lib/canva/stand-in";
import { createSecretBox, parseKey } from "@/lib/secrets/box";
import { logger } from "@/lib/log";
import type { CanvaDeps } from "@/lib/canva/accounts";

export type CanvaHarness = { standIn: CanvaStandIn; deps: CanvaDeps; control(path: string, body?: unknown): Promise<Record<string, unknown>> };

export async function canvaHarness(settings: Partial<StandInSettings> = {}, redirectUrl = "http://127.0.0.1:3999/api/canva/callback"): Promise<CanvaHarness> {
  const standIn = await startCanvaStandIn({ isProduction: false, settings });
  const canva: CanvaConfig = { ...CANVA_STAND_IN_CLIENT, apiUrl: `${standIn.origin}/rest`, authorizeUrl: `${standIn.origin}/api/oauth/authorize`, redirectUrl, standInPort: null };
  const box = createSecretBox(parseKey(randomBytes(32).toString("base64url")));
  const client = canvaClient(canva, { pollStartMs: 5, pollCapMs: 20, rateLimitRetries: 6 });
  return {
    standIn,
    deps: { canva, box, client, log: logger.child({ source: "test-canva" }) },
    async control(path, body = {}) {
      const response = await fetch(`${standIn.origin}/_stand-in/${path}`, { method: "POST", body: JSON.stringify(body) });
      return (await response.json()) as Record<string, unknown>;
    },
  };
}

/** What a person's browser does at Canva: open the authorize URL and come back with the redirect's code and state. */
export async function approveAtCanva(authorizeUrl: string): Promise<{ code: string | null; state: string | null; error: string | null; location: URL }> {
  const response = await fetch(authorizeUrl, { redirect: "manual" });
  const location = new URL(response.headers.get("location") ?? "about:blank");
  return { code: location.searchParams.get("code"), state: location.searchParams.get("state"), error: location.searchParams.get("error"), location };
}
