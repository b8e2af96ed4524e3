/**
 * Where a webhook may be sent, and sending it there safely.
 *
 * An endpoint URL is a stranger's instruction to make our servers open a
 * connection, so it must not reach anything of ours (SSRF):
 *
 * - Production: `https` only, to public addresses only: no loopback,
 *   private, carrier-grade NAT, link-local (the cloud metadata service
 *   169.254.169.254 included), unique-local, multicast or reserved ranges.
 * - Development and tests: also `http://localhost` and `http://127.0.0.1`
 *   (a receiver on your own machine), and only if they resolve to loopback;
 *   every other private or metadata address is refused there too.
 * - Checked after DNS resolution, every address the name has, and the
 *   connection is made to the address that was checked (a `lookup` that
 *   answers with it), so a name that changes its answer between the check
 *   and the connection (DNS rebinding) cannot slip past.
 * - Redirects are never followed: a 3xx is a failed attempt that says so.
 * - A short timeout for the whole exchange, and at most a small prefix of
 *   the response body is read; the rest is dropped with the connection.
 */
import http from "node:http";
import https from "node:https";
import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import { BlockList, isIP } from "node:net";

/** What a target may be: production's rule, or development's (which also admits a local receiver). */
export type TargetPolicy = { allowLocalhost: boolean };

/** A URL or address we will not send to; the message says why, for the person who set it. */
export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TargetRefused";
  }
}

// One list per family: a BlockList also matches IPv4 addresses against IPv6 rules in their mapped form
// (::ffff:0:0/96 would cover every IPv4 address).
const blocked = { ipv4: new BlockList(), ipv6: new BlockList() };
const IPV4_BLOCKED: [string, number][] = [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15],
  ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
];
// IPv4-mapped, NAT64 and 6to4 addresses can carry a private IPv4 address: refused whole, as is everything not global unicast.
const IPV6_BLOCKED: [string, number][] = [
  ["::", 127], ["::ffff:0:0", 96], ["64:ff9b::", 96], ["64:ff9b:1::", 48], ["100::", 64], ["2001::", 23], ["2001:db8::", 32],
  ["2002::", 16], ["fc00::", 7], ["fe80::", 10], ["fec0::", 10], ["ff00::", 8],
];
for (const [network, prefix] of IPV4_BLOCKED) blocked.ipv4.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of IPV6_BLOCKED) blocked.ipv6.addSubnet(network, prefix, "ipv6");

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

const familyOf = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");
const isPublic = (address: string) => isIP(address) !== 0 && !blocked[familyOf(address)].check(address, familyOf(address));
const isLoopback = (address: string) => isIP(address) !== 0 && loopback.check(address, familyOf(address));

/** The host as an address or name, without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/** The development exception: a receiver on this machine, by one of the two names the README shows. */
const isLocalReceiver = (url: URL, policy: TargetPolicy) => policy.allowLocalhost && (url.hostname === "localhost" || url.hostname === "127.0.0.1");

/** The URL, if it may be a webhook endpoint at all (before DNS); TargetRefused saying why otherwise. */
export function checkTargetUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused(`"${raw}" is not an absolute URL; give one such as https://example.com/webhooks/postora.`);
  }
  const local = isLocalReceiver(url, policy);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw new TargetRefused(
      policy.allowLocalhost
        ? "must be an https:// URL (http:// is allowed only for http://localhost and http://127.0.0.1 outside production)."
        : "must be an https:// URL.",
    );
  }
  if (url.username || url.password) throw new TargetRefused("must not carry a user name or password; authenticate by verifying our signature.");
  const host = hostOf(url);
  if (!local && (host === "localhost" || host.endsWith(".localhost") || (isIP(host) !== 0 && !isPublic(host)))) {
    throw new TargetRefused(`${host} is a loopback, private, link-local or reserved address; webhooks go only to public addresses.`);
  }
  return url;
}

/** The one address to connect to: every address the host resolves to must be allowed, else TargetRefused. */
async function resolveTarget(url: URL, policy: TargetPolicy): Promise<{ address: string; family: 4 | 6 }> {
  checkTargetUrl(url.href, policy);
  const host = hostOf(url);
  let addresses: { address: string; family: number }[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await dnsLookup(host, { all: true });
    } catch (error) {
      throw new TargetRefused(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? "DNS error"}).`);
    }
  }
  const allowed = isLocalReceiver(url, policy) ? isLoopback : isPublic;
  const refused = addresses.find((entry) => !allowed(entry.address));
  if (refused || addresses.length === 0) {
    throw new TargetRefused(
      `${host} resolves to ${refused?.address ?? "no address"}, a loopback, private, link-local or reserved address; webhooks go only to public addresses.`,
    );
  }
  return { address: addresses[0]!.address, family: addresses[0]!.family === 6 ? 6 : 4 };
}

/** A `lookup` that answers every question with the address already checked. */
function pinnedLookup(target: { address: string; family: 4 | 6 }): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
}

export type SendResult = {
  /** The receiver's HTTP status, or null when it gave none. */
  status: number | null;
  succeeded: boolean;
  /** Why the attempt failed, in words for the endpoint's owner (null on success). */
  error: string | null;
  durationMs: number;
  /** The first bytes of the response body, at most maxResponseBytes. */
  body: string;
};

export type SendOptions = { policy: TargetPolicy; timeoutMs: number; maxResponseBytes: number };

/** POSTs `body` to `url` under the rules above. Never throws: every failure is a SendResult with an error. */
export async function sendToTarget(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string, status: number | null = null): SendResult => ({ status, succeeded: false, error, durationMs: elapsed(), body: "" });
  let parsed: URL;
  let target: { address: string; family: 4 | 6 };
  try {
    parsed = checkTargetUrl(url, options.policy);
    target = await resolveTarget(parsed, options.policy);
  } catch (error) {
    return failed(error instanceof TargetRefused ? `Refused: ${error.message}` : String(error));
  }
  const client = parsed.protocol === "https:" ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = client.request(parsed, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), "user-agent": "Postora-Webhooks/1" },
      lookup: pinnedLookup(target),
      // A fresh connection per attempt: a pooled socket would skip the check above.
      agent: false,
    });
    const timer = setTimeout(() => {
      finish(failed(`No complete answer within ${options.timeoutMs / 1000} s.`));
      request.destroy();
    }, options.timeoutMs);
    request.on("error", (error) => finish(failed(`Could not deliver: ${(error as NodeJS.ErrnoException).code ?? error.message}.`)));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString("utf8");
        if (status >= 200 && status < 300) finish({ status, succeeded: true, error: null, durationMs: elapsed(), body: text });
        else if (status >= 300 && status < 400) finish({ ...failed(`Answered ${status}: redirects are not followed; give the final URL.`, status), body: text });
        else finish({ ...failed(`Answered ${status}.`, status), body: text });
        response.destroy();
      };
      response.on("data", (chunk: Buffer) => {
        if (kept < options.maxResponseBytes) chunks.push(chunk.subarray(0, options.maxResponseBytes - kept));
        kept += chunk.length;
        if (kept >= options.maxResponseBytes) done();
      });
      response.on("end", done);
      response.on("error", done);
    });
    request.end(body);
  });
}
