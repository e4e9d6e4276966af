/**
 * The storefront page (`/@handle`): composes the creator, their apps, follower count, products,
 * tiers and posts from their domains into one D1 batch. Pages sit above the domains (decision 0056).
 */
import { and, eq, isNull, sql, type Placeholder, type SQL } from "drizzle-orm";
import { storefrontServices } from "~/modules/services/booking.server";
import { prepared, type Db } from "~/lib/db.server";
import { badRequest } from "~/lib/errors";
import {
  batchOrPrefetched,
  viewerIdBySession,
  type Prefetched,
  type SessionRide,
  type SessionViewer,
} from "~/modules/identity/auth.server";
import { creators } from "~/modules/storefronts/schema";
import { presentCreator } from "~/modules/storefronts/service.server";
import { creatorAppsQuery, presentAppCard } from "~/modules/apps/queries.server";
import { followerCountQuery, isFollowingQuery } from "~/modules/follows/queries.server";
import { payoutAccounts } from "~/modules/payments/schema";
import { presentProduct, publishedProductsQuery } from "~/modules/products/service.server";
import { creatorTiersQuery, presentTiersWithSeats } from "~/modules/tiers/service.server";
import { STOREFRONT_POSTS, storefrontPostCards, unlockedPostIds } from "~/modules/posts/pages.server";
import { accessFromFacts, accessQueries } from "~/modules/content/entitlements.server";
import { products } from "~/modules/products/schema";
import { publishedPostListQuery } from "~/modules/posts/queries.server";
import { affiliatePrograms } from "~/modules/affiliates/schema";

/**
 * The storefront's statements: the creator is found by the `handle` placeholder through a
 * subquery, so no statement waits for another; `viewer` is the signed-in user (for their drafts and
 * follow state): a `viewer` placeholder holding their id or "" (no one), or the session subquery
 * when the statements ride along with the session lookup.
 */
/** The creator's id, found by the `handle` placeholder inside the statement (no extra round trip). */
const creatorIdByHandle = () => sql`(SELECT ${creators.userId} FROM ${creators} WHERE ${creators.handle} = ${sql.placeholder("handle")})`;

function storefrontStatements(db: Db, viewer: Placeholder | SQL) {
  const creatorId = creatorIdByHandle();
  return [
    db
      .select()
      .from(creators)
      .where(and(eq(creators.handle, sql.placeholder("handle")), isNull(creators.hiddenAt)))
      .limit(1)
      .prepare(),
    creatorAppsQuery(db, creatorId, viewer).prepare(),
    followerCountQuery(db, creatorId).prepare(),
    isFollowingQuery(db, creatorId, viewer).prepare(),
    publishedProductsQuery(db, creatorId).prepare(),
    creatorTiersQuery(db, creatorId).prepare(),
    db
      .select({ chargesEnabled: payoutAccounts.chargesEnabled })
      .from(payoutAccounts)
      .where(eq(payoutAccounts.creatorId, creatorId))
      .limit(1)
      .prepare(),
    publishedPostListQuery(db, creatorId, STOREFRONT_POSTS).prepare(),
    // An active affiliate program: the page invites visitors to share (the same for everyone).
    db
      .select({ percent: affiliatePrograms.commissionPercent })
      .from(affiliatePrograms)
      .where(and(eq(affiliatePrograms.creatorId, creatorId), eq(affiliatePrograms.status, "active")))
      .limit(1)
      .prepare(),
  ] as const;
}
/** Prepared once per D1 binding, in both forms. */
const storefrontQueries = (env: Env) => prepared(env, "storefront", (db) => storefrontStatements(db, sql.placeholder("viewer")));
const storefrontRidingQueries = (env: Env) => prepared(env, "storefront:session", (db) => storefrontStatements(db, viewerIdBySession()));
const rideKey = (handle: string) => `storefront:${handle.toLowerCase()}`;

/**
 * For a signed-in request to `/@handle` (the document or its `.data`): the storefront's batch,
 * to run together with the session lookup, so the whole page is one D1 round trip.
 */
export function storefrontRide(env: Env, url: URL): SessionRide | null {
  const m = /^\/@([^/.]+)(?:\.data)?$/.exec(url.pathname);
  if (!m) return null;
  let handle: string;
  try {
    handle = decodeURIComponent(m[1]);
  } catch {
    return null;
  }
  return { key: rideKey(handle), queries: storefrontRidingQueries(env), values: { handle: handle.toLowerCase() } };
}

/**
 * Everything `/@handle` shows in ONE D1 round trip: a single batch whose queries find the creator
 * by handle through a subquery, so the sections don't wait for the creator row. For a signed-in
 * viewer that batch usually already ran together with their session lookup (`prefetched`, see
 * `storefrontRide`). Later offerings (products, tiers, services, posts) add their queries to that
 * batch. Capped tiers then ask their seat Durable Objects (not D1) for seats left.
 */
