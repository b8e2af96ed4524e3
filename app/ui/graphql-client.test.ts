/**
 * The dashboard's urql client against a real HTTP server that speaks
 * GraphQL over SSE the way Yoga does (distinct connections): when the
 * stream drops and graphql-sse opens it again, the query on screen is read
 * again exactly once; opening the stream the first time reads nothing again.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createDashboardClient } from "@/app/ui/graphql-client";

type Harness = {
  url: string;
  queries: () => number;
  streams: ServerResponse[];
  authorizations: string[];
  close: () => Promise<void>;
};

async function sseServer(): Promise<Harness> {
  let queries = 0;
  const streams: ServerResponse[] = [];
  const authorizations: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    authorizations.push(request.headers.authorization ?? "");
    if (request.headers.accept === "text/event-stream") {
      request.resume();
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      response.write(":\n\n");
      streams.push(response);
      return;
    }
    queries += 1;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ data: { items: [queries] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/graphql`,
    queries: () => queries,
    streams,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const LIST = "query List { items }";
const LIVE = "subscription Live { tick }";

describe("the dashboard's GraphQL client", () => {
  it("reads the queries on screen again once when its stream drops and reopens, and not on the first open", async () => {
    harness = await sseServer();
    const client = createDashboardClient({
      url: harness.url,
      authorization: async () => ({ authorization: "Bearer token-1" }),
      onUnauthenticated: () => {},
      retry: async () => {},
    });
    const lists: unknown[] = [];
    const ticks: unknown[] = [];
    const list = client.query(LIST, {}).subscribe((result) => lists.push(result.data));
    const live = client.subscription(LIVE, {}).subscribe((result) => ticks.push(result.data));
    try {
      await expect.poll(() => harness!.streams.length).toBe(1);
      await expect.poll(() => lists.length).toBe(1);
      // Opening the stream the first time is no reason to read again.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(harness.queries()).toBe(1);

      // The server goes away mid-stream (a restart, a proxy's cut): graphql-sse opens it again.
      harness.streams[0]!.destroy();
      await expect.poll(() => harness!.streams.length).toBe(2);
      await expect.poll(() => harness!.queries()).toBe(2);
      await expect.poll(() => lists.at(-1)).toEqual({ items: [2] });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(harness.queries()).toBe(2);

      // The reopened stream carries events, and every request named the caller.
      harness.streams[1]!.write(`event: next\ndata: ${JSON.stringify({ data: { tick: 1 } })}\n\n`);
      await expect.poll(() => ticks).toEqual([{ tick: 1 }]);
      expect(new Set(harness.authorizations)).toEqual(new Set(["Bearer token-1"]));
    } finally {
      list.unsubscribe();
      live.unsubscribe();
    }
  });

  it("does not read again a query no longer on screen", async () => {
    harness = await sseServer();
    const client = createDashboardClient({ url: harness.url, authorization: async () => ({}), onUnauthenticated: () => {}, retry: async () => {} });
    const list = client.query(LIST, {}).subscribe(() => {});
    const live = client.subscription(LIVE, {}).subscribe(() => {});
    try {
      await expect.poll(() => harness!.queries()).toBe(1);
      await expect.poll(() => harness!.streams.length).toBe(1);
      list.unsubscribe();
      harness.streams[0]!.destroy();
      await expect.poll(() => harness!.streams.length).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(harness.queries()).toBe(1);
    } finally {
      live.unsubscribe();
    }
  });
});
