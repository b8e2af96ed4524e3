import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError, envVariableNames, parseEnv } from "@/lib/env";
import { PRODUCTION_ENV } from "@/test/support";

const problemsOf = (source: Record<string, string | undefined>): string[] => {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};


describe("configuration", () => {
  it("runs on embedded defaults with nothing set", () => {
    const env = parseEnv({});
    expect(env.databaseUrl).toBeNull();
    expect(env.supabase).toBeNull();
    expect(env.clerk).toBeNull();
    expect(env.devIdentity).toBe(true);
    expect(env.port).toBe(3000);
    expect(env.appUrl).toBe("http://localhost:3000");
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", CLERK_SECRET_KEY: "  " }).databaseUrl).toBeNull();
  });

  it("names a malformed variable and says what it must look like, one line each", () => {
    const problems = problemsOf({ DATABASE_URL: "mysql://nope", STRIPE_WEBHOOK_SECRET: "abc", PORT: "http" });
    expect(problems).toHaveLength(3);
    expect(problems.find((line) => line.startsWith("DATABASE_URL"))).toMatch(/postgres:\/\/ or postgresql:\/\//);
    expect(problems.find((line) => line.startsWith("STRIPE_WEBHOOK_SECRET"))).toMatch(/whsec_/);
    expect(problems.find((line) => line.startsWith("PORT"))).toBeTruthy();
    for (const line of problems) expect(line).not.toContain("\n");
  });

  it("refuses half an integration and says which half is missing", () => {
    const problems = problemsOf({ SUPABASE_URL: "https://abcd.supabase.co" });
    expect(problems).toEqual([expect.stringMatching(/^SUPABASE_SERVICE_ROLE_KEY is missing/)]);
  });

  it("configures each integration on its own", () => {
    const env = parseEnv({ CLERK_WEBHOOK_SIGNING_SECRET: "whsec_abc", STRIPE_WEBHOOK_SECRET: "whsec_def" });
    expect(env.clerkWebhookSecret).toBe("whsec_abc");
    expect(env.clerk).toBeNull();
    expect(env.stripe).toEqual({ secretKey: null, webhookSecret: "whsec_def", prices: { pro: [], business: [] }, apiUrl: null });
  });

  it("reads each plan's Stripe prices, comma-separated, and refuses what is not a price id", () => {
    const env = parseEnv({ STRIPE_PRICE_PRO: "price_1ProMonthly, price_1ProYearly", STRIPE_PRICE_BUSINESS: "price_1Biz" });
    expect(env.stripe.prices).toEqual({ pro: ["price_1ProMonthly", "price_1ProYearly"], business: ["price_1Biz"] });
    const problems = problemsOf({ STRIPE_PRICE_PRO: "prod_123" });
    expect(problems).toEqual([expect.stringMatching(/^STRIPE_PRICE_PRO must be Stripe price ids \(price_\.\.\.\)/)]);
  });

  it("points the writer at an OpenAI-compatible server, and says what it is missing", () => {
    const env = parseEnv({ AI_PROVIDER: "openai-compatible", AI_BASE_URL: "http://127.0.0.1:11434/v1/", AI_MODEL: "llama3.2" });
    expect(env.ai).toEqual({ provider: "openai-compatible", explicit: true, model: "llama3.2", baseUrl: "http://127.0.0.1:11434/v1", apiKey: null });
    expect(parseEnv({ AI_PROVIDER: "openai-compatible", AI_BASE_URL: "https://openrouter.ai/api/v1", AI_MODEL: "m", AI_API_KEY: "sk-or-1" }).ai).toMatchObject({
      apiKey: "sk-or-1",
    });
    expect(problemsOf({ AI_PROVIDER: "openai-compatible" })).toEqual([
      expect.stringMatching(/^AI_BASE_URL is missing: .*http:\/\/127\.0\.0\.1:11434\/v1 for Ollama/),
      expect.stringMatching(/^AI_MODEL is missing/),
    ]);
    expect(problemsOf({ AI_PROVIDER: "openai-compatible", AI_BASE_URL: "ftp://host/v1", AI_MODEL: "m" })).toEqual([
      expect.stringMatching(/^AI_BASE_URL must be the server's OpenAI-compatible base URL/),
    ]);
    expect(problemsOf({ AI_PROVIDER: "openai", OPENAI_API_KEY: "sk-0123456789abcdefghij", AI_BASE_URL: "http://127.0.0.1:1/v1" })).toEqual([
      expect.stringMatching(/^AI_BASE_URL is only read with AI_PROVIDER=openai-compatible/),
    ]);
  });

  it("refuses to start production on local defaults", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.join("\n")).toMatch(/DATABASE_URL is required in production/);
    expect(problems.join("\n")).toMatch(/CLERK_SECRET_KEY are required in production/);
    expect(problems.join("\n")).toMatch(/SUPABASE_SERVICE_ROLE_KEY are required in production/);
    expect(problems.join("\n")).toMatch(/APP_URL is required in production/);
  });

  it("never enables the development identity in production", () => {
    const env = parseEnv(PRODUCTION_ENV);
    expect(env.isProduction).toBe(true);
    expect(env.devIdentity).toBe(false);
  });

  it("documents every variable it reads in .env.example, and nothing else", () => {
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]).sort();
    const read = envVariableNames.filter((name) => name !== "NODE_ENV").sort();
    expect(documented).toEqual(read);
  });
});
