/**
 * The language-model writer: the Vercel AI SDK's generateText with a
 * structured output, validated by zod, then held to the writing rules
 * (lib/ai/rules.ts: whole sentences within the limits, no fragment, no point
 * twice). An answer that breaks them, or is not the JSON asked for, gets one
 * more call in the same job, told what was wrong; a second bad answer fails
 * the generation with the problems named. The SDK's own retries are off:
 * lib/generations/pipeline.ts retries transient failures with backoff (and
 * a server's Retry-After), and the job queue retries beyond that.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, NoObjectGeneratedError, Output, RetryError, type LanguageModel } from "ai";
import { z } from "zod";
import type { AiConfig } from "@/lib/env";
import { slideSchema, type GeneratedContent, type Limits } from "@/lib/generations/content";
import { offlineWriter } from "@/lib/ai/offline";
import { contentProblems } from "@/lib/ai/rules";
import { languageOf } from "@/lib/ai/sentences";
import { TransientWriterError, type WriteRequest, type Writer } from "@/lib/ai/writer";

/** A model call that takes longer than this is abandoned and retried. */
const CALL_TIMEOUT_MS = 60_000;

const SYSTEM =
  "You turn a person's raw text into social media posts. Use only facts from their text; never invent numbers, names or claims. " +
  "Write in the same language as the text. Follow the requested counts and word limits exactly. No hashtags, no emoji, no markdown.\n" +
  "Writing rules, checked before anything is published:\n" +
  "- Every bullet point, slide body and quote is one complete sentence or clause that stands alone, ending with the script's own " +
  "terminal punctuation (. ! ? in Latin scripts; 。！？ in Chinese and Japanese; . or ؟ in Arabic).\n" +
  '- Never end on a word that waits for more ("that", "and", "because", "which", "of", "to"), never trail off with an ellipsis, ' +
  "never cut a sentence to fit a limit: choose a shorter sentence instead.\n" +
  "- Keep numbers, names and quoted words exactly as the text has them. Leave out filler (sign-posts such as \"in this post\", sign-offs).\n" +
  "- Make each point once: no two bullets or slides say the same thing.\n" +
  "- A slide title is a short phrase faithful to its slide, never a list of keywords, and never ends with a dangling word.";

/** A model answer that broke the rules twice: permanent, and its message says what was wrong. */
class WriterOutputError extends Error {
  constructor(problems: string[]) {
    super(
      `The language model's answer broke the writing rules twice, so nothing was published: ${problems.slice(0, 5).join("; ")}. ` +
        "Retry the generation, or use a template with looser word limits.",
    );
    this.name = "WriterOutputError";
  }
}

type Prompt = { prompt: string; schema: z.ZodType; name: string; read: (output: never) => GeneratedContent };

/** The prompt and output schema for one request (exported for the tests that read what the model is sent). */
function promptFor(request: WriteRequest): Prompt {
  const { limits } = request;
  const text = `Text:\n"""\n${request.inputContent}\n"""`;
  switch (limits.format) {
    case "bullet_points": {
      const { bullets, maxWordsPerBullet, tone } = limits.limits;
      return {
        name: "bullet_points",
        schema: z.object({
          bulletPoints: z.array(z.string().min(1)).min(1).max(10).describe(`Exactly ${bullets} bullet points, each at most ${maxWordsPerBullet} words.`),
        }),
        prompt: `Write exactly ${bullets} bullet points that capture the most important ideas of the text, each a complete sentence of at most ${maxWordsPerBullet} words, in a ${tone} tone.\n\n${text}`,
        read: (output: { bulletPoints: string[] }) => ({ format: "bullet_points", bulletPoints: output.bulletPoints }),
      } as Prompt;
    }
    case "carousel": {
      const { slides, structure, maxTitleWords, maxBodyWords, tone } = limits.limits;
      const roles = structure.map((role, index) => `${index + 1}. ${role}`).join("\n");
      return {
        name: "carousel",
        schema: z.object({
          slides: z.array(slideSchema).min(1).max(10).describe(`Exactly ${slides} slides, in order.`),
        }),
        prompt:
          `Write a ${slides}-slide carousel from the text, in a ${tone} tone. Each slide has a title of at most ${maxTitleWords} words ` +
          `and a body of at most ${maxBodyWords} words. The slides play these roles, in order:\n${roles}\n\n${text}`,
        read: (output: { slides: { title: string; body: string }[] }) => ({ format: "carousel", slides: output.slides }),
      } as Prompt;
    }
    case "canva_design": {
      const { maxQuoteWords, tone } = limits.limits;
      return {
        name: "quote_card",
        schema: z.object({ quote: z.string().min(1).describe(`One quotable line of at most ${maxQuoteWords} words.`) }),
        prompt: `Pick or write the single most quotable line that captures the text, at most ${maxQuoteWords} words, in a ${tone} tone, for a square quote card.\n\n${text}`,
        read: (output: { quote: string }) => ({ format: "canva_design", quote: output.quote }),
      } as Prompt;
    }
  }
}

