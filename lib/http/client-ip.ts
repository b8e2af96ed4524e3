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

/** How many addresses a request's X-Forwarded-For carries. */
function hopsOf(headers: Headers): number {
  return (headers.get("x-forwarded-for") ?? "").split(",").filter((hop) => hop.trim() !== "").length;
}

/** Requests looked at after a start before TRUSTED_PROXY_COUNT is judged. */
const SAMPLE = 20;

/**
 * Watches the first requests after a start and logs one plain warning when
 * TRUSTED_PROXY_COUNT does not match what they show: a request with fewer
 * X-Forwarded-For entries than the proxies configured (so the address used
 * may be one the client wrote, and anyone can rotate theirs), or every one
 * of the first requests with more entries than configured (more proxies in
 * front than counted: every client then looks like a proxy of ours). After
 * that, or once warned, it does nothing.
 */
export function proxyCountCheck(trustedProxyCount: number, log: { warn: (message: string, fields?: Record<string, unknown>) => void }) {
  const expected = Math.max(1, trustedProxyCount);
  let seen = 0;
  let fewest = Number.POSITIVE_INFINITY;
  let done = false;
  return (headers: Headers): void => {
    if (done) return;
    const hops = hopsOf(headers);
    seen += 1;
    fewest = Math.min(fewest, hops);
    if (hops < expected) {
      done = true;
      log.warn(
        `TRUSTED_PROXY_COUNT is ${trustedProxyCount}, but a request came with ${hops} address(es) in X-Forwarded-For: fewer proxies are in front ` +
          "of the app than configured, so the client address used for limits may be one the client wrote itself. Set TRUSTED_PROXY_COUNT to " +
          "the number of proxies that append to X-Forwarded-For, and run behind at least one in production.",
        { trustedProxyCount, hops },
      );
    } else if (seen >= SAMPLE) {
      done = true;
      if (fewest > expected) {
        log.warn(
          `TRUSTED_PROXY_COUNT is ${trustedProxyCount}, but each of the first ${SAMPLE} requests came with at least ${fewest} addresses in ` +
            `X-Forwarded-For: if ${fewest} proxies are in front of the app, set TRUSTED_PROXY_COUNT=${fewest}; as it is, clients are told apart by an address one of your proxies wrote.`,
          { trustedProxyCount, fewest },
        );
      }
    }
  };
}
