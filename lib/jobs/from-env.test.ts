/**
 * The worker's configuration: production never silently runs the offline
 * writer; a cloud provider needs its key; the worker's connection falls back
 * from DATABASE_DIRECT_URL to DATABASE_URL.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/lib/env";
import { checkWorkerConfig } from "@/lib/jobs/from-env";
import { PRODUCTION_ENV } from "@/test/support";

describe("worker configuration", () => {
  it("refuses production on the offline writer unless AI_PROVIDER=offline is set on purpose", () => {
    expect(() => checkWorkerConfig(parseEnv({ ...PRODUCTION_ENV }))).toThrow(ConfigError);
    expect(() => checkWorkerConfig(parseEnv({ ...PRODUCTION_ENV }))).toThrow(/AI_PROVIDER is not set: in production the worker will not silently use the offline/);
    expect(() => checkWorkerConfig(parseEnv({ ...PRODUCTION_ENV, AI_PROVIDER: "offline" }))).not.toThrow();
    expect(() => checkWorkerConfig(parseEnv({ ...PRODUCTION_ENV, AI_PROVIDER: "openai", OPENAI_API_KEY: "sk-test-0123456789abcdefghij" }))).not.toThrow();
    expect(() => checkWorkerConfig(parseEnv({ NODE_ENV: "development" }))).not.toThrow();
  });

  it("needs the chosen provider's key, and defaults its model", () => {
    expect(() => parseEnv({ AI_PROVIDER: "anthropic" })).toThrow(/ANTHROPIC_API_KEY is missing: AI_PROVIDER=anthropic needs it/);
    expect(() => parseEnv({ AI_PROVIDER: "gemini" })).toThrow(/AI_PROVIDER must be offline, openai, anthropic or openai-compatible/);
    expect(parseEnv({ AI_PROVIDER: "openai", OPENAI_API_KEY: "sk-test-0123456789abcdefghij" }).ai).toEqual({
      provider: "openai",
      explicit: true,
      model: "gpt-4o-mini",
      apiKey: "sk-test-0123456789abcdefghij",
    });
    expect(parseEnv({ AI_PROVIDER: "anthropic", ANTHROPIC_API_KEY: "sk-ant-0123456789abcdefghij", AI_MODEL: "claude-sonnet-4-5" }).ai).toMatchObject({ model: "claude-sonnet-4-5" });
  });

  it("connects the worker to DATABASE_DIRECT_URL, else DATABASE_URL; bounds concurrency and the lock timeout", () => {
    const pooler = "postgres://user:pw@pooler.example:6543/postgres";
    const direct = "postgres://user:pw@db.example:5432/postgres";
    expect(parseEnv({ DATABASE_URL: pooler }).databaseDirectUrl).toBe(pooler);
    expect(parseEnv({ DATABASE_URL: pooler, DATABASE_DIRECT_URL: direct }).databaseDirectUrl).toBe(direct);
    expect(parseEnv({}).worker).toEqual({ concurrency: 2, lockTimeoutSeconds: 60 });
    expect(() => parseEnv({ WORKER_CONCURRENCY: "0" })).toThrow(/WORKER_CONCURRENCY/);
    expect(() => parseEnv({ WORKER_LOCK_TIMEOUT_SECONDS: "5" })).toThrow(/WORKER_LOCK_TIMEOUT_SECONDS/);
  });
});
