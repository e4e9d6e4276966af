import { and, asc, desc, eq, inArray, isNotNull, isNull, max, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { decodeCursor, encodeCursor } from "~/lib/cursor";
import { getDb } from "~/lib/db.server";
import { readableGatedPost } from "~/modules/content/entitlements.server";
import { mediaUrl } from "~/modules/media/service.server";
import { apps } from "~/modules/apps/schema";
import { cardColumns, findCategory, presentAppCard, type AppCardRow } from "~/modules/apps/queries.server";
import { creatorStats } from "~/modules/follows/schema";
import { creators } from "~/modules/storefronts/schema";
import { appUpvotesSql, appUpvotesThisWeekSql } from "~/modules/standing/queries.server";
import { posts } from "~/modules/posts/schema";
import { postListColumns, type CreatorRow } from "~/modules/posts/queries.server";
import type { ListFields } from "~/modules/posts/present.server";
import { parseOrThrow } from "~/lib/validation";
import { DiscoverParams, ftsQuery, type Sort } from "./validation";

export const DISCOVER_PAGE_SIZE = 24;

type Cursor = { s: Sort; v: number; id: string };
const isCursor = (x: unknown): x is Cursor =>
  !!x &&
  typeof x === "object" &&
  typeof (x as Cursor).s === "string" &&
  typeof (x as Cursor).v === "number" &&
  typeof (x as Cursor).id === "string";

/** Column weights for bm25 over (name, tagline, description, tech stack, category name): a name hit counts most. */
const BM25 = sql.raw("bm25(apps_fts, 10.0, 5.0, 1.0, 3.0, 2.0)");

/**
 * One page of /discover: category, status, full-text search (FTS5) and four orders, with a stable
 * keyset cursor (the sort key + id of the last item). Bad input never throws: an unknown category
 * or an unreadable cursor is reported so the page can say so kindly.
 */
export async function discoverApps(env: Env, rawParams: Record<string, string>) {
  const plan = await planDiscoverApps(env, rawParams);
  return plan.result ?? plan.finish(await plan.statement);
}

/** Either the answer already, or a batchable statement and how to turn its rows into the answer. */
export type Plan<R, Row> =
  | { result: R; statement?: undefined; finish?: undefined }
  | { result?: undefined; statement: BatchItem<"sqlite"> & PromiseLike<Row[]>; finish(rows: Row[]): R };
type AppRow = AppCardRow & { sortValue: number; techStackJson: string };
type AppsPage = {
  query: { q: string; category: string; sort: Sort; status: string };
  category: { slug: string; name: string } | null;
  unknownCategory: boolean;
  badCursor: boolean;
  items: ReturnType<typeof presentAppCard>[];
  nextCursor: string | null;
};
type PostHits = { rows: { post: ListFields; creator: CreatorRow; score: number }[]; nextCursor: string | null; badCursor: boolean };

/**
 * `discoverApps` in two steps, so /discover can send its statement in one D1 batch with the
 * page's other reads: either the answer already (unknown category, bad cursor), or the statement
 * and how to turn its rows into the page.
 */
export async function planDiscoverApps(env: Env, rawParams: Record<string, string>): Promise<Plan<AppsPage, AppRow>> {
  const p = parseOrThrow(DiscoverParams, rawParams);
  const match = ftsQuery(p.q);
  const sort: Sort = p.sort === "relevance" && !match ? "trending" : (p.sort ?? (match ? "relevance" : "trending"));
  const category = p.category ? await findCategory(env, p.category) : null;
  const base = { query: { q: p.q, category: p.category, sort, status: p.status }, category };
  const empty = {
    ...base,
    unknownCategory: false,
    badCursor: false,
    items: [] as ReturnType<typeof presentAppCard>[],
    nextCursor: null as string | null,
  };
  if (p.category && !category) return { result: { ...empty, unknownCategory: true } };
  const cursor = decodeCursor(p.cursor, isCursor);
  const badCursor = !!p.cursor && (!cursor || cursor.s !== sort);
  if (badCursor) return { result: { ...empty, badCursor } };

  const sortKey: SQL = {
    trending: sql`${apps.trendingScore}`,
    new: sql`COALESCE(${apps.publishedAt}, 0)`,
    followed: sql`COALESCE(${creatorStats.followerCount}, 0)`,
    // "Most upvoted this week" (decisions 76, 119): the same figure the cards show on this sort.
    upvoted: appUpvotesThisWeekSql(),
    relevance: sql`hits.score`,
  }[sort];
  const asc = sort === "relevance";
  const where: SQL[] = [sql`${apps.published} = 1`, sql`${creators.hiddenAt} IS NULL`];
  if (category) where.push(sql`${apps.categorySlug} = ${category.slug}`);
  if (p.status) where.push(sql`${apps.status} = ${p.status}`);
  if (cursor)
    where.push(
      asc
        ? sql`(${sortKey} > ${cursor.v} OR (${sortKey} = ${cursor.v} AND ${apps.id} > ${cursor.id}))`
        : sql`(${sortKey} < ${cursor.v} OR (${sortKey} = ${cursor.v} AND ${apps.id} < ${cursor.id}))`,
    );
  const hits = match
    ? sql`(SELECT rowid AS rid, ${BM25} AS score FROM apps_fts WHERE apps_fts MATCH ${match}) AS hits JOIN ${apps} ON ${apps}.rowid = hits.rid`
    : sql`${apps}`;
  const order = asc ? sql`${sortKey} ASC, ${apps.id} ASC` : sql`${sortKey} DESC, ${apps.id} DESC`;
  const statement = getDb(env).all<AppCardRow & { sortValue: number; techStackJson: string }>(sql`
    SELECT ${apps.id} AS id, ${apps.slug} AS slug, ${apps.name} AS name, ${apps.tagline} AS tagline, ${apps.logoKey} AS logoKey,
      ${apps.categorySlug} AS categorySlug, ${apps.status} AS status, ${apps.techStack} AS techStackJson, ${apps.featured} AS featured,
      ${apps.published} AS published, ${creators.handle} AS creatorHandle, ${creators.displayName} AS creatorName, ${sortKey} AS sortValue,
      ${appUpvotesSql()} AS upvotes
    FROM ${hits}
    JOIN ${creators} ON ${creators.userId} = ${apps.creatorId}
    LEFT JOIN ${creatorStats} ON ${creatorStats.creatorId} = ${apps.creatorId}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${order}
    LIMIT ${DISCOVER_PAGE_SIZE + 1}`);
  const finish = (rows: (AppCardRow & { sortValue: number; techStackJson: string })[]) => {
    const more = rows.length > DISCOVER_PAGE_SIZE;
    const page = more ? rows.slice(0, DISCOVER_PAGE_SIZE) : rows;
    const last = page[page.length - 1];
    return {
      ...empty,
      items: page.map((r) =>
        presentAppCard({
          ...r,
          techStack: JSON.parse(r.techStackJson || "[]"),
          featured: !!r.featured,
          published: !!r.published,
          ...(sort === "upvoted" ? { upvotesThisWeek: r.sortValue } : {}),
        }),
      ),
      nextCursor: more ? encodeCursor({ s: sort, v: last.sortValue, id: last.id } satisfies Cursor) : null,
    };
  };
  return { statement, finish };
}

type PostCursor = { s: "posts"; v: number; id: string };
const isPostCursor = (x: unknown): x is PostCursor => isCursor(x) && (x as Cursor | PostCursor).s === "posts";

/** Column weights for bm25 over posts_fts (title, excerpt, public body/preview). */
const POSTS_BM25 = sql.raw("bm25(posts_fts, 10.0, 4.0, 1.0)");

/**
 * Published posts whose PUBLIC text (posts_fts: title, excerpt, public body or free preview —
 * never what follows a paywall marker) matches `q`, best match first, with a keyset cursor. Rows
 * carry the post and its creator for the posts module's presenters.
 */
export async function searchPosts(env: Env, q: string, opts: { limit: number; cursor?: string }) {
  const plan = planPostSearch(env, q, opts);
  return plan.result ?? plan.finish(await plan.statement);
}

/**
 * `searchPosts` in two steps, like `planDiscoverApps`: the statement finds the matching post ids
 * and scores (batchable: one column per name); `finish` loads those posts with their creators —
 * a second read only when something matched.
 */
export function planPostSearch(
  env: Env,
  q: string,
  opts: { limit: number; cursor?: string },
): Plan<Promise<PostHits>, { id: string; score: number }> {
  const match = ftsQuery(q);
  const cursor = decodeCursor(opts.cursor, isPostCursor);
  const badCursor = !!opts.cursor && !cursor;
  if (!match || badCursor) return { result: Promise.resolve({ rows: [], nextCursor: null, badCursor }) };
  const score = sql<number>`hits.score`;
  const where: SQL[] = [sql`${posts.status} = 'published'`];
  if (cursor) where.push(sql`(${score} > ${cursor.v} OR (${score} = ${cursor.v} AND ${posts.id} > ${cursor.id}))`);
  const db = getDb(env);
  const statement = db
    .select({ id: posts.id, score })
    .from(sql`(SELECT rowid AS rid, ${POSTS_BM25} AS score FROM posts_fts WHERE posts_fts MATCH ${match}) AS hits`)
    .innerJoin(posts, sql`${posts}.rowid = hits.rid`)
    .where(and(...where))
    .orderBy(sql`${score} ASC`, sql`${posts.id} ASC`)
    .limit(opts.limit + 1);
  const finish = async (hits: { id: string; score: number }[]) => {
    const more = hits.length > opts.limit;
    const page = more ? hits.slice(0, opts.limit) : hits;
    if (!page.length) return { rows: [], nextCursor: null, badCursor };
    const found = await db
      .select({ post: postListColumns, creator: creators })
      .from(posts)
      .innerJoin(creators, eq(creators.userId, posts.creatorId))
      .where(
        and(
          inArray(
            posts.id,
            page.map((h) => h.id),
          ),
          isNull(creators.hiddenAt),
        ),
      );
    const byId = new Map(found.map((r) => [r.post.id, r]));
    const rows = page.flatMap((h) => {
      const r = byId.get(h.id);
      return r ? [{ ...r, score: h.score }] : [];
    });
    const last = page[page.length - 1];
    return { rows, nextCursor: more ? encodeCursor({ s: "posts", v: last.score, id: last.id } satisfies PostCursor) : null, badCursor };
  };
  return { statement, finish };
}

const MEMBER_BM25 = sql.raw("bm25(posts_member_fts, 10.0, 4.0, 1.0)");

/**
 * A signed-in reader's post search, step one (D72, D83): in one D1 batch, the public hits (as
 * `planPostSearch`) and the gated published posts whose FULL text (posts_member_fts) matches AND
 * which this reader may read (`readableGatedPost`, the entitlement module's rules in SQL), best
 * first, one page's worth after the cursor — so no unreadable post is ever ranked, paged or
 * counted, however many of them match. The caller still passes each through `decide`, merges,
 * and `finish` loads the page it chose.
 */
export async function readerPostSearch(env: Env, viewerId: string, q: string, opts: { limit: number; cursor?: string }) {
  const plan = planPostSearch(env, q, opts);
  if (plan.result) return { result: await plan.result };
  const cursor = decodeCursor(opts.cursor, isPostCursor);
  const score = sql<number>`hits.score`;
  const where: SQL[] = [
    sql`${posts.status} = 'published'`,
    sql`${posts.visibility} <> 'public'`,
    readableGatedPost(viewerId, {
      creatorId: posts.creatorId,
      visibility: posts.visibility,
      tierIds: posts.tierIds,
      productId: posts.productId,
    }),
  ];
  if (cursor) where.push(sql`(${score} > ${cursor.v} OR (${score} = ${cursor.v} AND ${posts.id} > ${cursor.id}))`);
  const db = getDb(env);
  const member = db
    .select({
      id: posts.id,
      score,
      creatorId: posts.creatorId,
      visibility: posts.visibility,
      tierIds: posts.tierIds,
      productId: posts.productId,
    })
    .from(sql`(SELECT rowid AS rid, ${MEMBER_BM25} AS score FROM posts_member_fts WHERE posts_member_fts MATCH ${ftsQuery(q)}) AS hits`)
    .innerJoin(posts, sql`${posts}.rowid = hits.rid`)
    .where(and(...where))
    .orderBy(sql`${score} ASC`, sql`${posts.id} ASC`)
    .limit(opts.limit + 1);
  const [publicHits, memberCandidates] = await db.batch([plan.statement, member]);
  return { publicHits, memberCandidates, finish: plan.finish };
}

/** Published apps of creators whose storefront is not hidden (suspended or deleted, decision 67). */
const published = and(eq(apps.published, true), isNull(creators.hiddenAt));

export async function featuredApps(env: Env, limit = 8) {
  const db = getDb(env);
  const rows = await db
    .select(cardColumns)
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(and(published, eq(apps.featured, true)))
    .orderBy(sql`${apps.featuredRank} IS NULL`, asc(apps.featuredRank), desc(apps.trendingScore), desc(apps.id))
    .limit(limit);
  return rows.map(presentAppCard);
}

/** Cards of these published apps (of visible creators), in the order given (the promoted row; D104). */
export async function appCardsByIds(env: Env, ids: string[]) {
  if (!ids.length) return [];
  const rows = await getDb(env)
    .select(cardColumns)
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(and(published, inArray(apps.id, ids)));
  const byId = new Map(rows.map((r) => [r.id, presentAppCard(r)]));
  return ids.flatMap((id) => (byId.has(id) ? [{ id, card: byId.get(id)! }] : []));
}

export async function trendingApps(env: Env, limit = 6) {
  const rows = await getDb(env)
    .select(cardColumns)
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(published)
    .orderBy(desc(apps.trendingScore), desc(apps.id))
    .limit(limit);
  return rows.map(presentAppCard);
}

/** Creators who most recently shipped or updated a published app. */
export async function activeCreators(env: Env, limit = 6) {
  const rows = await getDb(env)
    .select({
      handle: creators.handle,
      displayName: creators.displayName,
      avatarKey: creators.avatarKey,
      followers: sql<number>`COALESCE(${creatorStats.followerCount}, 0)`,
      appCount: sql<number>`count(${apps.id})`,
      lastActive: max(apps.updatedAt),
    })
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .leftJoin(creatorStats, eq(creatorStats.creatorId, creators.userId))
    .where(and(published, isNotNull(apps.updatedAt)))
    .groupBy(creators.userId)
    .orderBy(desc(max(apps.updatedAt)))
    .limit(limit);
  return rows.map((r) => ({
    handle: r.handle,
    displayName: r.displayName,
    avatarUrl: mediaUrl(r.avatarKey),
    followers: r.followers,
    appCount: r.appCount,
  }));
}
