/**
 * Rendering, measured (the last part of `npm run bench`):
 *
 *  - Per slide: satori + resvg (the path the cards had) against satori +
 *    sharp (the one they ship), in interleaved rounds of the same run, and
 *    the two halves apart: satori's SVG, then each rasteriser and PNG
 *    setting on that same SVG, with the files' sizes.
 *  - A 10-slide carousel from insert to `completed` through the queue (the
 *    offline writer, one worker, its PDF included): p50, p90 and CPU each.
 *  - Memory over 1,000 renders of slides in six scripts and emoji: RSS
 *    after the 100th and after the 1,000th (run first, in a fresh process;
 *    see memory() for how it is sampled).
 *
 * Prints figures; it is not a pass/fail test.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Resvg } from "@resvg/resvg-js";
import postgres from "postgres";
import sharp from "sharp";
import { median } from "@/bench/measure";
import { offlineWriter } from "@/lib/ai/offline";
import { createPool } from "@/lib/db/client";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { startWorker } from "@/lib/jobs/worker";
import { logger } from "@/lib/log";
import { renderSlide, slideTree, toSvg } from "@/lib/render/cards";
import { CAROUSEL_SIZE } from "@/lib/render/sizes";
import { LocalStorage } from "@/lib/storage/local/adapter";
import { freePort } from "@/test/ports";

const SLIDE = { title: "Postgres durable job queue", body: "Workers claim jobs with SKIP LOCKED, so many of them share one table without taking the same job twice." };
const MIXED = [
  SLIDE,
  { title: "Ship it 🚀👩‍💻", body: "Thumbs 👍🏽, flags 🇯🇵🇺🇦, a rainbow 🏳️‍🌈 and a heart ❤️ on one slide." },
  { title: "写作的方法", body: "这个团队每周写一次说明文档，会议时间减少了三分之一。" },
  { title: "書き方の手引き", body: "このチームは毎週文書を書き、会議の時間を三分の一減らしました。" },
  { title: "مرحبا بالعالم", body: "كتب الفريق وثائق أسبوعية فقلّ وقت الاجتماعات بمقدار الثلث." },
  { title: "नमस्ते दुनिया", body: "टीम ने हर सप्ताह दस्तावेज़ लिखे और बैठकों का समय एक तिहाई कम हो गया।" },
];
const LANGUAGES = [null, null, "zh-Hans", "ja", null, null];
/** Twelve distinct points: the offline writer, which drops repeated ones, makes ten slides of them. */
const GUIDE = [
  "Small teams ship faster when they write their plans down before the first meeting.",
  "A written proposal lets every reader comment at their own pace, across time zones.",
  "Our survey of forty startups found that written proposals cut meeting time by a third.",
  "Decisions recorded in a shared log are easier to revisit six months later.",
  "New engineers learn the codebase faster from design notes than from hallway conversations.",
  "Short documents get read, so each proposal should fit on two pages.",
  "Every proposal names one owner who collects feedback and makes the final call.",
  "Reviewers answer within two working days, or the owner proceeds without them.",
  "Open questions go at the top of the page, where reviewers see them first.",
  "Diagrams explain data flows better than paragraphs of prose.",
  "Teams that adopted the habit reported fewer surprises during launch weeks.",
  "Writing is a skill, and it improves with weekly practice and honest feedback.",
].join(" ");

const time = async (task: () => Promise<unknown>) => {
  const started = performance.now();
  await task();
  return performance.now() - started;
};

