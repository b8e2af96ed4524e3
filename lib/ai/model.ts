/**
 * The language-model writer: the Vercel AI SDK's generateText with a
 * structured output, validated by zod, then fitted to the template's limits
 * (a model can overshoot a word count; the card must not). The SDK's own
 * retries are off: lib/generations/pipeline.ts retries transient failures
 * with backoff, and the job queue retries beyond that, so one policy decides.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, generateText, NoObjectGeneratedError, Output, RetryError, type LanguageModel } from "ai";
import { z } from "zod";
import type { AiConfig } from "@/lib/env";
import { fitToLimits, slideSchema, type GeneratedContent, type Limits } from "@/lib/generations/content";
import { offlineWriter } from "@/lib/ai/offline";
import { TransientWriterError, type WriteRequest, type Writer } from "@/lib/ai/writer";

/** A model call that takes longer than this is abandoned and retried. */
const CALL_TIMEOUT_MS = 60_000;

const SYSTEM =
  "You turn a person's raw text into social media posts. Use only facts from their text; never invent numbers, names or claims. " +
  "Write in the same language as the text. Follow the requested counts and word limits exactly. No hashtags, no emoji, no markdown.";

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

/** Sorts an SDK failure into "try again" (TransientWriterError) or permanent (a readable Error). */
function classify(error: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted) return error as Error;
  if (RetryError.isInstance(error)) return classify(error.lastError, signal);
  if (APICallError.isInstance(error)) {
    const status = error.statusCode ? ` (HTTP ${error.statusCode})` : "";
    if (error.isRetryable || error.statusCode === 429 || (error.statusCode ?? 0) >= 500) {
      return new TransientWriterError(`The language model did not answer${status}: ${error.message}`, { cause: error });
    }
    if (error.statusCode === 401 || error.statusCode === 403) {
      return new Error(`The language model refused our credentials${status}: check the API key the worker is configured with.`, { cause: error });
    }
    return new Error(`The language model refused the request${status}: ${error.message}`, { cause: error });
  }
  if (NoObjectGeneratedError.isInstance(error)) {
    return new TransientWriterError(`The language model's answer did not match the expected shape: ${error.message}`, { cause: error });
  }
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new TransientWriterError(`The language model did not answer within ${CALL_TIMEOUT_MS / 1000} seconds.`, { cause: error });
  }
  if (error instanceof TypeError && /fetch failed|network/i.test(error.message)) {
    return new TransientWriterError(`The language model could not be reached: ${error.message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

export function modelWriter(model: LanguageModel, name: string): Writer {
  return {
    name,
    async write(request) {
      const { prompt, schema, name: outputName, read } = promptFor(request);
      const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]) : AbortSignal.timeout(CALL_TIMEOUT_MS);
      try {
        const result = await generateText({
          model,
          system: SYSTEM,
          prompt,
          output: Output.object({ schema, name: outputName }),
          maxRetries: 0,
          abortSignal: signal,
          temperature: 0.4,
        });
        return fitToLimits(read(result.output as never), request.limits as Limits);
      } catch (error) {
        throw classify(error, request.signal);
      }
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
  }
}
