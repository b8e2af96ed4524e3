/**
 * A writer turns a generation's text into the content its format needs,
 * within the template's limits. Two implementations sit behind this one
 * interface: the offline extractive writer (lib/ai/offline.ts, no key, the
 * development default) and a language model through the Vercel AI SDK
 * (lib/ai/model.ts). The pipeline does not know which one runs.
 */
import type { GeneratedContent, Limits } from "@/lib/generations/content";

export type WriteRequest = { inputContent: string; limits: Limits; signal?: AbortSignal };

export interface Writer {
  /** e.g. "offline" or "openai:gpt-4o-mini", recorded in logs. */
  readonly name: string;
  write(request: WriteRequest): Promise<GeneratedContent>;
}

/**
 * A failure worth trying again: a timeout, a 5xx, a rate limit, a dropped
 * connection. Anything else a writer throws is permanent (a refused key, a
 * model that does not exist, input the model will not take).
 */
export class TransientWriterError extends Error {
  /** How long the server asked us to wait (its Retry-After), when it said. */
  readonly retryAfterMs: number | null;
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number | null }) {
    super(message, options);
    this.name = "TransientWriterError";
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}
