/**
 * The per-caller rate limit, with low limits set for this file: per user
 * (higher for a paid tier), per client IP for anonymous callers (only the
 * address our proxy recorded counts), shared by every server instance
 * because the count is in Postgres, one statement per request, and answered
 * with 429, RATE_LIMITED, the seconds to wait and a Retry-After header.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { apiKeysFor } from "@/lib/api-keys/service";
import { getEnv } from "@/lib/env";
import { asService, onQuery } from "@/lib/db/client";
import { hitRateLimit } from "@/lib/rate-limit";
import { packetsDuring } from "@/test/own-database";
import { bearerFor, newClerkUserId, postGraphQL, signedInPerson } from "@/test/support";

beforeAll(() => {
  // Read once by lib/env on first use; this file's process only.
  process.env.RATE_LIMIT_FREE_PER_MINUTE = "5";
  process.env.RATE_LIMIT_PAID_PER_MINUTE = "8";
  process.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE = "3";
  process.env.TRUSTED_PROXY_COUNT = "1";
});

// Windows are calendar minutes: keep each test inside one, so a count never resets halfway.
beforeEach(async () => {
  const second = new Date().getUTCSeconds();
  if (second >= 54) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
});

const url = "http://localhost/api/graphql";

function anonymous(server: ReturnType<typeof createGraphQLServer>, forwardedFor: string) {
  return server.fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
    body: JSON.stringify({ query: "{ health { ok } }" }),
  });
}

type Limited = { errors: { message: string; extensions: { code: string; retryAfterSeconds: number; limit: number } }[] };

/** Puts a subject's counter back to a fresh minute, as if the window had turned. */
async function resetWindow(subject: string) {
  await asService((sql) => sql`update private.rate_limit_counters set window_start = window_start - interval '1 minute' where subject = ${subject}`);
}

