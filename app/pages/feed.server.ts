/**
 * The feed page (`/feed`), above the domains it composes (decision 0056). Reading a user's feed: their stored items (fan-out on write) merged with the activities of the
 * big creators they follow (fan-out on read), newest first, keyset-paginated by
 * (published_at, activity_id). Posts are gated per reader by the entitlement module.
 */
import { and, desc, eq, inArray, isNull, lt, or, sql, type Placeholder, type SQL } from "drizzle-orm";
import { prepared, type Db } from "~/lib/db.server";
import { batchOrPrefetched, viewerIdBySession, type Prefetched, type SessionRide } from "~/modules/identity/auth.server";
import { accessFromFacts, accessQueries, decide as decideAccess, type Gate } from "~/modules/content/entitlements.server";
import { posts } from "~/modules/posts/schema";
import { gateOf, presentListPost, type OfferNames, type PostView } from "~/modules/posts/present.server";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";
import { legacyBody } from "~/modules/posts/queries.server";
import { creators } from "~/modules/storefronts/schema";
import { follows } from "~/modules/follows/schema";
import { activities, feedItems } from "~/modules/feed/schema";

export type FeedCursor = { t: number; id: string };

export function encodeCursor(c: FeedCursor): string {
  return btoa(`${c.t}:${c.id}`).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}
export function decodeCursor(s: string | null | undefined): FeedCursor | null {
  if (!s) return null;
  try {
    const raw = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    const i = raw.indexOf(":");
    const t = Number(raw.slice(0, i));
    const id = raw.slice(i + 1);
    return i > 0 && Number.isInteger(t) && /^[\w:-]{1,80}$/.test(id) ? { t, id } : null;
  } catch {
    return null;
  }
}

/**
 * What a feed card shows of a post, and no more: the page's data (serialised into the HTML and sent
 * again for client navigations) carries only these fields. `previewHtml` is set only when locked.
 */
export type FeedPost = Pick<
  PostView,
  "title" | "url" | "teaser" | "previewHtml" | "visibility" | "visibilityLabel" | "offer" | "locked"
> & {
  creator: { handle: string; displayName: string; avatarUrl: string | null };
};

export type FeedEntry =
  | { kind: "post"; activityId: string; publishedAt: number; post: FeedPost }
  | {
      kind: "app_new" | "app_status";
      activityId: string;
      publishedAt: number;
      title: string;
      summary: string;
      url: string;
      creator: { handle: string; displayName: string };
    };

/** "No cursor" as placeholder values: everything is before (2^53, ""). */
const NO_CURSOR = { t: Number.MAX_SAFE_INTEGER, id: "" };

/**
 * The feed's statements, prepared once per D1 binding (placeholders: `user`, and the cursor `t`,
 * `id`; the first page uses NO_CURSOR). The candidates come from two sources: the user's stored
 * items (pushed) and the activities of big creators they follow, merged at read time (pulled);
 * each yields at most `limit + 1`. The first statement reads every candidate's activity + creator
 * + post with its time (a stored item's `published_at` is copied from its activity, which never
 * changes it), the next three the reader's entitlement facts for exactly those creators and
 * products, the last two the names of the offers that unlock them (active tiers of those creators,
 * those products if published) for the lock badges' "Members of …" / "Buyers of …".
 */
