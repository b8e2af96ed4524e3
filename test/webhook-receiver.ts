/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records
 * every request and answers from a script (say 500, 500, then 200).
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

type Received = { headers: Record<string, string>; body: string; at: number };

export type TestReceiver = {
  url: string;
  received: Received[];
  /** Statuses to answer with, in order; 200 once it runs out. */
  script: number[];
  /** Resolves once `count` requests have arrived (fails after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
};

export async function startReceiver(handler?: (request: http.IncomingMessage, response: http.ServerResponse, body: string) => boolean): Promise<TestReceiver> {
  const received: Received[] = [];
  const receiver = { script: [] as number[] };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: request.headers as Record<string, string>, body, at: Date.now() });
      if (handler?.(request, response, body)) return;
      response.writeHead(receiver.script.shift() ?? 200, { "content-type": "text/plain" }).end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/postora`,
    received,
    async waitFor(count: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count && Date.now() < deadline) await sleep(25);
      if (received.length < count) throw new Error(`the receiver got ${received.length} requests, not ${count}, within ${timeoutMs} ms`);
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
