/**
 * The one Worker: Remix SSR for pages and the JSON API, dev tools, and
 * the Stripe webhook endpoint, Durable Object classes and Queue consumers.
 */
import { createRequestHandler, type ServerBuild } from "@remix-run/cloudflare";
// The Remix server build (produced by `remix vite:build`; typed by workers/remix-build.d.ts through
// the `#remix-build` entry of package.json "imports").
import * as build from "#remix-build";
import "../app/lib/context";
import { appendSessionCookie, hasSessionCookie, resolveSession } from "../app/modules/identity/auth.server";
import { checkOrigin, withSecurityHeaders } from "../app/lib/security.server";
import { servePublicMedia } from "../app/modules/media/service.server";
import { handleContentQueues } from "./queues";
import { endExpiredComps } from "../app/modules/payments/members.server";
export { PostScheduler } from "./durable-objects/post-scheduler";
import { publishDuePosts } from "../app/modules/posts/service.server";
import { serveFromEdgeCache } from "../app/lib/edge-cache.server";
import {
  anonymousPageKey,
  appSlugFromPath,
  forgetVersions,
  runsScripts,
  sharedSignedInPageKey,
} from "../app/modules/discovery/edge-pages.server";
import { recordAppView, visitorKey } from "../app/modules/apps/service.server";
export { CreatorGraph } from "./durable-objects/creator-graph";
import { receiveStripeWebhook } from "../app/modules/payments/webhooks.server";
import { handleStripeQueues } from "./queues/stripe-events";
import { storefrontViewerRide, viewerJson } from "../app/pages/storefront.server";
import { jsonOrError } from "../app/lib/http.server";
import { sessionRide } from "../app/pages/rides.server";
import { openRequestSession } from "../app/lib/d1-session.server";
import { handleRedirectLocation } from "../app/modules/storefronts/service.server";
import { handleApi } from "../app/modules/api/handler.server";
import { collectPageHit } from "../app/modules/analytics/collect.server";
import { pruneAnalyticsDedupe } from "../app/modules/analytics/rollup.server";
import { handleAffiliateClick, payDueCommissions } from "../app/modules/affiliates/service.server";
import { queueFeedbackDigests } from "../app/modules/community/digest.server";

export { TierSeats } from "./durable-objects/tier-seats";
export { CreatorCalendar } from "./durable-objects/creator-calendar";
export { PromotionSlots } from "./durable-objects/promotion-slots";