function feedStatements(db: Db, limit: number, user: Placeholder | SQL) {
  const ct = sql.placeholder("t");
  const cid = sql.placeholder("id");
  const before = (
    t: typeof feedItems.publishedAt | typeof activities.publishedAt,
    id: typeof feedItems.activityId | typeof activities.id,
  ) => or(lt(t, ct), and(eq(t, ct), lt(id, cid)));
  const pushedWhere = and(eq(feedItems.userId, user), before(feedItems.publishedAt, feedItems.activityId));
  const pushedOrder = [desc(feedItems.publishedAt), desc(feedItems.activityId)];
  const pulledWhere = and(
    eq(activities.delivery, "pull"),
    inArray(activities.creatorId, db.select({ id: follows.creatorId }).from(follows).where(eq(follows.followerId, user))),
    before(activities.publishedAt, activities.id),
  );
  const pulledOrder = [desc(activities.publishedAt), desc(activities.id)];
  const pushedIds = db
    .select({ id: feedItems.activityId })
    .from(feedItems)
    .where(pushedWhere)
    .orderBy(...pushedOrder)
    .limit(limit + 1);
  const pulledIds = db
    .select({ id: activities.id })
    .from(activities)
    .where(pulledWhere)
    .orderBy(...pulledOrder)
    .limit(limit + 1);
  const isCandidate = or(inArray(activities.id, pushedIds), inArray(activities.id, pulledIds));
  const creatorsOnPage = db.select({ id: activities.creatorId }).from(activities).where(isCandidate);
  const productsOnPage = db
    .select({ id: posts.productId })
    .from(posts)
    .where(
      inArray(
        posts.id,
        db
          .select({ id: activities.subjectId })
          .from(activities)
          .where(and(isCandidate, eq(activities.kind, "post"))),
      ),
    );
  const [follows_, memberships_, purchases_] = accessQueries(db, user, creatorsOnPage, productsOnPage);
  return [
    db
      .select(feedRowColumns)
      .from(activities)
      .innerJoin(creators, eq(creators.userId, activities.creatorId))
      .leftJoin(posts, and(eq(activities.kind, "post"), eq(posts.id, activities.subjectId), eq(posts.status, "published")))
      .where(and(isCandidate, isNull(creators.hiddenAt)))
      .prepare(),
    follows_.prepare(),
    memberships_.prepare(),
    purchases_.prepare(),
    db
      .select({ id: tiers.id, name: tiers.name })
      .from(tiers)
      .where(and(inArray(tiers.creatorId, creatorsOnPage), eq(tiers.status, "active")))
      .prepare(),
    db
      .select({ id: products.id, name: products.title })
      .from(products)
      .where(and(inArray(products.id, productsOnPage), eq(products.status, "published")))
      .prepare(),
  ] as const;
}
/** Exported for the test that checks how many rows a feed page reads. */
export const feedQueries = (env: Env, limit: number) =>
  prepared(env, `feed:${limit}`, (db) => feedStatements(db, limit, sql.placeholder("user")));
/** The same statements naming the reader through their session, to ride along with its lookup. */
const feedRidingQueries = (env: Env, limit: number) =>
  prepared(env, `feed:${limit}:session`, (db) => feedStatements(db, limit, viewerIdBySession()));
const FEED_PAGE = 20;
const rideKey = (cursorParam: string | null) => `feed:${cursorParam ?? ""}`;

/**
 * For a signed-in request to `/feed` (the document or its `.data`): the page's batch, to run with
 * the session lookup so the feed is one D1 round trip (see `SessionRide`).
 */
export function feedRide(env: Env, url: URL): SessionRide | null {
  if (url.pathname !== "/feed" && url.pathname !== "/feed.data") return null;
  const cursorParam = url.searchParams.get("cursor");
  const cursor = decodeCursor(cursorParam) ?? NO_CURSOR;
  return { key: rideKey(cursorParam), queries: feedRidingQueries(env, FEED_PAGE), values: { t: cursor.t, id: cursor.id } };
}

