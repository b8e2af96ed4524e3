/**
 * The client's IP address, for limits on anonymous callers.
 *
 * Next.js route handlers never see the socket: `next start` puts the peer's
 * address in X-Forwarded-For only when the request has none, and a proxy in
 * front appends the address it saw to whatever the client sent. So only the
 * right-hand end of the header can be trusted, and only as far as the
 * proxies we run: with TRUSTED_PROXY_COUNT = N (default 1) the client is the
 * N-th address from the right, the one the outermost trusted proxy
 * recorded; anything further left is the client's own claim. With 0 (the app
 * reached directly) the rightmost entry is used, which is the socket's
 * address unless the client sent the header itself: run behind a proxy in
 * production.
 */
export function clientIpOf(headers: Headers, trustedProxyCount: number): string | null {
  const forwarded = headers.get("x-forwarded-for");
  if (!forwarded) return null;
  const hops = forwarded
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  if (hops.length === 0) return null;
  const index = Math.max(0, hops.length - Math.max(1, trustedProxyCount));
  const ip = hops[index]!;
  // Addresses only (IPv4, IPv6, with an optional zone); anything else is not an address a proxy wrote.
  return /^[0-9A-Fa-f:.%]{2,64}$/.test(ip) ? ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "") : null;
}