describe("signed-in callers", () => {
  it("lets a free user make 5 requests a minute, then answers 429 RATE_LIMITED with the time to retry", async () => {
    const server = createGraphQLServer();
    const person = await signedInPerson(server); // request 1
    for (let i = 2; i <= 5; i += 1) {
      expect((await postGraphQL(server, "{ viewer { id } }", { authorization: person.authorization })).status).toBe(200);
    }
    const limited = await postGraphQL(server, "{ viewer { id } }", { authorization: person.authorization });
    expect(limited.status).toBe(429);
    const error = (limited.body as Limited).errors[0]!;
    expect(error.extensions).toMatchObject({ code: "RATE_LIMITED", limit: 5 });
    expect(error.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.extensions.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(limited.headers.get("retry-after")).toBe(String(error.extensions.retryAfterSeconds));
    expect(limited.body.data).toBeUndefined();

    // A mutation over the limit writes nothing.
    const created = await postGraphQL(server, `mutation { createTemplate(input: { name: "limited", type: CAROUSEL, content: { slides: 1 } }) { template { id } } }`, {
      authorization: person.authorization,
    });
    expect(created.status).toBe(429);
    const [rows] = await asService((sql) => sql<{ n: number }[]>`select count(*)::int as n from templates where name = 'limited'`);
    expect(rows!.n).toBe(0);

    // The next minute starts afresh.
    await resetWindow(`user:${person.id}`);
    expect((await postGraphQL(server, "{ viewer { id } }", { authorization: person.authorization })).status).toBe(200);
  });

  it("decides before a query calls another service: over the limit, API keys are not listed", async () => {
    const local = apiKeysFor(getEnv());
    let listed = 0;
    const apiKeys = { ...local, list: (...args: Parameters<typeof local.list>) => ((listed += 1), local.list(...args)) };
    const server = createGraphQLServer({ apiKeys });
    const person = await signedInPerson(server); // request 1
    await resetWindow(`user:${person.id}`);
    const keys = "{ viewer { apiKeys { id } } }";
    expect((await postGraphQL(server, keys, { authorization: person.authorization })).status).toBe(200);
    for (let i = 2; i <= 5; i += 1) await postGraphQL(server, "{ viewer { id } }", { authorization: person.authorization });
    expect(listed).toBe(1);
    const limited = await postGraphQL(server, keys, { authorization: person.authorization });
    expect(limited.status).toBe(429);
    expect((limited.body as Limited).errors[0]!.extensions.code).toBe("RATE_LIMITED");
    expect(listed).toBe(1);
  });

  it("gives a paid tier its higher limit", async () => {
    const server = createGraphQLServer();
    const person = await signedInPerson(server);
    await asService((sql) => sql`update users set tier = 'pro' where id = ${person.id}`);
    const statuses: number[] = [];
    for (let i = 2; i <= 9; i += 1) statuses.push((await postGraphQL(server, "{ viewer { id } }", { authorization: person.authorization })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
  });

  it("holds across server instances: the count lives in Postgres", async () => {
    const [one, two] = [createGraphQLServer(), createGraphQLServer()];
    const person = await signedInPerson(one);
    const statuses: number[] = [];
    for (let i = 2; i <= 6; i += 1) statuses.push((await postGraphQL(i % 2 ? one : two, "{ viewer { id } }", { authorization: person.authorization })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it("costs one statement per request", async () => {
    const server = createGraphQLServer();
    const person = await signedInPerson(server);
    const counted = async (query: string) => {
      const sent: string[] = [];
      const stop = onQuery((statement) => {
        if (statement.includes("count_request")) sent.push(statement);
      });
      try {
        expect((await postGraphQL(server, query, { authorization: person.authorization })).status).toBe(200);
      } finally {
        stop();
      }
      return sent;
    };
    // A query that reads, one that reads nothing, a mutation: each counted once, on its own statement.
    expect(await counted("{ viewer { generations(first: 1) { edges { node { id } } } } }")).toHaveLength(1);
    expect(await counted("{ viewer { id } }")).toHaveLength(1);
    expect(await counted(`mutation { createTemplate(input: { name: "counted", type: CAROUSEL, content: { slides: 1 } }) { template { id } } }`)).toHaveLength(1);
  });

  it("sends a list request to Postgres as two packets, the counter, then the RLS context and the page, for a long email too", async () => {
    const server = createGraphQLServer();
    // Clerk-shaped ids and a 64-character address: the claims travel in the page's message (readOnce).
    const authorization = await bearerFor({ clerkUserId: newClerkUserId(), email: `${"a".repeat(52)}@example.com` });
    const list = "{ viewer { generations(first: 20) { edges { node { id status outputFormat createdAt } } } } }";
    expect((await postGraphQL(server, list, { authorization })).status).toBe(200); // provisions the account
    const { value, packets } = await packetsDuring(() => postGraphQL(server, list, { authorization }));
    expect(value.status).toBe(200);
    expect(value.body.errors).toBeUndefined();
    expect(packets).toBe(2);
  });
});

describe("anonymous callers", () => {
  it("are counted per client IP: the address the trusted proxy recorded, not what the client claims", async () => {
    const server = createGraphQLServer();
    const statuses = [];
    // The client claims a different address each time; the proxy (the rightmost entry) saw 203.0.113.7.
    for (let i = 0; i < 4; i += 1) statuses.push((await anonymous(server, `198.51.100.${i}, 203.0.113.7`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await anonymous(server, "203.0.113.7");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as Limited).errors[0]!.extensions.code).toBe("RATE_LIMITED");
    // Another address has its own allowance.
    expect((await anonymous(server, "203.0.113.8")).status).toBe(200);
  });
});

describe("configuration", () => {
  it("sends no statement at all when a limit is 0 (off)", async () => {
    const sent: string[] = [];
    const stop = onQuery((query) => sent.push(query));
    try {
      const off = { freePerMinute: 0, paidPerMinute: 0, anonymousPerMinute: 0 };
      expect(await hitRateLimit({ ip: "192.0.2.1" }, off)).toMatchObject({ allowed: true });
      expect(await hitRateLimit({ userId: "00000000-0000-0000-0000-000000000000" }, off)).toMatchObject({ allowed: true });
    } finally {
      stop();
    }
    expect(sent).toHaveLength(0);
  });

  it("lets a tier with 0 through while the other tier stays limited", async () => {
    const limits = { freePerMinute: 0, paidPerMinute: 1, anonymousPerMinute: 1 };
    const person = await signedInPerson(createGraphQLServer());
    for (let i = 0; i < 3; i += 1) expect((await hitRateLimit({ userId: person.id }, limits)).allowed).toBe(true);
  });
});
