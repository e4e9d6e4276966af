import { and, desc, eq, isNotNull, max, sql, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor } from "~/lib/cursor";
import { getDb } from "~/lib/db.server";
import { mediaUrl } from "~/modules/media/service.server";
import { apps } from "~/modules/apps/schema";
import { cardColumns, findCategory, presentAppCard, type AppCardRow } from "~/modules/apps/queries.server";
import { creatorStats } from "~/modules/follows/schema";
import { creators } from "~/modules/storefronts/schema";
import { posts } from "~/modules/posts/schema";
import { parseOrThrow } from "~/lib/validation";
import { DiscoverParams, ftsQuery, type Sort } from "./validation";

export const DISCOVER_PAGE_SIZE = 24;

type Cursor = { s: Sort; v: number; id: string };
const isCursor = (x: unknown): x is Cursor =>
  !!x && typeof x === "object" && typeof (x as Cursor).s === "string" && typeof (x as Cursor).v === "number" && typeof (x as Cursor).id === "string";

/** Column weights for bm25 over (name, tagline, description, tech stack): a name hit counts most. */
const BM25 = sql.raw("bm25(apps_fts, 10.0, 5.0, 1.0, 3.0)");

/**
 * One page of /discover: category, status, full-text search (FTS5) and four orders, with a stable
 * keyset cursor (the sort key + id of the last item). Bad input never throws: an unknown category
 * or an unreadable cursor is reported so the page can say so kindly.
 */
export async function discoverApps(env: Env, rawParams: Record<string, string>) {
  const p = parseOrThrow(DiscoverParams, rawParams);
  const match = ftsQuery(p.q);
  const sort: Sort = p.sort === "relevance" && !match ? "trending" : (p.sort ?? (match ? "relevance" : "trending"));
  const category = p.category ? await findCategory(env, p.category) : null;
  const base = { query: { q: p.q, category: p.category, sort, status: p.status }, category };
  if (p.category && !category) return { ...base, unknownCategory: true, badCursor: false, items: [], nextCursor: null };
  const cursor = decodeCursor(p.cursor, isCursor);
  const badCursor = !!p.cursor && (!cursor || cursor.s !== sort);
  if (badCursor) return { ...base, unknownCategory: false, badCursor, items: [], nextCursor: null };

  const sortKey: SQL = {
    trending: sql`${apps.trendingScore}`,
    new: sql`COALESCE(${apps.publishedAt}, 0)`,
    followed: sql`COALESCE(${creatorStats.followerCount}, 0)`,
    relevance: sql`hits.score`,
  }[sort];
  const asc = sort === "relevance";
  const where: SQL[] = [sql`${apps.published} = 1`];
  if (category) where.push(sql`${apps.categorySlug} = ${category.slug}`);
  if (p.status) where.push(sql`${apps.status} = ${p.status}`);
  if (cursor) where.push(asc ? sql`(${sortKey} > ${cursor.v} OR (${sortKey} = ${cursor.v} AND ${apps.id} > ${cursor.id}))` : sql`(${sortKey} < ${cursor.v} OR (${sortKey} = ${cursor.v} AND ${apps.id} < ${cursor.id}))`);
  const hits = match ? sql`(SELECT rowid AS rid, ${BM25} AS score FROM apps_fts WHERE apps_fts MATCH ${match}) AS hits JOIN ${apps} ON ${apps}.rowid = hits.rid` : sql`${apps}`;
  const order = asc ? sql`${sortKey} ASC, ${apps.id} ASC` : sql`${sortKey} DESC, ${apps.id} DESC`;
  const rows = await getDb(env).all<AppCardRow & { sortValue: number; techStackJson: string }>(sql`
    SELECT ${apps.id} AS id, ${apps.slug} AS slug, ${apps.name} AS name, ${apps.tagline} AS tagline, ${apps.logoKey} AS logoKey,
      ${apps.categorySlug} AS categorySlug, ${apps.status} AS status, ${apps.techStack} AS techStackJson, ${apps.featured} AS featured,
      ${apps.published} AS published, ${creators.handle} AS creatorHandle, ${creators.displayName} AS creatorName, ${sortKey} AS sortValue
    FROM ${hits}
    JOIN ${creators} ON ${creators.userId} = ${apps.creatorId}
    LEFT JOIN ${creatorStats} ON ${creatorStats.creatorId} = ${apps.creatorId}
    WHERE ${sql.join(where, sql` AND `)}
    ORDER BY ${order}
    LIMIT ${DISCOVER_PAGE_SIZE + 1}`);
  const more = rows.length > DISCOVER_PAGE_SIZE;
  const page = more ? rows.slice(0, DISCOVER_PAGE_SIZE) : rows;
  const last = page[page.length - 1];
  return {
    ...base,
    unknownCategory: false,
    badCursor: false,
    items: page.map((r) => presentAppCard({ ...r, techStack: JSON.parse(r.techStackJson || "[]"), featured: !!r.featured, published: !!r.published })),
    nextCursor: more ? encodeCursor({ s: sort, v: last.sortValue, id: last.id } satisfies Cursor) : null,
  };
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
  const match = ftsQuery(q);
  const cursor = decodeCursor(opts.cursor, isPostCursor);
  const badCursor = !!opts.cursor && !cursor;
  if (!match || badCursor) return { rows: [], nextCursor: null, badCursor };
  const score = sql<number>`hits.score`;
  const where: SQL[] = [sql`${posts.status} = 'published'`];
  if (cursor) where.push(sql`(${score} > ${cursor.v} OR (${score} = ${cursor.v} AND ${posts.id} > ${cursor.id}))`);
  const rows = await getDb(env)
    .select({ post: posts, creator: creators, score })
    .from(sql`(SELECT rowid AS rid, ${POSTS_BM25} AS score FROM posts_fts WHERE posts_fts MATCH ${match}) AS hits`)
    .innerJoin(posts, sql`${posts}.rowid = hits.rid`)
    .innerJoin(creators, eq(creators.userId, posts.creatorId))
    .where(and(...where))
    .orderBy(sql`${score} ASC`, sql`${posts.id} ASC`)
    .limit(opts.limit + 1);
  const more = rows.length > opts.limit;
  const page = more ? rows.slice(0, opts.limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more ? encodeCursor({ s: "posts", v: last.score, id: last.post.id } satisfies PostCursor) : null, badCursor };
}

const published = eq(apps.published, true);

export async function featuredApps(env: Env, limit = 8) {
  const db = getDb(env);
  const rows = await db
    .select(cardColumns)
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(and(published, eq(apps.featured, true)))
    .orderBy(desc(apps.trendingScore), desc(apps.id))
    .limit(limit);
  return rows.map(presentAppCard);
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
  return rows.map((r) => ({ handle: r.handle, displayName: r.displayName, avatarUrl: mediaUrl(r.avatarKey), followers: r.followers, appCount: r.appCount }));
}
