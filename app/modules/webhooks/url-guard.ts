/**
 * The SSRF guard of outbound webhooks (decision 0099), applied when an endpoint is saved AND before
 * every delivery. In production: https only, no credentials in the URL, and never a host that names
 * a private, loopback, link-local, CGNAT, multicast, reserved or documentation address — as an IP
 * literal in any spelling the URL parser accepts (it normalises `0x7f.1`, `2130706433` …) — nor
 * `localhost`, single-label names or private suffixes (`*.internal`, `*.local`, `*.home.arpa` …).
 * Outside production a loopback host (127.0.0.0/8, ::1, localhost) is also allowed, over http too,
 * so development and the tests can use a real local receiver.
 *
 * Limit: a public hostname whose DNS answers a private address passes (Workers' fetch resolves
 * names itself and can't be pinned to a checked address, so checking DNS first would race a
 * rebinding anyway). Cloudflare's network doesn't route Worker subrequests into private networks;
 * the guard keeps us from ever asking.
 */

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const PRIVATE_SUFFIXES = [".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".lan", ".intranet", ".corp", ".private"];

function ipv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

/** IPv4 ranges that are not public unicast (RFC 6890 and friends). */
function privateV4([a, b, c]: number[]): boolean {
  return (
    a === 0 || // "this" network
    a === 10 || // private
    a === 127 || // loopback
    (a === 100 && b >= 64 && b <= 127) || // CGNAT 100.64.0.0/10
    (a === 169 && b === 254) || // link-local (cloud metadata)
    (a === 172 && b >= 16 && b <= 31) || // private
    (a === 192 && b === 168) || // private
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay anycast
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a >= 224 // multicast, reserved, broadcast
  );
}

/** Expands an IPv6 literal (no brackets) to 8 numbers, or null if it isn't one. */
function ipv6(host: string): number[] | null {
  if (!host.includes(":")) return null;
  let h = host.split("%")[0];
  // An embedded IPv4 tail (::ffff:1.2.3.4): the URL parser usually rewrites it to hex already.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (tail) {
    const v4 = ipv4(tail[1]);
    if (!v4) return null;
    h = h.slice(0, -tail[1].length) + `${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, rest] = h.split("::");
  if (h.split("::").length > 2) return null;
  const parse = (s: string) => (s ? s.split(":").map((x) => (/^[0-9a-f]{1,4}$/i.test(x) ? parseInt(x, 16) : NaN)) : []);
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const out = [...left, ...Array(Math.max(0, fill)).fill(0), ...right];
  return out.length === 8 && out.every((x) => Number.isInteger(x)) ? out : null;
}

function privateV6(w: number[]): boolean {
  const v4 = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255];
  if (w.every((x) => x === 0)) return true; // ::
  if (w.slice(0, 7).every((x) => x === 0) && w[7] === 1) return true; // ::1 loopback
  if (w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff) return privateV4(v4(w[6], w[7])); // ::ffff:a.b.c.d
  if (w.slice(0, 6).every((x) => x === 0)) return true; // deprecated IPv4-compatible ::a.b.c.d
  if (w[0] === 0x64 && w[1] === 0xff9b) return privateV4(v4(w[6], w[7])); // NAT64 64:ff9b::/96
  if ((w[0] & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((w[0] & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((w[0] & 0xffc0) === 0xfec0) return true; // site-local (deprecated) fec0::/10
  if ((w[0] & 0xff00) === 0xff00) return true; // multicast
  if (w[0] === 0x2001 && w[1] === 0x0db8) return true; // documentation
  if (w[0] === 0x2002) return privateV4(v4(w[1], w[2])); // 6to4 wraps an IPv4 address
  if (w[0] === 0x0100 && w[1] === 0 && w[2] === 0 && w[3] === 0) return true; // discard-only
  return false;
}

/** True for 127.0.0.0/8, ::1 and localhost: what development and the tests may target. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  const v4 = ipv4(h);
  if (v4) return v4[0] === 127;
  const v6 = ipv6(h);
  return !!v6 && v6.slice(0, 7).every((x) => x === 0) && v6[7] === 1;
}

/** Why `hostname` must never be called from production, or null when it may be. */
export function privateHostReason(hostname: string): string | null {
  const h = hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  if (!h) return "The URL has no host.";
  const v4 = ipv4(h);
  if (v4) return privateV4(v4) ? `${h} is a private, loopback or reserved address.` : null;
  const v6 = ipv6(h);
  if (v6) return privateV6(v6) ? `${h} is a private, loopback or reserved address.` : null;
  if (h.includes(":")) return "The URL's host isn't a valid address.";
  if (h === "localhost" || PRIVATE_SUFFIXES.some((s) => h.endsWith(s))) return `${h} is a local or internal name.`;
  if (!h.includes(".")) return `${h} is not a public domain name.`;
  // Numeric-looking names the parser did not turn into an address (e.g. 1.2.3) are refused too.
  if (/^[0-9.]+$/.test(h)) return `${h} isn't a valid address.`;
  return null;
}

/**
 * Whether a webhook may be sent to `raw` in this environment. `production` is true everywhere but
 * APP_ENV=development/test; there, a loopback host is also allowed (http or https).
 */
export function checkWebhookUrl(raw: string, opts: { production: boolean }): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: "Enter a full URL, starting with https://." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "The URL must start with https://." };
  if (url.username || url.password) return { ok: false, reason: "The URL must not contain a user name or password." };
  if (!opts.production && isLoopbackHost(url.hostname)) return { ok: true, url };
  if (url.protocol !== "https:")
    return {
      ok: false,
      reason: opts.production
        ? "The URL must start with https://."
        : "Use https:// (plain http is allowed only for localhost in development).",
    };
  const why = privateHostReason(url.hostname);
  if (why) return { ok: false, reason: `Webhooks can't be sent there: ${why}` };
  return { ok: true, url };
}

/** Production unless APP_ENV says development or test. */
export const isProduction = (env: { APP_ENV?: string }) => env.APP_ENV !== "development" && env.APP_ENV !== "test";
