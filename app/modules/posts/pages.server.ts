/**
 * What the post page, the storefront's "Latest updates", app pages and RSS show — each built from
 * the gated views in present.server.ts with decisions from the entitlement module.
 */
import { publicUrl } from "~/lib/public-url";
import { and, eq } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { forbidden, notFound } from "~/lib/errors";
import type { Viewer } from "~/modules/identity/auth.server";
import { canView, decide, decider, loadAccess, type Need, type ViewerAccess } from "~/modules/content/entitlements.server";
import { findCreatorByHandle } from "~/modules/storefronts/queries.server";
import { findPostByHandleAndSlug, listPublishedPosts, listPublishedPostsForApp, offerNamesFor, type CreatorRow } from "./queries.server";
import { gateOf, presentCard, presentPost, postPath, type ListFields, type OfferNames, type PostCard } from "./present.server";
import { rssTokens, type Visibility } from "./schema";
import { creators } from "~/modules/storefronts/schema";

export type Cta = { need: Need; label: string; href: string; detail: string };

export function ctaFor(
  need: Need,
  creator: Pick<CreatorRow, "handle" | "displayName">,
  returnTo: string,
  visibility: Visibility = "paid",
  /** The offer that unlocks the post ("Members of Inner circle"), from `offerLabel`. */
  offer: string | null = null,
): Cta {
  const forWhom = offer ? ` It is for ${offer[0].toLowerCase()}${offer.slice(1)}.` : "";
  switch (need) {
    case "sign_in":
      return {
        need,
        label: "Sign in to follow",
        href: `/login?redirectTo=${encodeURIComponent(returnTo)}`,
        detail: `This post is for people who follow ${creator.displayName}. Sign in (or sign up — it's free) and follow to read the rest.`,
      };
    case "follow":
      return {
        need,
        label: `Follow ${creator.displayName}`,
        href: `/@${creator.handle}`,
        detail: `This post is for ${creator.displayName}'s followers. Following is free.`,
      };
    case "subscribe":
      return {
        need,
        label: "Subscribe to read",
        href: `/@${creator.handle}#subscriptions`,
        detail: offer
          ? `This post is for ${offer[0].toLowerCase()}${offer.slice(1)}.`
          : visibility === "tiers"
            ? `This post is for members of selected ${creator.displayName} tiers.`
            : `This post is for paying subscribers of ${creator.displayName}.`,
      };
    case "buy":
      return {
        need,
        label: "Buy to read",
        href: `/@${creator.handle}#products`,
        detail: `This post is included with one of ${creator.displayName}'s products.${forWhom}`,
      };
  }
}

/** `/@handle/posts/:slug`. Unpublished posts exist only for their creator. */
export async function getPostPage(env: Env, viewer: Viewer | null, handle: string, slug: string) {
  const row = await findPostByHandleAndSlug(env, handle, slug);
  if (!row) throw notFound("We couldn't find that post. It may have been moved or unpublished.");
  const { post, creator } = row;
  const isOwner = !!viewer && (viewer.id === post.creatorId || viewer.isAdmin);
  if (post.status !== "published" && !isOwner) throw notFound("We couldn't find that post. It may have been moved or unpublished.");
  const [decision, names] = await Promise.all([canView(env, viewer?.id ?? null, gateOf(post)), offerNamesFor(env, [gateOf(post)])]);
  const view = presentPost(post, creator, decision, names);
  const url = postPath(creator.handle, post.slug);
  return {
    post: view,
    isOwner,
    cta: decision.allowed ? null : ctaFor(decision.need, creator, url, post.visibility, view.offer),
    creator: { handle: creator.handle, displayName: creator.displayName, bioExcerpt: "" },
  };
}

/** Storefront "Latest updates": viewer-independent (cacheable) — lock = not public. */
/** How many posts the storefront's "Latest updates" lists. */
export const STOREFRONT_POSTS = 10;

/**
 * The storefront's "Latest updates" cards (its rows come from the storefront's one batch). Each
 * gated card names the offer that unlocks it (`names`, from the same batch). Rendered for no one
 * (`viewerId` null: the edge-cached page), every gated card is locked and the reader's unlocked ones
 * come from /viewer.json (`unlockedStorefrontPosts`, D70); rendered for a viewer, their access is
 * decided here (one extra D1 batch, only when a gated post is listed).
 */
export async function storefrontPostCards(
  env: Env,
  viewerId: string | null,
  rows: ListFields[],
  creator: CreatorRow,
  names: OfferNames,
): Promise<PostCard[]> {
  const access = viewerId && rows.some((p) => p.visibility !== "public") ? await loadAccess(env, viewerId, rows.map(gateOf)) : null;
  return rows.map((p) => presentCard(p, creator, access, names));
}

/** Which of these (storefront-listed) posts the viewer may read past the preview, by the entitlement module's decision. */
export function unlockedPostIds(access: ViewerAccess, rows: ListFields[]): string[] {
  return rows.filter((p) => p.visibility !== "public" && decide(access, gateOf(p)).allowed).map((p) => p.id);
}

/**
 * List cards (title, teaser, lock — never a body) with lock state for this viewer: one D1 batch
 * when a signed-in viewer meets gated posts, none for anonymous viewers (whose cards are the same
 * for everyone, so edge-cached pages may hold them).
 */
