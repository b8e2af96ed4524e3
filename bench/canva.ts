/**
 * `npm run bench` (last part): Open in Canva's own costs. PDF assembly of a
 * 10-slide carousel (pdfkit, the slides rendered once beforehand), and the
 * round trip of a send against the local Canva stand-in over HTTP: a
 * carousel's PDF import and a card's asset upload plus design, each with
 * Canva's polling pattern (first poll after 0.5 s). No database: the send's
 * own SQL is a few statements; what is measured is what only Canva adds.
 * Prints medians; not a pass/fail test.
 */
import { createHash, randomBytes } from "node:crypto";
import { CANVA_STAND_IN_CLIENT } from "@/lib/env";
import { canvaClient } from "@/lib/canva/client";
import { startCanvaStandIn } from "@/lib/canva/stand-in";
import { carouselPdf } from "@/lib/generations/pdf";
import { renderSlide } from "@/lib/render/cards";
import { median } from "@/bench/measure";

const RUNS = Number(process.env.BENCH_CANVA_RUNS ?? 5);

async function timed(runs: number, once: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return median(times);
}

const slides = Array.from({ length: 10 }, (_, index) => ({
  title: `Slide ${index + 1}: what the reader takes away`,
  body: "A body of text that runs for a while, a few sentences long, as a real carousel slide would be.",
}));
const pngs: Buffer[] = [];
for (const [index, slide] of slides.entries()) pngs.push(await renderSlide(slide, index, slides.length));
const pdf = await carouselPdf(pngs, "bench");
const assembly = await timed(RUNS, () => carouselPdf(pngs, "bench"));
console.log(`carousel PDF, 10 slides (${(pdf.length / 1024).toFixed(0)} KiB)`.padEnd(48), `${assembly.toFixed(0).padStart(7)} ms median of ${RUNS}`);

const standIn = await startCanvaStandIn({ isProduction: false, settings: { rateLimits: {} } });
try {
  const config = { ...CANVA_STAND_IN_CLIENT, apiUrl: `${standIn.origin}/rest`, authorizeUrl: `${standIn.origin}/api/oauth/authorize`, redirectUrl: "http://127.0.0.1:9/cb", standInPort: null };
  const client = canvaClient(config);
  const verifier = randomBytes(48).toString("base64url");
  const atCanva = await fetch(client.authorizeUrl("bench", createHash("sha256").update(verifier).digest("base64url")), { redirect: "manual" });
  const code = new URL(atCanva.headers.get("location")!).searchParams.get("code")!;
  const { accessToken } = await client.exchangeCode(code, verifier);
  const carousel = await timed(RUNS, () => client.importDesign(accessToken, "bench carousel", pdf, "application/pdf"));
  console.log("send a carousel to the stand-in (PDF import)".padEnd(48), `${carousel.toFixed(0).padStart(7)} ms median of ${RUNS}`);
  const card = await timed(RUNS, async () => {
    const assetId = await client.uploadAsset(accessToken, "bench card.png", pngs[0]!);
    await client.createDesign(accessToken, { title: "bench card", assetId, width: 1080, height: 1350 });
  });
  console.log("send a card to the stand-in (asset + design)".padEnd(48), `${card.toFixed(0).padStart(7)} ms median of ${RUNS}`);
} finally {
  await standIn.close();
}
