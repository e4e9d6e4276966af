/**
 * Collection (decision 0091): the request path only works out *which* page this is (a regex on the
 * path) and hands the rest to `ctx.waitUntil`: the salted daily visitor key (apps' `visitorKey`, passed in by
 * the Worker entry), then the hit joins this isolate's buffer, which goes to the analytics queue as
 * one message at most ANALYTICS_FLUSH_MS later or once it holds FLUSH_MAX_EVENTS distinct events
 * (decision 0145). No D1 work, no awaiting on the response path — also on edge-cache hits.
 */
import { isbot } from "isbot";
import { newId } from "~/lib/ids";
import type { AnalyticsEvent, AnalyticsMessage, PageEvent, PageKind } from "./events";

type PageHit = { type: "view" | "try"; page: { kind: PageKind; handle?: string; key?: string } };

const SEG = "([a-z0-9-]{1,120})";
const PATTERNS: [RegExp, (m: RegExpExecArray) => PageHit][] = [
  [/^\/@([a-z0-9-]{1,30})\/?$/i, (m) => ({ type: "view", page: { kind: "storefront", handle: m[1] } })],
  [
    new RegExp(`^/@([a-z0-9-]{1,30})/products/${SEG}/?$`, "i"),
    (m) => ({ type: "view", page: { kind: "product", handle: m[1], key: m[2] } }),
  ],
  [new RegExp(`^/@([a-z0-9-]{1,30})/posts/${SEG}/?$`, "i"), (m) => ({ type: "view", page: { kind: "post", handle: m[1], key: m[2] } })],
  [
    new RegExp(`^/@([a-z0-9-]{1,30})/services/${SEG}/?$`, "i"),
    (m) => ({ type: "view", page: { kind: "service", handle: m[1], key: m[2] } }),
  ],
  [new RegExp(`^/apps/${SEG}/?$`, "i"), (m) => ({ type: "view", page: { kind: "app", key: m[1] } })],
  [new RegExp(`^/apps/${SEG}/try/?$`, "i"), (m) => ({ type: "try", page: { kind: "app", key: m[1] } })],
  [/^\/tiers\/([A-Za-z0-9_-]{1,40})\/?$/, (m) => ({ type: "view", page: { kind: "tier", key: m[1] } })],
];

/** Which tracked page a GET is for (Remix `.data` navigations count as the page), or null. */
export function pageHitFromPath(pathname: string): PageHit | null {
  const path = pathname.endsWith(".data") ? pathname.slice(0, -".data".length) : pathname;
  if (path.length > 200) return null;
  for (const [re, make] of PATTERNS) {
    const m = re.exec(path);
    if (m) {
      const hit = make(m);
      return {
        type: hit.type,
        page: {
          ...hit.page,
          handle: hit.page.handle?.toLowerCase(),
          key: hit.page.kind === "tier" ? hit.page.key : hit.page.key?.toLowerCase(),
        },
      };
    }
  }
  return null;
}

const clip = (s: string | null, max: number) => {
  const t = (s ?? "").trim().toLowerCase().slice(0, max);
  return t ? t : undefined;
};

