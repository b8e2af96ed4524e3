/**
 * The whole file flow, against the real Supabase Storage server: each check
 * is what a person, the worker or the sweep does, through the same code the
 * API runs (SupabaseStorage, the sweep) and through supabase-js as a
 * browser would. A check throws when the server and Postora disagree.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import { asService, type Sql } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { noRealtimeTransport, SupabaseStorage } from "@/lib/storage/supabase";
import { sweepOrphanedFiles } from "@/lib/storage/sweep";
import { GENERATIONS_BUCKET, generationObjectPath, generationSlidePath } from "@/lib/storage/types";
import { signJwt } from "@/scripts/storage-contract/stack";

/** A real 1x1 PNG. */
const PNG = new Uint8Array(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64"));

export type Check = { name: string; run: () => Promise<void> };

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

type Person = { id: string; clerkUserId: string };

export function contractChecks(supabaseUrl: string, db: Sql): Check[] {
  const storage = new SupabaseStorage({ url: supabaseUrl, serviceRoleKey: signJwt({ role: "service_role", iss: "supabase" }), db });
  /** A browser: supabase-js with the anon key, uploading to a signed URL. */
  const browser = createClient(supabaseUrl, signJwt({ role: "anon", iss: "supabase" }), { auth: { persistSession: false }, realtime: { transport: noRealtimeTransport } }).storage.from(GENERATIONS_BUCKET);
  const ownToken = (person: Person) =>
    createClient(supabaseUrl, signJwt({ role: "anon" }), {
      auth: { persistSession: false },
      realtime: { transport: noRealtimeTransport },
      global: { headers: { authorization: `Bearer ${signJwt({ role: "authenticated", aud: "authenticated", sub: person.clerkUserId })}` } },
    }).storage.from(GENERATIONS_BUCKET);

  const person = async (): Promise<Person> => {
    const clerkUserId = `user_contract${randomUUID().slice(0, 8)}`;
    const [row] = await asService((sql) => sql<{ id: string }[]>`
      insert into users (auth_id, email, tier) values (${clerkUserId}, ${`${clerkUserId}@example.com`}, 'free') returning id`, db);
    return { id: row!.id, clerkUserId };
  };
  const generation = async (owner: Person) => {
    const [row] = await asService((sql) => sql<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format) values (${owner.id}, 'contract test', 'bullet_points') returning id`, db);
    return row!.id;
  };
  const deleteGeneration = (id: string) => asService((sql) => sql`update generations set deleted_at = now() where id = ${id}`, db);
  const refusal = async (upload: Promise<{ error: { message: string } | null }>) => (await upload).error?.message ?? "accepted";

  let alice: Person;
  let bob: Person;
  let cover: string;
  let coverToken: string;

  return [
    {
      name: "sign an upload URL (the window opens before the server's test insert)",
      run: async () => {
        alice = await person();
        bob = await person();
        cover = generationObjectPath(alice.id, await generation(alice));
        const upload = await storage.createSignedUploadUrl(cover);
        coverToken = upload.token;
        const seconds = (upload.expiresAt.getTime() - Date.now()) / 1000;
        expect(seconds > 30 && seconds <= 60, `a self-hosted URL lasts 60 s and the window follows it (got ${seconds.toFixed(0)} s)`);
      },
    },
    {
      name: "upload through the signed URL (supabase-js uploadToSignedUrl)",
      run: async () => {
        const message = await refusal(browser.uploadToSignedUrl(cover, coverToken, PNG, { contentType: "image/png" }));
        expect(message === "accepted", `upload refused: ${message}`);
        expect(await storage.exists(cover), "the file is not there after the upload");
      },
    },
    {
      name: "a second upload through the same URL is refused, with a way forward",
      run: async () => {
        const message = await refusal(browser.uploadToSignedUrl(cover, coverToken, PNG, { contentType: "image/png" }));
        expect(/this upload URL was already used: ask for a new one/.test(message), `second upload: ${message}`);
      },
    },
    {
      name: "the worker's files: cover and slide written, a person's upload kept, the used URL still refused",
      run: async () => {
        const rendered = await generation(alice);
        expect((await storage.putRendered(generationObjectPath(alice.id, rendered), PNG)) === "written", "rendered cover not written");
        expect((await storage.putRendered(generationSlidePath(alice.id, rendered, 2), PNG)) === "written", "slide not written");
        expect((await storage.putRendered(generationSlidePath(alice.id, rendered, 2), PNG)) === "written", "re-render of its own slide not written");
        expect((await storage.putRendered(cover, PNG)) === "kept", "the person's upload was not kept");
        const message = await refusal(browser.uploadToSignedUrl(cover, coverToken, PNG, { contentType: "image/png" }));
        expect(message !== "accepted", "after 'kept', the used URL uploaded again");
      },
    },
    {
      name: "download through a signed URL",
      run: async () => {
        const download = await storage.createSignedDownloadUrl(cover, 60);
        const bytes = new Uint8Array(await (await fetch(download.url)).arrayBuffer());
        expect(Buffer.from(bytes).equals(Buffer.from(PNG)), "downloaded bytes differ from the upload");
      },
    },
    {
      name: "another person's folder is closed to a person's own token",
      run: async () => {
        const bobs = ownToken(bob);
        expect((await refusal(bobs.upload(cover, PNG, { contentType: "image/png", upsert: true }))) !== "accepted", "Bob overwrote Alice's file");
        const { data } = await bobs.list(alice.id);
        expect((data ?? []).length === 0, "Bob can list Alice's folder");
        expect((await bobs.download(cover)).error !== null, "Bob can download Alice's file");
      },
    },
    {
      name: "a person's own token: insert in their folder with owner_id = sub, no overwrite",
      run: async () => {
        const own = generationObjectPath(alice.id, await generation(alice));
        await storage.createSignedUploadUrl(own);
        const first = await refusal(ownToken(alice).upload(own, PNG, { contentType: "image/png" }));
        expect(first === "accepted", `own-token insert refused: ${first}`);
        const [row] = await asService((sql) => sql<{ ownerId: string | null }[]>`select owner_id from storage.objects where name = ${own}`, db);
        expect(row?.ownerId === alice.clerkUserId, `owner_id is ${row?.ownerId}, not the token's sub`);
        await storage.createSignedUploadUrl(own);
        expect((await refusal(ownToken(alice).upload(own, PNG, { contentType: "image/png", upsert: true }))) !== "accepted", "own-token overwrite accepted");
      },
    },
    {
      name: "zombie URLs: a deleted generation's URL, and an upload that outlives its window",
      run: async () => {
        const doomed = await generation(alice);
        const doomedPath = generationObjectPath(alice.id, doomed);
        const url = await storage.createSignedUploadUrl(doomedPath);
        await deleteGeneration(doomed);
        const dead = await refusal(browser.uploadToSignedUrl(doomedPath, url.token, PNG, { contentType: "image/png" }));
        expect(/Nothing live owns/.test(dead), `deleted generation's URL: ${dead}`);
        const slow = generationObjectPath(alice.id, await generation(alice));
        const late = await storage.createSignedUploadUrl(slow);
        await asService((sql) => sql`update private.storage_upload_windows set expires_at = now() - interval '1 second' where name = ${slow}`, db);
        const expired = await refusal(browser.uploadToSignedUrl(slow, late.token, PNG, { contentType: "image/png" }));
        expect(/this upload URL has expired: ask for a new one/.test(expired), `late upload: ${expired}`);
        const refusedSigning = await storage.createSignedUploadUrl(doomedPath).then(() => "signed", (error: Error) => error.message);
        expect(/Nothing live owns/.test(refusedSigning) && !/SERVICE_ROLE_KEY/.test(refusedSigning), `signing for a deleted generation: ${refusedSigning}`);
      },
    },
    {
      name: "delete: removed means gone",
      run: async () => {
        const gone = generationObjectPath(alice.id, await generation(alice));
        const { token } = await storage.createSignedUploadUrl(gone);
        await browser.uploadToSignedUrl(gone, token, PNG, { contentType: "image/png" });
        await storage.remove([gone]);
        expect(!(await storage.exists(gone)), "the file is still there");
        const [row] = await asService((sql) => sql`select 1 from storage.objects where name = ${gone}`, db);
        expect(row === undefined, "its row is still there");
      },
    },
    {
      name: "sweep: files no live generation owns go, live ones stay",
      run: async () => {
        const orphanGeneration = await generation(bob);
        const orphan = generationObjectPath(bob.id, orphanGeneration);
        const { token } = await storage.createSignedUploadUrl(orphan);
        await browser.uploadToSignedUrl(orphan, token, PNG, { contentType: "image/png" });
        await deleteGeneration(orphanGeneration);
        const result = await sweepOrphanedFiles({ storage, db, log: logger.child({ source: "storage-contract" }) });
        expect(result.removed >= 1, `the sweep removed ${result.removed} files`);
        expect(!(await storage.exists(orphan)), "the orphan is still there");
        expect(await storage.exists(cover), "the sweep removed a live generation's file");
      },
    },
  ];
}