export async function readFeed(
  env: Env,
  userId: string,
  cursorParam: string | null,
  limit = FEED_PAGE,
  prefetched: Prefetched | null = null,
): Promise<{ entries: FeedEntry[]; nextCursor: string | null }> {
  const cursor = decodeCursor(cursorParam) ?? NO_CURSOR;
  // ONE D1 round trip (usually the session's own, see `feedRide`). At most 2 × (limit + 1)
  // candidates are read; the page is the newest `limit`.
  const [candidates, follows_, memberships_, purchases_, tierNames, productNames] = await batchOrPrefetched(
    env,
    feedQueries(env, limit),
    { user: userId, t: cursor.t, id: cursor.id },
    prefetched,
    limit === FEED_PAGE ? rideKey(cursorParam) : null,
  );
  const sorted = candidates.sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const page = sorted.slice(0, limit);
  const nextCursor = sorted.length > limit ? encodeCursor({ t: page[page.length - 1].t, id: page[page.length - 1].id }) : null;
  if (!page.length) return { entries: [], nextCursor: null };

  const access = accessFromFacts(userId, [follows_, memberships_, purchases_] as Parameters<typeof accessFromFacts>[1]);
  const names: OfferNames = {
    tiers: new Map(tierNames.map((r) => [r.id, r.name])),
    products: new Map(productNames.map((r) => [r.id, r.name])),
  };
  const decide = (g: Gate) => decideAccess(access, g);

  const entries: FeedEntry[] = [];
  for (const row of page) {
    const creator = { userId: row.creatorId, handle: row.handle, displayName: row.displayName, avatarKey: row.avatarKey };
    if (row.kind === "post") {
      if (!row.postLive) continue;
      const post = {
        id: row.id,
        creatorId: row.creatorId,
        slug: row.postSlug!,
        title: row.title,
        excerpt: row.postExcerpt,
        teaser: row.postTeaser,
        previewMarkdown: row.postPreview,
        legacyBody: row.postLegacyBody,
        // Not read: the feed card shows no cover, app link or status (only published posts get here).
        coverKey: null,
        appId: null,
        status: "published" as const,
        visibility: row.postVisibility!,
        tierIds: row.postTierIds ?? [],
        productId: row.postProductId,
        publishedAt: row.t,
      };
      // Feed entries never carry the full body: the teaser, and for locked posts the free preview.
      const v = presentListPost(post, creator, decide(gateOf(post)), names);
      const view: FeedPost = {
        title: v.title,
        url: v.url,
        teaser: v.teaser,
        previewHtml: v.previewHtml,
        visibility: v.visibility,
        visibilityLabel: v.visibilityLabel,
        offer: v.offer,
        locked: v.locked,
        creator: { handle: v.creator.handle, displayName: v.creator.displayName, avatarUrl: v.creator.avatarUrl },
      };
      entries.push({ kind: "post", activityId: row.id, publishedAt: row.t, post: view });
    } else {
      entries.push({
        kind: row.kind,
        activityId: row.id,
        publishedAt: row.t,
        title: row.title,
        summary: row.summary ?? "",
        url: row.url ?? "",
        creator: { handle: row.handle, displayName: row.displayName },
      });
    }
  }
  return { entries, nextCursor };
}

/**
 * Columns of a feed row: only what a card needs, since every cell is carried, parsed and mapped on
 * each request (D31). Batched statements come back from D1 as objects keyed by column name, so
 * every name must be unique: the post's columns that clash with the activity's are aliased. A post's
 * activity has the post's id, so the post needs no id column of its own.
 */
const feedRowColumns = {
  id: activities.id,
  t: activities.publishedAt,
  kind: activities.kind,
  /** The post's title for posts (renamed since they were published), the activity's for apps. */
  title: sql<string>`coalesce(${posts.title}, ${activities.title})`.as("title"),
  /** App activities only: a post's card is built from the post. */
  summary: sql<string | null>`case when ${activities.kind} <> 'post' then ${activities.summary} end`.as("app_summary"),
  url: sql<string | null>`case when ${activities.kind} <> 'post' then ${activities.url} end`.as("app_url"),
  creatorId: activities.creatorId,
  handle: creators.handle,
  displayName: creators.displayName,
  avatarKey: creators.avatarKey,
  /** 1 when the post is there and published (an unpublished post's activity is on its way out). */
  postLive: sql<number>`${posts.id} is not null`.as("post_live"),
  postSlug: posts.slug,
  postTeaser: posts.teaser,
  /** Public posts are never locked, so their free preview is never shown. */
  postPreview: sql<string | null>`case when ${posts.visibility} <> 'public' then ${posts.previewMarkdown} end`.as("post_preview"),
  postLegacyBody: legacyBody().as("post_legacy_body"),
  /** Only rows from before the stored teaser need the excerpt (to derive the teaser from). */
  postExcerpt: sql<string | null>`case when ${posts.teaser} is null then ${posts.excerpt} end`.as("post_excerpt"),
  postVisibility: posts.visibility,
  postTierIds: sql<string[] | null>`${posts.tierIds}`.mapWith(posts.tierIds).as("post_tier_ids"),
  postProductId: posts.productId,
};