async function perSlide() {
  const rounds = 9;
  const perRound = 8;
  const paths = {
    "satori + resvg (before)": (i: number) => renderSlide(SLIDE, i % 6, 6, { rasterizer: "resvg" }),
    "satori + sharp (shipped)": (i: number) => renderSlide(SLIDE, i % 6, 6, { rasterizer: "sharp" }),
  };
  for (const render of Object.values(paths)) for (let i = 0; i < 10; i++) await render(i);
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const names = round % 2 ? Object.keys(paths).reverse() : Object.keys(paths);
    for (const name of names) {
      const render = paths[name as keyof typeof paths];
      times[name]!.push((await time(async () => { for (let i = 0; i < perRound; i++) await render(i); })) / perRound);
    }
  }
  const [before, after] = Object.values(times).map(median);
  console.log(`render: 1080x1350 slide, median of ${rounds} interleaved rounds of ${perRound}, one at a time`);
  for (const [name, values] of Object.entries(times)) console.log(`  ${name.padEnd(26)} ${median(values).toFixed(1).padStart(6)} ms/slide`);
  console.log(`  sharp / resvg: ${(after! / before!).toFixed(2)}x`);

  // The halves apart, on one SVG.
  const svg = await toSvg(slideTree(SLIDE, 1, 6), CAROUSEL_SIZE);
  const satoriSamples = [];
  for (let i = 0; i < 20; i++) satoriSamples.push(await time(() => toSvg(slideTree(SLIDE, i % 6, 6), CAROUSEL_SIZE)));
  const satoriMs = median(satoriSamples);
  console.log(`  satori alone (SVG): ${satoriMs.toFixed(1)} ms`);
  const rasterizers: Record<string, () => Promise<Buffer> | Buffer> = {
    "resvg, RGBA": () => new Resvg(svg, { fitTo: { mode: "width", value: CAROUSEL_SIZE.width }, font: { loadSystemFonts: false } }).render().asPng(),
    "sharp, RGBA level 6 (its default)": () => sharp(Buffer.from(svg)).png().toBuffer(),
    "sharp, RGB level 1": () => sharp(Buffer.from(svg)).removeAlpha().png({ compressionLevel: 1 }).toBuffer(),
    "sharp, RGB level 4 (shipped)": () => sharp(Buffer.from(svg)).removeAlpha().png({ compressionLevel: 4 }).toBuffer(),
    "sharp, RGB level 9": () => sharp(Buffer.from(svg)).removeAlpha().png({ compressionLevel: 9 }).toBuffer(),
    "sharp, palette level 6": () => sharp(Buffer.from(svg)).removeAlpha().png({ palette: true, dither: 0, compressionLevel: 6, effort: 1 }).toBuffer(),
  };
  for (const [name, rasterize] of Object.entries(rasterizers)) {
    const samples = [];
    let bytes = 0;
    const cpu = process.cpuUsage();
    for (let i = 0; i < 12; i++) samples.push(await time(async () => (bytes = (await rasterize()).length)));
    const used = process.cpuUsage(cpu);
    console.log(`  ${name.padEnd(34)} ${median(samples).toFixed(1).padStart(6)} ms, ${((used.user + used.system) / 1000 / 12).toFixed(1).padStart(6)} ms CPU  ${(bytes / 1024).toFixed(0).padStart(4)} KB`);
  }
}

/**
 * Memory over 1,000 renders. Each figure is taken after a full collection
 * (the bench runs with --expose-gc), and is the median over the fifty renders
 * ending at that point: one sample is not a sound measure, because glibc's
 * allocator keeps the native memory sharp and satori free (per thread) and
 * returns it at its own pace, so RSS after a collection moves by several
 * percent from one render to the next, with or without a leak. The JS heap
 * after a collection, which a cache growing with every emoji or font would
 * swell, is printed beside it.
 */
