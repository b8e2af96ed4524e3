/**
 * Compiled execution (graphql-jit) answers exactly as the interpreter does:
 * the same data, the same errors, each caller's own rows under RLS, the rate
 * limit and the request's transaction still around it; and it compiles only
 * what it should (a query seen before, one operation per document).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { postGraphQL, seedGeneration, signedInPerson } from "@/test/support";

function serverCountingCompiles() {
  const compiled: (string | null)[] = [];
  const server = createGraphQLServer({ onCompiledQuery: (name) => compiled.push(name) });
  return { server, compiled };
}

const LIST = `query List($first: Int) { viewer { id generations(first: $first) { edges { cursor node { id status outputFormat inputContent createdAt } } pageInfo { hasNextPage endCursor } } } }`;

beforeAll(() => {
  // Read once by lib/env on first use; this file's process only. Above what the other tests here send.
  process.env.RATE_LIMIT_FREE_PER_MINUTE = "20";
  process.env.RATE_LIMIT_ANONYMOUS_PER_MINUTE = "1000";
});

describe("compiled execution", () => {
  it("compiles a query on its third run and answers exactly as the interpreter did, for each caller their own rows", async () => {
    const { server, compiled } = serverCountingCompiles();
    const [alice, bob] = [await signedInPerson(server), await signedInPerson(server)];
    for (let i = 0; i < 3; i += 1) await seedGeneration(alice.id, { inputContent: `Alice ${i}`, createdAt: new Date(Date.now() - (10 - i) * 1000) });
    await seedGeneration(bob.id, { inputContent: "Bob 0" });

    const answers: string[] = [];
    for (let i = 0; i < 4; i += 1) answers.push(JSON.stringify((await postGraphQL(server, LIST, { authorization: alice.authorization, variables: { first: 2 } })).body));
    expect(compiled).toEqual(["List"]);
    // Runs 1-2 on the interpreter, 3-4 compiled: the same answer (keys in the document's order when compiled,
    // as the spec asks; the interpreter orders some by when they resolved).
    for (const answer of answers) expect(JSON.parse(answer)).toEqual(JSON.parse(answers[0]!));
    const aliceAnswer = JSON.parse(answers[0]!) as { data: { viewer: { id: string; generations: { edges: { node: { inputContent: string } }[]; pageInfo: { hasNextPage: boolean } } } } };
    expect(aliceAnswer.data.viewer.id).toBe(alice.globalId);
    expect(aliceAnswer.data.viewer.generations.edges.map((edge) => edge.node.inputContent)).toEqual(["Alice 2", "Alice 1"]);
    expect(aliceAnswer.data.viewer.generations.pageInfo.hasNextPage).toBe(true);

    // The compiled code holds nothing of the previous caller: Bob sees his row only.
    const bobs = await postGraphQL<{ viewer: { id: string; generations: { edges: { node: { inputContent: string } }[] } } }>(server, LIST, { authorization: bob.authorization, variables: { first: 2 } });
    expect(bobs.body.data!.viewer.id).toBe(bob.globalId);
    expect(bobs.body.data!.viewer.generations.edges.map((edge) => edge.node.inputContent)).toEqual(["Bob 0"]);
    // Nobody: no viewer, from the compiled code as from the interpreter.
    const nobody = await postGraphQL(server, LIST, { variables: { first: 2 } });
    expect(nobody.status).toBe(200);
    expect(nobody.body).toEqual({ data: { viewer: null } });
    expect(compiled).toEqual(["List"]);
  });

  it("gives the interpreter's errors, locations included, for a bad variable and a page size out of range", async () => {
    const { server, compiled } = serverCountingCompiles();
    const person = await signedInPerson(server);
    const cases: Record<string, unknown>[] = [{ first: "many" }, { first: 1000 }, { first: 1 }];
    const answers = new Map<string, Set<string>>();
    for (let i = 0; i < 4; i += 1) {
      for (const variables of cases) {
        const { status, body } = await postGraphQL(server, LIST, { authorization: person.authorization, variables });
        const key = JSON.stringify(variables);
        answers.set(key, (answers.get(key) ?? new Set()).add(JSON.stringify({ status, body })));
      }
    }
    expect(compiled).toEqual(["List"]);
    for (const [variables, seen] of answers) expect([...seen], `${variables}: ${[...seen].join(" || ")}`).toHaveLength(1);
    const outOfRange = JSON.parse([...answers.get(JSON.stringify({ first: 1000 }))!][0]!) as { body: { errors: { extensions: { code: string } }[] } };
    expect(outOfRange.body.errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
    const badType = JSON.parse([...answers.get(JSON.stringify({ first: "many" }))!][0]!) as { body: { errors: { message: string; locations: unknown[] }[] } };
    expect(badType.body.errors[0]!.message).toBe('Int cannot represent non-integer value: "many"');
    expect(badType.body.errors[0]!.locations).toHaveLength(1);
  });

  it("keeps the rate limit around compiled queries", async () => {
    // Windows are calendar minutes: keep the test inside one.
    const second = new Date().getUTCSeconds();
    if (second >= 50) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    const { server, compiled } = serverCountingCompiles();
    const person = await signedInPerson(server); // request 1 of 20
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) statuses.push((await postGraphQL(server, "query Me { viewer { id tier } }", { authorization: person.authorization })).status);
    expect(compiled).toEqual(["Me"]);
    expect(statuses).toEqual([...Array<number>(19).fill(200), 429]);
  });

  it("spends at most its budget compiling: 20 documents back to back, then one a second", async () => {
    const { server, compiled } = serverCountingCompiles();
    const started = performance.now();
    for (let i = 0; i < 30; i += 1) {
      for (let run = 0; run < 3; run += 1) expect((await postGraphQL(server, `query Health${i} { health { ok } }`)).status).toBe(200);
    }
    const seconds = (performance.now() - started) / 1000;
    expect(compiled.length).toBeGreaterThanOrEqual(20);
    expect(compiled.length).toBeLessThanOrEqual(20 + Math.ceil(seconds));
    expect(compiled.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `Health${i}`));
  });

  it("never compiles a mutation, a document with several operations, or one asked for by another name", async () => {
    const { server, compiled } = serverCountingCompiles();
    const person = await signedInPerson(server);
    const two = "query A { viewer { id } } query B { health { ok } }";
    for (let i = 0; i < 4; i += 1) {
      const a = await postGraphQL(server, two, { authorization: person.authorization });
      expect(a.status).toBe(400); // no operationName: the interpreter's "must provide operation name"
      const named = await server.fetch("http://localhost/api/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: person.authorization },
        body: JSON.stringify({ query: two, operationName: i % 2 ? "A" : "B" }),
      });
      expect(named.status).toBe(200);
      const wrongName = await server.fetch("http://localhost/api/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: person.authorization },
        body: JSON.stringify({ query: "query Only { viewer { id } }", operationName: "Other" }),
      });
      expect(wrongName.status).not.toBe(200);
      await postGraphQL(server, `mutation { createTemplate(input: { name: "compiled ${i}", type: CAROUSEL, content: { slides: 1 } }) { template { id } } }`, { authorization: person.authorization });
    }
    expect(compiled).toEqual([]);
  });
});
