/**
 * AI_PROVIDER=openai-compatible end to end: the real provider code
 * (@ai-sdk/openai-compatible through writerFor) against a local HTTP server
 * that answers in OpenAI's chat-completions shape, as Ollama, vLLM,
 * OpenRouter and Azure OpenAI do. What it sends (path, key, model, a JSON
 * schema, the writing rules); a 429 with Retry-After, waited out by the
 * pipeline's retry; answers that are not JSON, which end the generation
 * FAILED with a reason a person can read.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPool, withUser, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { writerFor } from "@/lib/ai/model";
import { TransientWriterError } from "@/lib/ai/writer";
import { limitsFor } from "@/lib/generations/content";
import { insertGeneration } from "@/lib/generations/generations";
import { processGeneration } from "@/lib/generations/pipeline";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationState } from "@/test/pipeline";
import { seedUser, type SeededUser } from "@/test/support";

type Answer = { status: number; headers?: Record<string, string>; body: string };
type Received = { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown>; at: number };

const completion = (content: string) =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_765_000_000,
    model: "llama3.2",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
  });
const ok = (json: unknown): Answer => ({ status: 200, headers: { "content-type": "application/json" }, body: completion(JSON.stringify(json)) });

let server: Server;
let baseUrl: string;
let answers: Answer[] = [];
let received: Received[] = [];
let person: SeededUser;
let db: Sql;

beforeAll(async () => {
  server = createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    request.on("end", () => {
      received.push({ path: request.url ?? "", headers: request.headers, body: JSON.parse(raw) as Record<string, unknown>, at: Date.now() });
      const answer = answers.shift() ?? { status: 500, body: '{"error":{"message":"no answer scripted"}}' };
      response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  person = await seedUser({ tier: "business" });
  db = createPool(getEnv().databaseUrl!, { max: 4 });
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.end({ timeout: 5 });
});

beforeEach(() => {
  answers = [];
  received = [];
});

const writer = (apiKey: string | null = "sk-local-test") =>
  writerFor({ provider: "openai-compatible", explicit: true, model: "llama3.2", baseUrl, apiKey });

const TEXT = "Our survey of forty startups found that written proposals cut meeting time by a third. Dr. Chen measured a 27.5% drop in calls.";
const GOOD = { bulletPoints: ["Written proposals cut meeting time by a third.", "Dr. Chen measured a 27.5% drop in calls."] };

async function runPipeline(attempt = 1) {
  const row = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: TEXT, outputFormat: "bullet_points" }));
  const deps = { db, storage: getLocalStorage(), writer: writer(), log: logger.child({ source: "test" }), retry: { tries: 3, baseDelayMs: 10 } };
  const outcome = await processGeneration(deps, { generationId: row.id, userId: person.id }, { attempt, maxAttempts: 5 });
  return { outcome, state: await generationState(row.id) };
}

describe("an OpenAI-compatible server", () => {
  it("is sent the model, the key, a JSON schema and the writing rules at <base>/chat/completions, and its answer is used", async () => {
    answers = [ok(GOOD)];
    const output = await writer().write({ inputContent: TEXT, limits: limitsFor("bullet_points", { bullets: 2 }) });
    expect(output).toEqual({ format: "bullet_points", bulletPoints: GOOD.bulletPoints });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.path).toBe("/v1/chat/completions");
    expect(request!.headers.authorization).toBe("Bearer sk-local-test");
    expect(request!.body.model).toBe("llama3.2");
    expect(request!.body.response_format).toMatchObject({ type: "json_schema" });
    expect(JSON.stringify(request!.body.messages)).toContain("complete sentence or clause that stands alone");
    expect(JSON.stringify(request!.body.messages)).toContain("Our survey of forty startups");
  });

  it("sends no Authorization header when no key is set (Ollama, vLLM)", async () => {
    answers = [ok({ quote: "Written proposals cut meeting time by a third." })];
    await writer(null).write({ inputContent: TEXT, limits: limitsFor("canva_design", null) });
    expect(received[0]!.headers.authorization).toBeUndefined();
  });

  it("answers a 429 with Retry-After: the writer says how long to wait, and the pipeline waits that long, then completes", async () => {
    answers = [{ status: 429, headers: { "retry-after": "1" }, body: '{"error":{"message":"Rate limit reached","type":"rate_limit"}}' }];
    const refused = (await writer()
      .write({ inputContent: TEXT, limits: limitsFor("bullet_points", { bullets: 2 }) })
      .catch((error: unknown) => error)) as TransientWriterError;
    expect(refused).toBeInstanceOf(TransientWriterError);
    expect(refused.retryAfterMs).toBe(1000);
    expect(refused.message).toMatch(/did not answer \(HTTP 429\)/);

    received = [];
    answers = [{ status: 429, headers: { "retry-after": "1" }, body: '{"error":{"message":"Rate limit reached"}}' }, ok(GOOD)];
    const { outcome, state } = await runPipeline();
    expect(outcome.outcome).toBe("completed");
    expect(state.bulletPoints).toEqual(GOOD.bulletPoints);
    expect(received).toHaveLength(2);
    // The in-job backoff here is 10 ms; only the server's Retry-After explains a second's wait.
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it("answers with content that is not JSON, twice: the generation fails, saying the model's answer was not the JSON asked for", async () => {
    answers = [
      { status: 200, body: completion("Sure! Here are your bullet points: - proposals") },
      { status: 200, body: completion('{"bulletPoints": ["Written proposals cut') },
    ];
    const { outcome, state } = await runPipeline();
    expect(outcome.outcome).toBe("failed");
    expect(received).toHaveLength(2);
    expect(JSON.stringify(received[1]!.body.messages)).toContain("Your previous answer broke the writing rules");
    expect(state.status).toBe("failed");
    expect(state.failureReason).toMatch(/^The language model's answer broke the writing rules twice, so nothing was published: the answer was not the JSON asked for/);
  });

  it("answers with a body that is not JSON at all: retried, then on the last attempt FAILED with a reason that says so", async () => {
    answers = Array.from({ length: 3 }, () => ({ status: 200, body: "<html>502 Bad Gateway</html>" }));
    const { outcome, state } = await runPipeline(5);
    expect(outcome.outcome).toBe("failed");
    expect(received).toHaveLength(3);
    expect(state.failureReason).toMatch(/^The language model's server sent an answer that is not valid JSON/);
    expect(state.failureReason).toMatch(/gave up after 5 attempts; retry it later\)$/);
  });
});