export async function postCards(env: Env, viewerId: string | null, rows: { post: ListFields; creator: CreatorRow }[]): Promise<PostCard[]> {
  const [access, names] = await Promise.all([
    loadAccess(
      env,
      viewerId,
      rows.map((r) => gateOf(r.post)),
    ),
    offerNamesFor(
      env,
      rows.map((r) => r.post),
    ),
  ]);
  return rows.map((r) => presentCard(r.post, r.creator, access, names));
}

/** Posts tied to an app, with lock state for this viewer. */
export async function appPosts(env: Env, viewerId: string | null, appId: string, limit = 10): Promise<PostCard[]> {
  return postCards(env, viewerId, await listPublishedPostsForApp(env, appId, limit));
}

// ── RSS ─────────────────────────────────────────────────────────────────────────────────────────

const xmlEsc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;

async function sha256(s: string) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Which user a private feed token belongs to (for that creator), or null. */
async function tokenOwner(env: Env, creatorId: string, token: string): Promise<string | null> {
  if (!/^[a-z0-9]{20,64}$/.test(token)) return null;
  const row = await getDb(env).query.rssTokens.findFirst({
    where: and(eq(rssTokens.tokenHash, await sha256(token)), eq(rssTokens.creatorId, creatorId)),
  });
  return row?.userId ?? null;
}

/**
 * `/@handle/feed.xml`: public posts in full; gated ones as title + teaser + free preview + a link.
 * With a valid private token (`?token=`), posts the token's owner may read are in full.
 */
export async function buildRss(env: Env, handle: string, token: string | null): Promise<{ xml: string; private: boolean }> {
  const creator = await findCreatorByHandle(env, handle);
  if (!creator) throw notFound("There's no creator with that handle.");
  const readerId = token ? await tokenOwner(env, creator.userId, token) : null;
  if (token && !readerId) throw forbidden("This private feed link has been revoked. Get a new one from your email settings on All Thrive.");
  const rows = await listPublishedPosts(env, creator.userId, 30);
  const [decideFor, names] = await Promise.all([decider(env, readerId, rows.map(gateOf)), offerNamesFor(env, rows.map(gateOf))]);
  const base = env.PUBLIC_URL.replace(/\/$/, "");
  const items = rows.map((p) => {
    const view = presentPost(p, creator, decideFor(gateOf(p)), names);
    const link = base + view.url;
    let html: string;
    if (view.bodyHtml) html = view.bodyHtml;
    else {
      const preview = view.previewHtml ?? (view.teaser ? `<p>${xmlEsc(view.teaser)}</p>` : "");
      html = `${preview}<p><strong>The rest of this post is for ${xmlEsc(lowerFirst(view.offer ?? view.visibilityLabel))}.</strong> <a href="${xmlEsc(link)}">Read it on All Thrive</a>.</p>`;
    }
    return `<item><title>${xmlEsc(p.title)}</title><link>${xmlEsc(link)}</link><guid isPermaLink="false">${xmlEsc(p.id)}</guid><pubDate>${new Date((p.publishedAt ?? p.createdAt) * 1000).toUTCString()}</pubDate><description>${xmlEsc(view.teaser)}</description><content:encoded>${cdata(html)}</content:encoded></item>`;
  });
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>${xmlEsc(creator.displayName)} on All Thrive</title><link>${base}/@${creator.handle}</link><description>${xmlEsc(`Updates, build logs and tutorials from ${creator.displayName}.`)}</description><atom:link href="${base}/@${creator.handle}/feed.xml" rel="self" type="application/rss+xml"/><language>en</language>
${items.join("\n")}
</channel></rss>`;
  return { xml, private: !!readerId };
}

/** Creates (or replaces) the viewer's private feed URL for a creator. The token is shown once. */
export async function createRssToken(env: Env, viewer: Viewer, handle: string) {
  const creator = await findCreatorByHandle(env, handle);
  if (!creator) throw notFound("There's no creator with that handle.");
  const token = newId(32);
  const db = getDb(env);
  await db.batch([
    db.delete(rssTokens).where(and(eq(rssTokens.userId, viewer.id), eq(rssTokens.creatorId, creator.userId))),
    db.insert(rssTokens).values({ tokenHash: await sha256(token), userId: viewer.id, creatorId: creator.userId, createdAt: nowSeconds() }),
  ]);
  return {
    url: publicUrl(env, `/@${creator.handle}/feed.xml?token=${token}`),
    handle: creator.handle,
    displayName: creator.displayName,
  };
}

export async function revokeRssToken(env: Env, viewer: Viewer, handle: string) {
  const creator = await findCreatorByHandle(env, handle);
  if (!creator) throw notFound("There's no creator with that handle.");
  await getDb(env)
    .delete(rssTokens)
    .where(and(eq(rssTokens.userId, viewer.id), eq(rssTokens.creatorId, creator.userId)));
}

export async function listRssTokens(env: Env, viewer: Viewer) {
  return getDb(env)
    .select({ handle: creators.handle, displayName: creators.displayName, createdAt: rssTokens.createdAt })
    .from(rssTokens)
    .innerJoin(creators, eq(creators.userId, rssTokens.creatorId))
    .where(eq(rssTokens.userId, viewer.id));
}
