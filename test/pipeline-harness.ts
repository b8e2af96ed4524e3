/**
 * The set-up of a GraphQL test that runs generations end to end: the API in
 * process, one signed-in person, and a worker taking the file's jobs, closed
 * after the file. Call it at the top of a file, after any environment the
 * app must read first (a Canva stand-in's address, say) is set.
 */
import { afterAll, beforeAll } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { startTestWorker, type TestWorker } from "@/test/pipeline";
import { signedInPerson, type SignedInPerson } from "@/test/support";

export function usePipelineHarness() {
  const server = createGraphQLServer();
  let person: SignedInPerson | undefined;
  let worker: TestWorker | undefined;
  beforeAll(async () => {
    person = await signedInPerson(server);
    worker = await startTestWorker();
  });
  afterAll(async () => {
    await worker?.close();
  });
  return { server, person: () => person! };
}
