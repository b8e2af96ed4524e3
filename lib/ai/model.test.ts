/**
 * The language-model writer against the AI SDK's own mock model: what it is
 * sent (system, counts, limits, the person's text, a JSON schema), how its
 * answer is parsed and fitted, and how failures are sorted into "try again"
 * and "give up". No network.
 */
import { APICallError } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { limitsFor, wordCount } from "@/lib/generations/content";
import { modelWriter } from "@/lib/ai/model";
import { TransientWriterError } from "@/lib/ai/writer";

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 20, text: 20, reasoning: undefined },
};

function answering(json: unknown) {
  return new MockLanguageModelV3({
    doGenerate: async () => ({
      content: [{ type: "text", text: JSON.stringify(json) }],
      finishReason: { unified: "stop", raw: "stop" },
      usage,
      warnings: [],
    }),
  });
}

function failing(error: Error) {
  return new MockLanguageModelV3({
    doGenerate: async () => {
      throw error;
    },
  });
}

const apiError = (statusCode: number) =>
  new APICallError({ message: `status ${statusCode}`, url: "https://api.example/v1", requestBodyValues: {}, statusCode, isRetryable: statusCode >= 500 || statusCode === 429 });

const promptText = (model: MockLanguageModelV3) => JSON.stringify(model.doGenerateCalls[0]!.prompt);

describe("the AI SDK writer", () => {
  it("asks for the template's bullet count and length, with the text, and a JSON schema", async () => {
    const model = answering({ bulletPoints: ["One clear point.", "Two clear points.", "Three clear points."] });
    const limits = limitsFor("bullet_points", { bullets: 3, maxWordsPerBullet: 12, tone: "warm" });
    const output = await modelWriter(model, "mock").write({ inputContent: "Our launch went well: 40 signups.", limits });
    expect(output).toEqual({ format: "bullet_points", bulletPoints: ["One clear point.", "Two clear points.", "Three clear points."] });
    const sent = promptText(model);
    expect(sent).toContain("exactly 3 bullet points");
    expect(sent).toContain("at most 12 words");
    expect(sent).toContain("warm tone");
    expect(sent).toContain("Our launch went well: 40 signups.");
    expect(sent).toContain("never invent");
    const format = model.doGenerateCalls[0]!.responseFormat;
    expect(format?.type).toBe("json");
    expect(JSON.stringify(format)).toContain("bulletPoints");
  });

  it("fits an answer that overshoots the limits: too many bullets, too many words", async () => {
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
    const model = answering({ bulletPoints: [long, "b", "c", "d"] });
    const limits = limitsFor("bullet_points", { bullets: 2, maxWordsPerBullet: 8 });
    const output = await modelWriter(model, "mock").write({ inputContent: "text", limits });
    if (output.format !== "bullet_points") throw new Error("wrong format");
    expect(output.bulletPoints).toHaveLength(2);
    expect(wordCount(output.bulletPoints[0]!)).toBeLessThanOrEqual(8);
  });

  it("asks for the carousel's slide roles in order and parses the slides", async () => {
    const slides = [
      { title: "Hook", body: "Why this matters." },
      { title: "Problem", body: "What goes wrong." },
      { title: "Act", body: "What to do now." },
    ];
    const model = answering({ slides });
    const limits = limitsFor("carousel", { slides: 3, structure: ["hook", "problem", "call to action"] });
    const output = await modelWriter(model, "mock").write({ inputContent: "text", limits });
    expect(output).toEqual({ format: "carousel", slides });
    const sent = promptText(model);
    expect(sent).toContain("3-slide carousel");
    expect(sent).toMatch(/1\. hook.*2\. problem.*3\. call to action/);
  });

  it("asks for one quote and parses it", async () => {
    const model = answering({ quote: "Ship small, ship often." });
    const output = await modelWriter(model, "mock").write({ inputContent: "text", limits: limitsFor("canva_design", null) });
    expect(output).toEqual({ format: "canva_design", quote: "Ship small, ship often." });
    expect(promptText(model)).toContain("at most 30 words");
  });

  it("treats rate limits, 5xx and malformed answers as transient, and refusals as permanent", async () => {
    const limits = limitsFor("canva_design", null);
    const write = (model: MockLanguageModelV3) => modelWriter(model, "mock").write({ inputContent: "text", limits });
    await expect(write(failing(apiError(429)))).rejects.toBeInstanceOf(TransientWriterError);
    await expect(write(failing(apiError(503)))).rejects.toBeInstanceOf(TransientWriterError);
    await expect(write(answering({ nothing: "here" }))).rejects.toBeInstanceOf(TransientWriterError);
    const refused = (await write(failing(apiError(401))).catch((error: unknown) => error)) as Error;
    expect(refused).not.toBeInstanceOf(TransientWriterError);
    expect(refused.message).toMatch(/refused our credentials \(HTTP 401\).*API key/);
    const bad = (await write(failing(apiError(400))).catch((error: unknown) => error)) as Error;
    expect(bad).not.toBeInstanceOf(TransientWriterError);
    expect(bad.message).toMatch(/refused the request \(HTTP 400\)/);
  });
});
