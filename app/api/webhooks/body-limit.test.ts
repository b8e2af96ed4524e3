/**
 * Both webhooks are public until their signature is checked, so each caps
 * the body before reading it: a declared Content-Length over the limit is
 * refused unread, and an endless body is abandoned once past the limit.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { POST as clerkWebhook } from "@/app/api/webhooks/clerk/route";
import { POST as stripeWebhook } from "@/app/api/webhooks/stripe/route";
import { BODY_LIMITS } from "@/lib/http/body";
import { TEST_STRIPE_WEBHOOK_SECRET } from "@/test/stripe";
import { TEST_CLERK_WEBHOOK_SECRET } from "@/test/support";

beforeAll(() => {
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = TEST_CLERK_WEBHOOK_SECRET;
  process.env.STRIPE_WEBHOOK_SECRET = TEST_STRIPE_WEBHOOK_SECRET;
});

function endless() {
  const pulled = { bytes: 0 };
  const piece = new Uint8Array(64 * 1024).fill(0x7b);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled.bytes += piece.byteLength;
      controller.enqueue(piece);
    },
  });
  return { stream, pulled };
}

const webhooks = [
  { name: "clerk", handler: clerkWebhook },
  { name: "stripe", handler: stripeWebhook },
];

describe.each(webhooks)("POST /api/webhooks/$name body limit", ({ name, handler }) => {
  const post = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    handler(new Request(`http://localhost/api/webhooks/${name}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, duplex: "half" } as RequestInit));

  it("answers 413 to a declared 1 GB body without reading it", async () => {
    const { stream, pulled } = endless();
    const response = await post(stream, { "content-length": String(1024 ** 3) });
    expect(response.status).toBe(413);
    expect(response.headers.get("connection")).toBe("close");
    expect(((await response.json()) as { limit: number }).limit).toBe(BODY_LIMITS.webhook);
    expect(pulled.bytes).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it("answers 413 to an endless chunked body once it passes the limit", async () => {
    const { stream, pulled } = endless();
    const before = process.memoryUsage().rss;
    const response = await post(stream);
    expect(response.status).toBe(413);
    expect(pulled.bytes).toBeGreaterThan(BODY_LIMITS.webhook);
    expect(pulled.bytes).toBeLessThanOrEqual(BODY_LIMITS.webhook + 512 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("still verifies a body under the limit (an unsigned one is a 400, not a 413)", async () => {
    const body = new Blob([JSON.stringify({ type: "user.created", data: {} })]).stream();
    const response = await post(body);
    expect(response.status).toBe(400);
  });
});