/** The referring site's host, unless it is this site (internal navigation is not a source). */
function referrerHost(request: Request, url: URL): string | undefined {
  const ref = request.headers.get("Referer");
  if (!ref) return undefined;
  try {
    const host = new URL(ref).hostname.toLowerCase();
    return host && host !== url.hostname ? host.slice(0, 120) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records a page view or try-click of a tracked page, off the response path. Returns whether it
 * will (for tests and the benchmark). Bots, HEAD requests and untracked paths record nothing.
 */
export function collectPageHit(
  env: Env,
  ctx: ExecutionContext,
  request: Request,
  url: URL,
  visitor: () => Promise<string | null>,
): boolean {
  if (request.method !== "GET") return false;
  const hit = pageHitFromPath(url.pathname);
  if (!hit || !env.ANALYTICS_QUEUE) return false;
  if (isBot(request.headers.get("User-Agent") ?? "")) return false;
  const at = Date.now();
  // Most hits carry no query: don't build URLSearchParams for them.
  const q = url.search ? url.searchParams : null;
  const base = {
    type: hit.type,
    at,
    page: hit.page,
    referrer: referrerHost(request, url),
    utmSource: q ? clip(q.get("utm_source"), 80) : undefined,
    utmMedium: q ? clip(q.get("utm_medium"), 80) : undefined,
    utmCampaign: q ? clip(q.get("utm_campaign"), 120) : undefined,
  };
  const flushMs = Number(env.ANALYTICS_FLUSH_MS ?? 1000) || 0;
  ctx.waitUntil(
    visitor()
      .then((visitor) => {
        const event: PageEvent = { ...base, visitor: visitor ?? undefined };
        return flushMs > 0 ? bufferPageHit(env, event, flushMs) : sendAnalytics(env, [event]);
      })
      .catch((e) => console.warn(`analytics: page hit not recorded: ${e instanceof Error ? e.message : String(e)}`)),
  );
  return true;
}

/** User agents this isolate has already classified (the bot pattern is one large regex). */
const botVerdicts = new Map<string, boolean>();
function isBot(userAgent: string): boolean {
  let verdict = botVerdicts.get(userAgent);
  if (verdict === undefined) {
    if (botVerdicts.size >= 2000) botVerdicts.clear();
    botVerdicts.set(userAgent, (verdict = isbot(userAgent)));
  }
  return verdict;
}

/**
 * This isolate's page hits not yet sent (decision 0145), merged: hits that agree on everything the
 * rollups look at — type, page, visitor key, referrer, UTM values — and fall in the same 15-minute
 * slot of UTC become one event with a `count`. Every time zone's midnight falls on a 15-minute
 * boundary of UTC, so merged hits always share the creator-local day the consumer gives them.
 */
const pendingHits = new Map<string, PageEvent & { count: number }>();
/** Distinct events per message: well inside the queue's 128 KB message and the 500-event cap. */
export const FLUSH_MAX_EVENTS = 100;
const SLOT_MS = 15 * 60_000;
/** When the pending flush timer was armed (0: none). A timer lives in one request's `waitUntil`. */
let armedAt = 0;

/** Type, page, visitor and slot can't hold a space (path patterns, hex keys); free text goes through JSON. */
const mergeKey = (e: PageEvent) =>
  `${e.type} ${e.page.kind} ${e.page.handle ?? ""} ${e.page.key ?? ""} ${e.visitor ?? ""} ${Math.floor(e.at / SLOT_MS)}` +
  (e.referrer || e.utmSource || e.utmMedium || e.utmCampaign
    ? ` ${JSON.stringify([e.referrer, e.utmSource, e.utmMedium, e.utmCampaign])}`
    : "");

/**
 * Adds a hit to the buffer. The returned promise (handed to `waitUntil`) is the flush this hit
 * triggered: at once when the buffer is full, or — for the first hit into an idle buffer — after
 * `flushMs`, so every buffered hit is sent within `flushMs` while a request keeps the isolate alive.
 */
function bufferPageHit(env: Env, event: PageEvent, flushMs: number): Promise<void> {
  const key = mergeKey(event);
  const known = pendingHits.get(key);
  if (known) known.count++;
  else pendingHits.set(key, { ...event, count: 1 });
  if (pendingHits.size >= FLUSH_MAX_EVENTS) return flushPageHits(env);
  const now = Date.now();
  // A timer is pending — unless its request was torn down before it fired (then arm a new one).
  if (armedAt && now - armedAt < flushMs + 10_000) return Promise.resolve();
  armedAt = now;
  return new Promise<void>((resolve) => setTimeout(resolve, flushMs)).then(() => {
    armedAt = 0;
    return flushPageHits(env);
  });
}

/** Sends the buffered hits as one message now (one retry; never throws). */
export async function flushPageHits(env: Env): Promise<void> {
  if (!pendingHits.size) return;
  const events: AnalyticsEvent[] = [...pendingHits.values()].map(({ count, ...e }) => (count > 1 ? { ...e, count } : e));
  pendingHits.clear();
  const id = `m:${newId(24)}`;
  try {
    await sendAnalytics(env, events, id);
  } catch {
    // Same id: should the first send have gone through after all, the consumer applies it once.
    await sendAnalyticsQuietly(env, events, id);
  }
}

/**
 * Sends events as one message (one idempotency unit). `id` defaults to a fresh random id; pass a
 * deterministic one (e.g. `follow:<creator>:<seq>`) when the caller itself may run twice.
 */
export async function sendAnalytics(env: Env, events: AnalyticsEvent[], id = `m:${newId(24)}`): Promise<void> {
  if (!events.length || !env.ANALYTICS_QUEUE) return;
  const message: AnalyticsMessage = { id, events };
  await env.ANALYTICS_QUEUE.send(message, { contentType: "json" });
}

/** Like `sendAnalytics`, but never throws: analytics must not break what it observes. */
export async function sendAnalyticsQuietly(env: Env, events: AnalyticsEvent[], id?: string): Promise<void> {
  try {
    await sendAnalytics(env, events, id);
  } catch (e) {
    console.warn(`analytics: events not recorded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Sends several messages (each its own idempotency unit), 100 per queue call; never throws. */
export async function sendAnalyticsMessagesQuietly(env: Env, messages: AnalyticsMessage[]): Promise<void> {
  if (!messages.length || !env.ANALYTICS_QUEUE) return;
  try {
    for (let i = 0; i < messages.length; i += 100)
      await env.ANALYTICS_QUEUE.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  } catch (e) {
    console.warn(`analytics: events not recorded: ${e instanceof Error ? e.message : String(e)}`);
  }
}
