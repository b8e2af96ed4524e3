/**
 * The language-model writer against the AI SDK's own mock model: what it is
 * sent (system, counts, limits, the person's text, a JSON schema), how its
 * answer is parsed and fitted, and how failures are sorted into "try again"
 * and "give up". No network.
 */
import { APICallError } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { limitsFor } from "@/lib/generations/content";
import { modelWriter } from "@/lib/ai/model";
import { TransientWriterError } from "@/lib/ai/writer";

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 20, text: 20, reasoning: undefined },
};

/** A model that gives these answers in turn (the last one again after that); a string is sent as it is. */
function answering(...answers: unknown[]) {
  let call = 0;
  return new MockLanguageModelV3({
    doGenerate: async () => {
      const answer = answers[Math.min(call++, answers.length - 1)];
      return {
        content: [{ type: "text", text: typeof answer === "string" ? answer : JSON.stringify(answer) }],
        finishReason: { unified: "stop", raw: "stop" },
        usage,
        warnings: [],
      };
    },
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

  it("sends the writing rules: whole sentences, no dangling word or ellipsis, no point twice, titles as phrases", async () => {
    const model = answering({ quote: "Ship small, ship often." });
    await modelWriter(model, "mock").write({ inputContent: "text", limits: limitsFor("canva_design", null) });
    const sent = promptText(model);
    expect(sent).toContain("complete sentence or clause that stands alone");
    expect(sent).toContain("。！？ in Chinese");
    expect(sent).toMatch(/Never end on a word that waits for more.*\\"that\\", \\"and\\", \\"because\\"/);
    expect(sent).toContain("never cut a sentence to fit a limit");
    expect(sent).toContain("never a list of keywords");
  });

  it("drops bullets beyond the count asked for, keeping the rest as written", async () => {
    const model = answering({ bulletPoints: ["Revenue grew by 27% in May.", "Churn fell back to 2.2% in June.", "We hired two engineers."] });
    const output = await modelWriter(model, "mock").write({ inputContent: "text", limits: limitsFor("bullet_points", { bullets: 2 }) });
    expect(output).toEqual({ format: "bullet_points", bulletPoints: ["Revenue grew by 27% in May.", "Churn fell back to 2.2% in June."] });
    expect(model.doGenerateCalls).toHaveLength(1);
  });

  it("asks once more, naming the problems, when an answer breaks the rules, and keeps a good second answer", async () => {
    const broken = { bulletPoints: ["Our survey of forty startups found that.", "Written proposals cut meeting time by a third and...", "Proposals cut meeting time by a third."] };
    const good = { bulletPoints: ["Written proposals cut meeting time by a third.", "Dr. Chen measured a 27.5% drop in calls."] };
    const model = answering(broken, good);
    const limits = limitsFor("bullet_points", { bullets: 3, maxWordsPerBullet: 12 });
    expect(await modelWriter(model, "mock").write({ inputContent: "text", limits })).toEqual({ format: "bullet_points", bulletPoints: good.bulletPoints });
    expect(model.doGenerateCalls).toHaveLength(2);
    const again = JSON.stringify(model.doGenerateCalls[1]!.prompt);
    expect(again).toContain("Your previous answer broke the writing rules");
    expect(again).toContain('ends on \\"that\\", as if cut off');
    expect(again).toContain("ends with an ellipsis");
  });

  it("fails for good, saying why, when the second answer breaks the rules too", async () => {
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ") + ".";
    const model = answering({ slides: [{ title: "Meeting time and", body: long }, { title: "Calls", body: "People call less because." }] });
    const limits = limitsFor("carousel", { slides: 2, maxBodyWords: 20 });
    const failure = (await modelWriter(model, "mock").write({ inputContent: "text", limits }).catch((error: unknown) => error)) as Error;
    expect(failure).not.toBeInstanceOf(TransientWriterError);
    expect(failure.message).toMatch(/^The language model's answer broke the writing rules twice, so nothing was published: /);
    expect(failure.message).toContain(`slide 1's title "Meeting time and": it ends on "and", as if cut off`);
    expect(failure.message).toContain("has 30 words, more than the 20 allowed");
    expect(failure.message).toContain('slide 2\'s body "People call less because.": it ends on "because", as if cut off');
    expect(failure.message).toMatch(/Retry the generation, or use a template with looser word limits\.$/);
    expect(model.doGenerateCalls).toHaveLength(2);
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

  it("treats rate limits and 5xx as transient, malformed answers as worth one more call, and refusals as permanent", async () => {
    const limits = limitsFor("canva_design", null);
    const write = (model: MockLanguageModelV3) => modelWriter(model, "mock").write({ inputContent: "text", limits });
    await expect(write(failing(apiError(429)))).rejects.toBeInstanceOf(TransientWriterError);
    await expect(write(failing(apiError(503)))).rejects.toBeInstanceOf(TransientWriterError);
    const malformed = answering("{ not json", { nothing: "here" });
    const shapeless = (await write(malformed).catch((error: unknown) => error)) as Error;
    expect(shapeless).not.toBeInstanceOf(TransientWriterError);
    expect(shapeless.message).toMatch(/broke the writing rules twice.*the answer was not the JSON asked for/);
    expect(malformed.doGenerateCalls).toHaveLength(2);
    const refused = (await write(failing(apiError(401))).catch((error: unknown) => error)) as Error;
    expect(refused).not.toBeInstanceOf(TransientWriterError);
    expect(refused.message).toMatch(/refused our credentials \(HTTP 401\).*API key/);
    const bad = (await write(failing(apiError(400))).catch((error: unknown) => error)) as Error;
    expect(bad).not.toBeInstanceOf(TransientWriterError);
    expect(bad.message).toMatch(/refused the request \(HTTP 400\)/);
  });
});