/** The wait a 429 or 503 asks for: Retry-After-Ms, or Retry-After in seconds or as a date. */
function retryAfterMs(headers: Record<string, string> | undefined): number | null {
  const milliseconds = Number(headers?.["retry-after-ms"]);
  if (headers?.["retry-after-ms"] && Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers?.["retry-after"]?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** Sorts an SDK failure into "try again" (TransientWriterError) or permanent (a readable Error). */
function classify(error: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted) return error as Error;
  if (RetryError.isInstance(error)) return classify(error.lastError, signal);
  if (APICallError.isInstance(error)) {
    const status = error.statusCode ? ` (HTTP ${error.statusCode})` : "";
    if (error.isRetryable || error.statusCode === 429 || (error.statusCode ?? 0) >= 500) {
      return new TransientWriterError(`The language model did not answer${status}: ${error.message}`, {
        cause: error,
        retryAfterMs: retryAfterMs(error.responseHeaders),
      });
    }
    if ((error.statusCode ?? 0) >= 200 && (error.statusCode ?? 0) < 300) {
      // A 200 whose body is not a chat completion: a proxy's error page, a server mid-restart. Worth another try.
      return new TransientWriterError(`The language model's server sent an answer that is not valid JSON${status}: ${error.message}`, { cause: error });
    }
    if (error.statusCode === 401 || error.statusCode === 403) {
      return new Error(`The language model refused our credentials${status}: check the API key the worker is configured with.`, { cause: error });
    }
    return new Error(`The language model refused the request${status}: ${error.message}`, { cause: error });
  }
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new TransientWriterError(`The language model did not answer within ${CALL_TIMEOUT_MS / 1000} seconds.`, { cause: error });
  }
  if (error instanceof TypeError && /fetch failed|network/i.test(error.message)) {
    return new TransientWriterError(`The language model could not be reached: ${error.message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** More items than asked for are dropped (harmless); everything else about them must already be right. */
function withinCounts(content: GeneratedContent, limits: Limits): GeneratedContent {
  if (content.format === "bullet_points" && limits.format === "bullet_points") return { ...content, bulletPoints: content.bulletPoints.slice(0, limits.limits.bullets) };
  if (content.format === "carousel" && limits.format === "carousel") return { ...content, slides: content.slides.slice(0, limits.limits.slides) };
  return content;
}

export function modelWriter(model: LanguageModel, name: string): Writer {
  async function call(request: WriteRequest, prompt: Prompt, correction: string[] | null): Promise<GeneratedContent> {
    const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]) : AbortSignal.timeout(CALL_TIMEOUT_MS);
    const again = correction
      ? `\n\nYour previous answer broke the writing rules: ${correction.join("; ")}. Write it again, keeping every rule.`
      : "";
    const result = await generateText({
      model,
      system: SYSTEM,
      prompt: prompt.prompt + again,
      output: Output.object({ schema: prompt.schema, name: prompt.name }),
      maxRetries: 0,
      abortSignal: signal,
      temperature: 0.4,
    });
    return withinCounts(prompt.read(result.output as never), request.limits);
  }

  return {
    name,
    async write(request) {
      const prompt = promptFor(request);
      const language = languageOf(request.inputContent);
      let problems: string[] | null = null;
      for (let attempt = 1; attempt <= 2; attempt++) {
        let content: GeneratedContent;
        try {
          content = await call(request, prompt, problems);
        } catch (error) {
          if (!NoObjectGeneratedError.isInstance(error) || request.signal?.aborted) throw classify(error, request.signal);
          problems = [`the answer was not the JSON asked for (${error.message})`];
          continue;
        }
        problems = contentProblems(content, request.limits, language);
        if (problems.length === 0) return content;
      }
      throw new WriterOutputError(problems!);
    },
  };
}

/** The configured writer: offline by default, else the named provider and model. */
export function writerFor(config: AiConfig): Writer {
  switch (config.provider) {
    case "offline":
      return offlineWriter;
    case "openai":
      return modelWriter(createOpenAI({ apiKey: config.apiKey })(config.model), `openai:${config.model}`);
    case "anthropic":
      return modelWriter(createAnthropic({ apiKey: config.apiKey })(config.model), `anthropic:${config.model}`);
    case "openai-compatible": {
      const provider = createOpenAICompatible({
        name: "openai-compatible",
        baseURL: config.baseUrl,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        // Ollama, vLLM, OpenRouter and Azure OpenAI all take a JSON schema in response_format.
        supportsStructuredOutputs: true,
      });
      return modelWriter(provider.chatModel(config.model), `openai-compatible:${config.model}`);
    }
  }
}