export async function getStorefront(env: Env, handle: string, viewer: { id: string } | null = null, prefetched: Prefetched | null = null) {
  const [creatorRows, appRows, followers, viewerFollow, productRows, tierRows, payout, postRows, program] = await batchOrPrefetched(
    env,
    storefrontQueries(env),
    { handle: handle.toLowerCase(), viewer: viewer?.id ?? "" },
    prefetched,
    viewer ? rideKey(handle) : null,
  );
  const creator = creatorRows[0];
  if (!creator) return null;
  const sellable = !!payout[0]?.chargesEnabled;
  const names = {
    tiers: new Map(tierRows.map((t) => [t.id, t.name])),
    products: new Map(productRows.map((p) => [p.id, p.title])),
  };
  return {
    creator: presentCreator(creator),
    followerCount: followers[0]?.n ?? 0,
    viewerFollows: viewerFollow.length > 0,
    apps: appRows.map(presentAppCard),
    products: productRows.map((p) => presentProduct(p, sellable)),
    tiers: await presentTiersWithSeats(env, tierRows, sellable),
    services: await storefrontServices(env, creator.userId, sellable),
    posts: await storefrontPostCards(env, viewer?.id ?? null, postRows, creator, names),
    affiliateInvite: program[0] ? { percent: program[0].percent, href: `/@${creator.handle}/affiliates` } : null,
  };
}

/**
 * The per-viewer parts of a storefront served from the shared cache (decision 55): whether the
 * viewer follows the creator (with the current follower count), and whether it is their own
 * storefront. Two statements, which ride along with the session lookup (`storefrontViewerRide`),
 * so `/viewer.json` is one D1 round trip.
 */
function viewerStateStatements(db: Db, viewer: Placeholder | SQL) {
  // The storefront's listed posts and the viewer's facts about this creator (follows, live
  // memberships, purchases of the creator's products), so the entitlement module decides which of
  // the shared page's locked cards this viewer may read (D70) — in the same one round trip.
  const [follows_, memberships_, purchases_] = accessQueries(
    db,
    viewer,
    creatorIdByHandle(),
    db.select({ id: products.id }).from(products).where(eq(products.creatorId, creatorIdByHandle())),
  );
  return [
    isFollowingQuery(db, creatorIdByHandle(), viewer).prepare(),
    followerCountQuery(db, creatorIdByHandle()).prepare(),
    publishedPostListQuery(db, creatorIdByHandle(), STOREFRONT_POSTS).prepare(),
    follows_.prepare(),
    memberships_.prepare(),
    purchases_.prepare(),
  ] as const;
}
const viewerStateQueries = (env: Env) => prepared(env, "storefront:viewer", (db) => viewerStateStatements(db, sql.placeholder("viewer")));
const viewerStateRidingQueries = (env: Env) =>
  prepared(env, "storefront:viewer:session", (db) => viewerStateStatements(db, viewerIdBySession()));
const viewerStateKey = (handle: string) => `storefront-viewer:${handle}`;
export const STOREFRONT_HANDLE = /^[a-z0-9-]{1,30}$/i;

/** For `GET /viewer.json?storefront=handle`: the follow state, in the session lookup's batch. */
export function storefrontViewerRide(env: Env, url: URL): SessionRide | null {
  if (url.pathname !== "/viewer.json") return null;
  const handle = url.searchParams.get("storefront");
  if (!handle || !STOREFRONT_HANDLE.test(handle)) return null;
  return { key: viewerStateKey(handle.toLowerCase()), queries: viewerStateRidingQueries(env), values: { handle: handle.toLowerCase() } };
}

export async function storefrontViewerState(
  env: Env,
  handle: string,
  viewer: { id: string; handle: string | null },
  prefetched: Prefetched | null = null,
) {
  const h = handle.toLowerCase();
  const [following, followers, postRows, ...facts] = await batchOrPrefetched(
    env,
    viewerStateQueries(env),
    { handle: h, viewer: viewer.id },
    prefetched,
    viewerStateKey(h),
  );
  // The follower count comes fresh with the follow state: the shared page's count may be a few
  // seconds old, and a person who just unfollowed must not still be counted on their own screen.
  const access = accessFromFacts(viewer.id, facts as Parameters<typeof accessFromFacts>[1]);
  return {
    handle: h,
    following: following.length > 0,
    followerCount: followers[0]?.n ?? 0,
    isOwner: viewer.handle?.toLowerCase() === h,
    /** The listed gated posts this viewer may read: their cards show "Unlocked" instead of the lock. */
    unlocked: unlockedPostIds(access, postRows),
  };
}

/**
 * `GET /viewer.json[?storefront=handle]` (served by the Worker itself, without Remix: it is on
 * every shared page view): the viewer-specific parts of a page served from the shared edge cache
 * (decision 55) — the header's account menu and unread count and, on a storefront, the follow
 * state and owner flag. The Worker sends it `private, no-store`: it names the person asking.
 */
export async function viewerJson(env: Env, url: URL, viewer: SessionViewer | null, prefetched: Prefetched | null) {
  const handle = url.searchParams.get("storefront");
  if (handle !== null && !STOREFRONT_HANDLE.test(handle))
    throw badRequest("That isn't a creator's handle: use letters, digits and dashes (at most 30).");
  return {
    viewer: viewer
      ? { email: viewer.email, isAdmin: viewer.isAdmin, handle: viewer.handle, unread: viewer.unread, emailVerified: viewer.emailVerified }
      : null,
    storefront: viewer && handle ? await storefrontViewerState(env, handle, viewer, prefetched) : null,
  };
}
