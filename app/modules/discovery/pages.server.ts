import { parseOrThrow } from "~/lib/validation";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { batch, getDb, type Db } from "~/lib/db.server";
import { categoriesQuery } from "~/modules/apps/queries.server";
import { postCards } from "~/modules/posts/pages.server";
import { decider } from "~/modules/content/entitlements.server";
import {
  activeCreators,
  appCardsByIds,
  featuredApps,
  planDiscoverApps,
  planPostSearch,
  readerPostSearch,
  searchPosts,
  trendingApps,
} from "./queries.server";
import { DISCOVER_PARAMS, DiscoverParams, ftsQuery, type Tab } from "./validation";
import { livePromotions } from "~/modules/growth/promotions.server";
import { products } from "~/modules/products/schema";
import { presentProduct } from "~/modules/products/service.server";
import { creators } from "~/modules/storefronts/schema";

/** Post results per page on the Posts tab, and how many the Apps tab shows beside its results. */
export const POSTS_PAGE_SIZE = 20;
export const POSTS_ON_APPS_TAB = 3;

type AppsResult = NonNullable<Awaited<ReturnType<typeof planDiscoverApps>>["result"]>;

/** A batch slot that reads nothing (when the page has no statement for it). */
const noRows = (db: Db) => db.all<never>(sql`SELECT 1 WHERE 0`);

/** Matching posts as list cards (teasers only), lock state for this viewer. */
async function postResults(env: Env, viewerId: string | null, q: string, cursor: string, limit: number) {
  const r = viewerId ? await searchPostsForReader(env, viewerId, q, { limit, cursor }) : await searchPosts(env, q, { limit, cursor });
  return { items: await postCards(env, viewerId, r.rows), nextCursor: r.nextCursor, badCursor: r.badCursor };
}

/**
 * Post search for a signed-in reader (D72, D83): the public matches, plus the gated posts whose full
 * text matches AND which the entitlement module lets this reader read — every other gated match is
 * left out in SQL (and any the SQL let through would be dropped by `decide` here) before anything is
 * merged, ranked, paged or counted, so what a reader without access sees
 * (results, order, counts, "no results") is exactly the public search. A readable gated post is
 * ranked by its full-text score (its full text contains its public text).
 */
