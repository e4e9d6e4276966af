import { and, desc, eq, getTableColumns, inArray, isNull, lte, sql, type SQL } from "drizzle-orm";
import { getDb, type Db } from "~/lib/db.server";
import { creators } from "~/modules/storefronts/schema";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";
import { posts } from "./schema";

export type PostRow = typeof posts.$inferSelect;
export type CreatorRow = typeof creators.$inferSelect;

/**
 * The body, only for rows written before the list fields (teaser, preview) existed, so lists can
 * derive those on read; null for every other row.
 */
export const legacyBody = () => sql<string | null>`CASE WHEN ${posts.teaser} IS NULL THEN ${posts.bodyMarkdown} END`;

/** The columns lists select: every post column but the body (see `legacyBody`). */
export const postListColumns = (() => {
  const { bodyMarkdown: _body, ...rest } = getTableColumns(posts);
  return { ...rest, legacyBody: legacyBody().as("legacy_body") };
})();

export async function findPostById(env: Env, id: string) {
  return getDb(env).query.posts.findFirst({ where: eq(posts.id, id) });
}

/** A post and its creator by `/@handle/posts/:slug`. */
export async function findPostByHandleAndSlug(env: Env, handle: string, slug: string) {
  const rows = await getDb(env)
    .select({ post: posts, creator: creators })
    .from(posts)
    .innerJoin(creators, eq(creators.userId, posts.creatorId))
    .where(and(eq(creators.handle, handle.toLowerCase()), eq(posts.slug, slug.toLowerCase()), isNull(creators.hiddenAt)))
    .limit(1);
  return rows[0] ?? null;
}

export async function findPostBySlug(env: Env, creatorId: string, slug: string) {
  return getDb(env).query.posts.findFirst({ where: and(eq(posts.creatorId, creatorId), eq(posts.slug, slug)) });
}

const publishedBy = (creatorId: string | SQL) => and(eq(posts.creatorId, creatorId), eq(posts.status, "published"));
const newestFirst = [desc(posts.publishedAt), desc(posts.id)];

/** Published posts of a creator, newest first, whole rows (RSS renders their bodies). */
export async function listPublishedPosts(env: Env, creatorId: string, limit = 20) {
  return getDb(env)
    .select()
    .from(posts)
    .where(publishedBy(creatorId))
    .orderBy(...newestFirst)
    .limit(limit);
}

/** Batchable (the creator may be a subquery): the same as list rows (no body), for the storefront. */
export function publishedPostListQuery(db: Db, creatorId: string | SQL, limit: number) {
  return db
    .select(postListColumns)
    .from(posts)
    .where(publishedBy(creatorId))
    .orderBy(...newestFirst)
    .limit(limit);
}

/** Published posts tied to an app, newest first, as list rows (app pages). */
export async function listPublishedPostsForApp(env: Env, appId: string, limit = 10) {
  return getDb(env)
    .select({ post: postListColumns, creator: creators })
    .from(posts)
    .innerJoin(creators, eq(creators.userId, posts.creatorId))
    .where(and(eq(posts.appId, appId), eq(posts.status, "published")))
    .orderBy(...newestFirst)
    .limit(limit);
}

/** Every post of a creator (the studio list), newest edits first. */
export async function listAllPostsOfCreator(env: Env, creatorId: string) {
  return getDb(env).select().from(posts).where(eq(posts.creatorId, creatorId)).orderBy(desc(posts.updatedAt)).limit(200);
}

export async function findPostsByIds(env: Env, ids: string[]) {
  if (!ids.length) return [];
  return getDb(env)
    .select({ post: posts, creator: creators })
    .from(posts)
    .innerJoin(creators, eq(creators.userId, posts.creatorId))
    .where(inArray(posts.id, ids));
}

/** Scheduled posts whose time has come (oldest first). */
export async function listDuePosts(env: Env, now: number, limit = 50) {
  return getDb(env)
    .select({ id: posts.id })
    .from(posts)
    .where(and(eq(posts.status, "scheduled"), lte(posts.publishAt, now)))
    .orderBy(posts.publishAt)
    .limit(limit);
}

/**
 * Edge-cache version of a post page (decision 55): its creator's storefront version (bumped by
 * every edit, publish, unpublish or delete of their posts, and by profile and tier changes shown
 * on the page), with the post's status and visibility, "<version>.<status>.<visibility>"; null if
 * there is no such post.
 */
export async function postCacheVersion(env: Env, handle: string, slug: string): Promise<string | null> {
  const rows = await getDb(env)
    .select({ v: creators.version, status: posts.status, visibility: posts.visibility })
    .from(posts)
    .innerJoin(creators, eq(creators.userId, posts.creatorId))
    .where(and(eq(creators.handle, handle.toLowerCase()), eq(posts.slug, slug.toLowerCase()), isNull(creators.hiddenAt)))
    .limit(1);
  const r = rows[0];
  return r ? `v${r.v}.${r.status}.${r.visibility}` : null;
}

/**
 * Names of the offers that unlock these posts — active tiers and published products only (a draft
 * product's title is not public) — for the lock badges' "Members of …" / "Buyers of …". One D1
 * batch, none when no listed post is gated by a tier or a product.
 */
export async function offerNamesFor(
  env: Env,
  rows: { visibility: string; tierIds: string[]; productId: string | null }[],
): Promise<{ tiers: Map<string, string>; products: Map<string, string> }> {
  const tierIds = [...new Set(rows.filter((r) => r.visibility === "tiers").flatMap((r) => r.tierIds))];
  const productIds = [...new Set(rows.filter((r) => r.visibility === "product" && r.productId).map((r) => r.productId!))];
  if (!tierIds.length && !productIds.length) return { tiers: new Map(), products: new Map() };
  const db = getDb(env);
  const [t, p] = await db.batch([
    db
      .select({ id: tiers.id, name: tiers.name })
      .from(tiers)
      .where(and(inArray(tiers.id, tierIds.length ? tierIds : [""]), eq(tiers.status, "active"))),
    db
      .select({ id: products.id, name: products.title })
      .from(products)
      .where(and(inArray(products.id, productIds.length ? productIds : [""]), eq(products.status, "published"))),
  ]);
  return { tiers: new Map(t.map((r) => [r.id, r.name])), products: new Map(p.map((r) => [r.id, r.name])) };
}