async function memory() {
  const WINDOW = 50;
  const samples = new Map<number, { rss: number[]; heap: number[] }>();
  for (let i = 1; i <= 1000; i++) {
    const n = i % MIXED.length;
    await renderSlide(MIXED[n]!, i % 10, 10, { language: LANGUAGES[n] });
    const point = Math.ceil(i / 100) * 100;
    if (point - i < WINDOW) {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      const sample = samples.get(point) ?? { rss: [], heap: [] };
      sample.rss.push(rss / 2 ** 20);
      sample.heap.push(heapUsed / 2 ** 20);
      samples.set(point, sample);
    }
  }
  const rss = (point: number) => median(samples.get(point)!.rss);
  const heap = (point: number) => median(samples.get(point)!.heap);
  const change = (rss(1000) / rss(100) - 1) * 100;
  console.log(
    `render memory, 1,000 slides in 6 scripts and emoji (after GC, median of the ${WINDOW} renders up to each point): ` +
      `RSS ${rss(100).toFixed(0)} MiB after the 100th, ${rss(1000).toFixed(0)} MiB after the 1,000th (${change >= 0 ? "+" : ""}${change.toFixed(1)}%, ` +
      `${Math.abs(change) <= 10 ? "within" : "NOT within"} 10%); JS heap ${heap(100).toFixed(1)} -> ${heap(1000).toFixed(1)} MiB`,
  );
  console.log(`  RSS every 100 renders (MiB): ${[...samples.keys()].map((point) => rss(point).toFixed(0)).join(" ")}`);
}

async function carousel() {
  const dir = await mkdtemp(path.join(tmpdir(), "postora-bench-render-"));
  const database = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), port: await freePort(), ephemeral: true });
  try {
    await migrate(database.url());
    const setup = postgres(database.url(), { max: 1, onnotice: () => {} });
    const db = createPool(database.url(), { max: 4 });
    const [user] = await setup<{ id: string }[]>`insert into users (auth_id, email) values ('user_2benchrender', 'render@example.com') returning id`;
    const [template] = await setup<{ id: string }[]>`
      insert into templates (user_id, name, type, content) values (${user!.id}, 'Ten slides', 'carousel', ${setup.json({ slides: 10 })}) returning id`;
    const worker = await startWorker({
      connectionString: database.url(),
      concurrency: 1,
      lockTimeoutSeconds: 60,
      pipeline: { db, storage: new LocalStorage({ dataDir: dir, appUrl: "http://localhost:3000", db }), writer: offlineWriter },
      log: logger.child({ source: "bench" }),
      pollIntervalMs: 1000,
    });
    try {
      const once = async () => {
        const started = performance.now();
        const [row] = await setup<{ id: string }[]>`
          insert into generations (user_id, input_content, output_format, template_id) values (${user!.id}, ${GUIDE}, 'carousel', ${template!.id}) returning id`;
        while ((await setup`select 1 from generations where id = ${row!.id} and status = 'completed'`).length === 0) await sleep(5);
        const [slides] = await setup<{ n: number }[]>`select jsonb_array_length(slides) as n from generations where id = ${row!.id}`;
        if (slides!.n !== 10) throw new Error(`expected 10 slides, got ${slides!.n}`);
        return performance.now() - started;
      };
      await once();
      const samples = [];
      const cpu = process.cpuUsage();
      for (let i = 0; i < 15; i++) samples.push(await once());
      const used = process.cpuUsage(cpu);
      samples.sort((a, b) => a - b);
      console.log(
        `carousel of 10 slides and its PDF, insert to completed (offline writer, one worker, ${samples.length} runs): ` +
          `p50 ${median(samples).toFixed(0)} ms, p90 ${samples[Math.floor(samples.length * 0.9)]!.toFixed(0)} ms, ` +
          `${((used.user + used.system) / 1000 / samples.length).toFixed(0)} ms CPU each (this process: worker, sharp's threads, polling)`,
      );
    } finally {
      await worker.stop();
      await db.end({ timeout: 5 });
      await setup.end({ timeout: 5 });
    }
  } finally {
    await database.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(" ");
// BENCH_RENDER=memory,slide,carousel (the default: all three) picks the parts.
const parts = (process.env.BENCH_RENDER ?? "memory,slide,carousel").split(",");
console.log(`render bench: load average ${load()} at the start`);
// Memory first: resvg, measured next, keeps memory it never gives back.
if (parts.includes("memory")) await memory();
if (parts.includes("slide")) await perSlide();
if (parts.includes("carousel")) await carousel();
console.log(`render bench: load average ${load()} at the end`);