const handleRemix = createRequestHandler(build satisfies ServerBuild);

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    // The public API: bearer tokens, never cookies, so no Origin check (nothing a page could forge).
    if (url.pathname === "/api/v1" || url.pathname.startsWith("/api/v1/"))
      return withSecurityHeaders(await handleApi(request, env, ctx), env);
    const refused = checkOrigin(request, env);
    if (refused) return withSecurityHeaders(refused, env);

    // Affiliate links (`?via=CODE` on a creator's pages, decision 0110): count the click, keep it as
    // the last click (signed cookie + the signed-in person), redirect to the clean, cacheable address.
    if (request.method === "GET" && url.search && url.searchParams.has("via") && AFFILIATE_PATH.test(url.pathname)) {
      const viewerId = hasSessionCookie(request) ? ((await resolveSession(request, env)).viewer?.id ?? null) : null;
      return withSecurityHeaders(await handleAffiliateClick(env, request, url, viewerId), env);
    }

    // Public media straight from R2: no session lookup, no Remix.
    if (url.pathname.startsWith("/media/") && (request.method === "GET" || request.method === "HEAD")) {
      return withSecurityHeaders(await servePublicMedia(env, decodeURIComponent(url.pathname.slice("/media/".length)), request), env);
    }

    // One D1 session per request: reads may come from a nearby replica, a person reads their own
    // writes through the bookmark cookie; queues, DOs and the cron keep the bare binding (primary).
    // An anonymous GET opens it only when something reads D1 (decision 0145): a cache hit whose
    // version is memoised reads nothing.
    const signedIn = hasSessionCookie(request);
    const bare = env;
    let opened: ReturnType<typeof openRequestSession> | null = null;
    const sessionEnv = () => (opened ??= openRequestSession(request, bare, signedIn)).env;

    // Apps: count app page views (once per visitor per day, off the response path) and serve
    // anonymous storefront / app / discovery pages from the versioned edge cache.
    const viewedApp = request.method === "GET" ? appSlugFromPath(url.pathname) : null;
    if (request.method === "GET" && !signedIn) {
      if (viewedApp) ctx.waitUntil(visitorKey(bare, request, null).then((v) => recordAppView(bare, viewedApp, v)));
      // Creator analytics (D91): a path match here; the visitor key and the buffered queue send (0145) off the response path.
      collectPageHit(bare, ctx, request, url, () => visitorKey(bare, request, null));
      const edgeKey = await anonymousPageKey(bare, url, sessionEnv);
      if (edgeKey) {
        const render = () => handleRemix(request, { cloudflare: { env: sessionEnv(), ctx }, viewer: null, sessionId: null });
        return withSecurityHeaders(await serveFromEdgeCache(url.origin, edgeKey, ctx, render), bare);
      }
    }
    const d1 = (opened ??= openRequestSession(request, bare, signedIn));
    env = d1.env;
    // Signed-in storefront in a browser that runs scripts: the shared HTML (rendered for no one)
    // from the edge cache; the viewer's own parts come from one /viewer.json request (D55).
    if (request.method === "GET" && runsScripts(request) && signedIn) {
      const sharedKey = await sharedSignedInPageKey(env, url);
      if (sharedKey) {
        // No session is read on this path: the view counts under the anonymous daily key.
        collectPageHit(env, ctx, request, url, () => visitorKey(env, request, null));
        const bare = new Request(url, { headers: { Accept: request.headers.get("Accept") ?? "text/html" } });
        const render = () => handleRemix(bare, { cloudflare: { env, ctx }, viewer: null, sessionId: null, shared: true });
        return withSecurityHeaders(await serveFromEdgeCache(url.origin, sharedKey, ctx, render), env);
      }
    }
    // A shared page's per-viewer parts (D55): one session lookup (its follow query riding along), no Remix.
    if (url.pathname === "/viewer.json" && request.method === "GET") {
      const session = await resolveSession(request, env, storefrontViewerRide(env, url));
      const res = await jsonOrError(() => viewerJson(env, url, session.viewer, session.prefetched));
      res.headers.set("Cache-Control", "private, no-store");
      res.headers.set("Vary", "Cookie");
      const out = withSecurityHeaders(res, env);
      appendSessionCookie(out.headers, session.setCookie);
      return out;
    }
    // Stripe webhooks: signature-authenticated, no session, no Remix.
    if (url.pathname === "/webhooks/stripe") return withSecurityHeaders(await receiveStripeWebhook(request, env), env);

    // Hot signed-in pages run their own statements in the session lookup's D1 batch (D24).
    const session = await resolveSession(request, env, sessionRide(env, request, url));
    if (viewedApp && session.viewer)
      ctx.waitUntil(visitorKey(env, request, session.viewer.id).then((v) => recordAppView(env, viewedApp, v)));
    // Signed-in page views (anonymous ones were collected above, before the edge cache).
    const viewerId = session.viewer?.id ?? null;
    if (viewerId) collectPageHit(env, ctx, request, url, () => visitorKey(env, request, viewerId));
    const response = await handleRemix(request, {
      cloudflare: { env, ctx },
      viewer: session.viewer,
      sessionId: session.sessionId,
      prefetched: session.prefetched,
    });
    // A renamed storefront (D62): `/@old/...` answers 404 from Remix, then 301 to the new handle
    // for 90 days. Only 404s ask, so live storefronts pay nothing for it.
    if (response.status === 404 && (request.method === "GET" || request.method === "HEAD") && url.pathname.startsWith("/@")) {
      const location = await handleRedirectLocation(env, url);
      if (location)
        return d1.finish(
          withSecurityHeaders(url.pathname.endsWith(".data") ? singleFetchRedirect(location) : permanentRedirect(location), env),
        );
    }
    // An edit made here shows to this isolate's very next anonymous visitor (D29).
    if (request.method !== "GET" && request.method !== "HEAD") forgetVersions();
    const out = withSecurityHeaders(response, env);
    appendSessionCookie(out.headers, session.setCookie);
    return d1.finish(out);
  },

  async queue(batch, env, _ctx) {
    if (await handleStripeQueues(batch, env)) return;
    if (await handleContentQueues(batch, env)) return;
    // Unknown queue: retry rather than drop, so a misrouted message is never lost.
    batch.retryAll({ delaySeconds: 60 });
  },

  /** Cron (every minute): publish scheduled posts whose time has come, and the other periodic chores below. */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(publishDuePosts(env));
    ctx.waitUntil(endExpiredComps(env));
    ctx.waitUntil(pruneAnalyticsDedupe(env));
    // Commission payouts (decision 0110): once an hour, at minute 0.
    if (new Date(_controller.scheduledTime).getUTCMinutes() === 0) ctx.waitUntil(payDueCommissions(env).then(() => undefined));
    // The first run of each UTC day queues yesterday's feedback digests (one per maker; decision 120).
    ctx.waitUntil(queueFeedbackDigests(env));
  },
} satisfies ExportedHandler<Env>;

/** The pages an affiliate link may point at: a storefront, its products and services, tiers. */
const AFFILIATE_PATH = /^\/@[^/]+(?:\/|$)|^\/tiers\/[^/]+$/;

const permanentRedirect = (location: string) => new Response(null, { status: 301, headers: { Location: location } });

/**
 * A redirect as Remix's client-side navigation expects it from a `.data` request (what Remix's own
 * server answers when a loader redirects): 202, `X-Remix-Response`, and the redirect in the
 * turbo-stream encoding. A plain 301 would be followed by `fetch` and leave the old address in the
 * address bar. The handle-change tests pin this format.
 */
function singleFetchRedirect(location: string) {
  const body = [
    ["SingleFetchRedirect", 1],
    { _2: 3, _4: 5, _6: 7, _8: 7, _9: 7 },
    "redirect",
    location,
    "status",
    301,
    "revalidate",
    false,
    "reload",
    "replace",
  ];
  return new Response(`${JSON.stringify(body)}\n`, {
    status: 202,
    headers: { "Content-Type": "text/x-script", "X-Remix-Response": "yes", Location: location },
  });
}
