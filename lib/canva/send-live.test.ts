/**
 * A send's changes reach the live stream: each change of its state
 * (queued, sending, ready or failed) notifies on the generation change
 * channel (migration 20261208050000) as an update of its generation, heard
 * here through the same change feed the subscription listens to.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { asService, servicePool, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { finishConnect, startConnect } from "@/lib/canva/accounts";
import { processSend, requestSend } from "@/lib/canva/send";
import { insertGeneration } from "@/lib/generations/generations";
import { processGeneration } from "@/lib/generations/pipeline";
import { createChangeFeed, type ChangeFeed, type GenerationChange } from "@/lib/live/changes";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { approveAtCanva, canvaHarness, type CanvaHarness } from "@/test/canva";
import { ARTICLE, ScriptedWriter } from "@/test/pipeline";
import { seedUser } from "@/test/support";

let canva: CanvaHarness;
let feed: ChangeFeed;
const log = logger.child({ source: "test" });

beforeAll(async () => {
  canva = await canvaHarness();
  feed = createChangeFeed({ connectionString: getEnv().databaseDirectUrl!, log });
});
afterAll(async () => {
  await feed.close();
  await canva.standIn.close();
});

it("notifies each change of a send's state as an update of its generation, and nothing for a send that did not change", async () => {
  const person = await seedUser({ tier: "business" });
  const { authorizeUrl } = await startConnect(canva.deps, person.id);
  expect(await finishConnect(canva.deps, await approveAtCanva(authorizeUrl))).toMatchObject({ status: "connected" });
  const row = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: ARTICLE, outputFormat: "bullet_points" }));
  const job = { generationId: row.id, userId: person.id };
  const pipeline = { db: servicePool(), storage: getLocalStorage(), writer: new ScriptedWriter(), log };
  expect((await processGeneration(pipeline, job, { attempt: 1, maxAttempts: 5 })).outcome).toBe("completed");

  const heard: GenerationChange[] = [];
  const stop = feed.listen(person.id, { onChange: (change) => heard.push(change), onResync: () => {} });
  try {
    expect(await feed.ready(5000)).toBe(true);
    const settle = async (count: number) => {
      await expect.poll(() => heard.length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
      // Anything more would have arrived by now.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return heard.splice(0);
    };

    await requestSend({}, person.id, row.id);
    expect(await settle(1)).toEqual([{ generationId: row.id, userId: person.id, op: "update" }]);
    // The send in flight, asked for again, changes nothing: nothing is said.
    await requestSend({}, person.id, row.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard).toEqual([]);

    // Sending, then ready (the send) with the design id (the generation): each heard.
    expect(await processSend({ ...canva.deps, storage: getLocalStorage() }, job, { attempt: 1, maxAttempts: 5 })).toMatchObject({ outcome: "ready" });
    const changes = await settle(2);
    expect(changes.every((change) => change.generationId === row.id && change.op === "update")).toBe(true);
    expect(changes.length).toBeGreaterThanOrEqual(2);

    // A failure with its reason is heard too.
    await requestSend({}, person.id, row.id);
    await settle(1);
    await asService((sql) => sql`update private.canva_sends set status = 'failed', failure_reason = 'Connect Canva again.' where generation_id = ${row.id}`);
    expect(await settle(1)).toEqual([{ generationId: row.id, userId: person.id, op: "update" }]);
  } finally {
    stop();
  }
}, 120_000);