async function searchPostsForReader(env: Env, viewerId: string, q: string, opts: { limit: number; cursor?: string }) {
  const r = await readerPostSearch(env, viewerId, q, opts);
  if ("result" in r) return r.result!;
  const { publicHits, memberCandidates, finish } = r;
  let readable: { id: string; score: number }[] = [];
  if (memberCandidates.length) {
    const gates = memberCandidates.map((c) => ({
      creatorId: c.creatorId,
      visibility: c.visibility,
      tierIds: c.tierIds,
      productId: c.productId,
    }));
    const may = await decider(env, viewerId, gates);
    readable = memberCandidates.filter((_, i) => may(gates[i]).allowed).map((c) => ({ id: c.id, score: c.score }));
  }
  const readableIds = new Set(readable.map((h) => h.id));
  const merged = [...(publicHits as { id: string; score: number }[]).filter((h) => !readableIds.has(h.id)), ...readable].sort(
    (a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return finish(merged.slice(0, opts.limit + 1));
}

/**
 * Data for /discover. Without a query: one page of apps, the categories and (on a plain first
 * page) the featured row. With a query there are two tabs: Apps (as before, plus the best few
 * matching posts on its first page) and Posts (`in=posts`: post results, paged).
 */
export async function getDiscoverPage(env: Env, viewerId: string | null, searchParams: URLSearchParams) {
  // Absent and empty parameters alike are left out, so their defaults apply (a search sorts by best match).
  const raw: Record<string, string> = Object.fromEntries(
    DISCOVER_PARAMS.flatMap((k) => (searchParams.get(k) ? [[k, searchParams.get(k)!]] : [])),
  );
  const tab: Tab = raw.in === "posts" && ftsQuery(raw.q) ? "posts" : "apps";
  if (tab === "posts") {
    const p = parseOrThrow(DiscoverParams, raw);
    const apps: AppsResult = {
      query: { q: p.q, category: "", sort: "relevance", status: "" },
      category: null,
      unknownCategory: false,
      badCursor: false,
      items: [],
      nextCursor: null,
    };
    const posts = await postResults(env, viewerId, p.q, raw.cursor ?? "", POSTS_PAGE_SIZE);
    return { ...apps, tab, categories: [], featured: [], promoted: [] as PromotedCard[], posts };
  }
  // One D1 batch for the apps page, the categories and the best few matching posts' ids.
  const db = getDb(env);
  const appsPlan = await planDiscoverApps(env, raw);
  // Signed-in readers' few post matches come from their own search (D72), after the batch.
  const postsPlan = raw.q && !raw.cursor && !viewerId ? planPostSearch(env, raw.q, { limit: POSTS_ON_APPS_TAB }) : null;
  const [appRows, categories, postHits] = await batch(env, [
    appsPlan.statement ?? noRows(db),
    categoriesQuery(db),
    postsPlan?.statement ?? noRows(db),
  ]);
  const result = appsPlan.result ?? appsPlan.finish(appRows as Parameters<typeof appsPlan.finish>[0]);
  const postPage = postsPlan ? await (postsPlan.result ?? postsPlan.finish(postHits as { id: string; score: number }[])) : null;
  const posts = postPage
    ? { items: await postCards(env, viewerId, postPage.rows), nextCursor: postPage.nextCursor, badCursor: postPage.badCursor }
    : raw.q && !raw.cursor && viewerId && ftsQuery(raw.q)
      ? await postResults(env, viewerId, raw.q, "", POSTS_ON_APPS_TAB)
      : null;
  const plainFirstPage = !raw.q && !raw.cursor && !result.unknownCategory;
  const featured = plainFirstPage ? await featuredApps(env) : [];
  // A category's paid, labelled row (D104): its own query above the organic list, which it never changes.
  // The main page (no category) has its own placement, open to apps and products (D115).
  const promoted = plainFirstPage ? await promotedCards(env, result.category ? `discover:${result.category.slug}` : "discover") : [];
  return { ...result, tab, categories: categories.map((c) => ({ slug: c.slug, name: c.name })), featured, promoted, posts };
}

/** Data for the home page. */
export async function getHomeDiscovery(env: Env) {
  const [featured, trending, creators, promoted] = await Promise.all([
    featuredApps(env, 6),
    trendingApps(env, 6),
    activeCreators(env, 6),
    promotedCards(env, "home"),
  ]);
  return { featured, trending, activeCreators: creators, promoted };
}

export type PromotedProductCard = {
  id: string;
  title: string;
  typeLabel: string;
  excerpt: string;
  coverUrl: string | null;
  price: string;
  href: string;
  creatorName: string;
};
export type PromotedCard =
  | { promotionId: string; app: Awaited<ReturnType<typeof appCardsByIds>>[number]["card"] }
  | { promotionId: string; product: PromotedProductCard };

/** The running, approved promotions of a placement as app or product cards, each with its promotion id (for the counters). */
async function promotedCards(env: Env, placement: string): Promise<PromotedCard[]> {
  const live = await livePromotions(env, placement);
  const appIds = live.flatMap((p) => (p.appId ? [p.appId] : []));
  const productIds = live.flatMap((p) => (p.productId ? [p.productId] : []));
  const [appCards, productRows] = await Promise.all([
    appIds.length ? appCardsByIds(env, appIds) : [],
    productIds.length
      ? getDb(env)
          .select({ p: products, handle: creators.handle, name: creators.displayName })
          .from(products)
          .innerJoin(creators, eq(creators.userId, products.creatorId))
          // Only what anyone may see: published products of visible creators.
          .where(and(inArray(products.id, productIds), eq(products.status, "published"), isNull(creators.hiddenAt)))
      : [],
  ]);
  const apps = new Map(appCards.map((c) => [c.id, c.card]));
  const prods = new Map(
    productRows.map(({ p, handle, name }) => {
      const x = presentProduct(p, true);
      const card: PromotedProductCard = {
        id: x.id,
        title: x.title,
        typeLabel: x.typeLabel,
        excerpt: x.excerpt,
        coverUrl: x.coverUrl,
        price: x.price,
        href: `/@${handle}/products/${x.slug}`,
        creatorName: name,
      };
      return [p.id, card] as const;
    }),
  );
  return live.flatMap((p): PromotedCard[] => {
    if (p.appId && apps.has(p.appId)) return [{ promotionId: p.id, app: apps.get(p.appId)! }];
    if (p.productId && prods.has(p.productId)) return [{ promotionId: p.id, product: prods.get(p.productId)! }];
    return [];
  });
}
