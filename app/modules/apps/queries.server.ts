import { and, asc, desc, eq, isNull, or, sql, type Placeholder, type SQL } from "drizzle-orm";
import { getDb, prepared, type Db } from "~/lib/db.server";
import { mediaUrl } from "~/modules/media/service.server";
import { creators } from "~/modules/storefronts/schema";
import { creatorStats } from "~/modules/follows/schema";
import { followerCountQuery, isFollowingQuery } from "~/modules/follows/queries.server";
import { renderMarkdown, markdownExcerpt } from "~/lib/markdown.server";
import { appUpvotesSql } from "~/modules/standing/queries.server";
import { appCategories, apps, appScreenshots, appSlugHistory, appVisits, counters } from "./schema";
import { videoEmbed } from "./video";

export const cardColumns = {
  id: apps.id,
  slug: apps.slug,
  name: apps.name,
  tagline: apps.tagline,
  logoKey: apps.logoKey,
  categorySlug: apps.categorySlug,
  status: apps.status,
  techStack: apps.techStack,
  featured: apps.featured,
  published: apps.published,
  creatorHandle: creators.handle,
  creatorName: creators.displayName,
  /** Upvotes on the app's feedback board (decision 119). */
  upvotes: appUpvotesSql(),
};
export type AppCardRow = {
  id: string;
  slug: string;
  name: string;
  tagline: string;
  logoKey: string | null;
  categorySlug: string;
  status: (typeof apps.$inferSelect)["status"];
  techStack: string[];
  featured: boolean;
  published: boolean;
  creatorHandle: string;
  creatorName: string;
  upvotes: number;
  /** Set on /discover's "most upvoted this week" sort: the figure that orders the list. */
  upvotesThisWeek?: number;
};

export function presentAppCard(r: AppCardRow) {
  return {
    slug: r.slug,
    name: r.name,
    tagline: r.tagline,
    logoUrl: mediaUrl(r.logoKey),
    category: r.categorySlug,
    status: r.status,
    techStack: r.techStack ?? [],
    featured: r.featured,
    published: r.published,
    creator: { handle: r.creatorHandle, displayName: r.creatorName },
    upvotes: Number(r.upvotes ?? 0),
    ...(r.upvotesThisWeek === undefined ? {} : { upvotesThisWeek: Number(r.upvotesThisWeek) }),
  };
}
export type AppCard = ReturnType<typeof presentAppCard>;

/** Batchable: the fixed category list, in display order. */
export const categoriesQuery = (db: Db) => db.select().from(appCategories).orderBy(asc(appCategories.sortOrder));

export async function listCategories(env: Env) {
  return categoriesQuery(getDb(env));
}

export async function findCategory(env: Env, slug: string) {
  return (await getDb(env).select().from(appCategories).where(eq(appCategories.slug, slug)))[0] ?? null;
}

export async function findAppBySlug(env: Env, slug: string) {
  return getDb(env).query.apps.findFirst({ where: eq(apps.slug, slug.toLowerCase()) });
}

/** The app that used to live at `oldSlug` (see `appSlugHistory`), or undefined. */
export async function findAppByOldSlug(env: Env, oldSlug: string) {
  const [row] = await getDb(env)
    .select({ app: apps })
    .from(appSlugHistory)
    .innerJoin(apps, eq(apps.id, appSlugHistory.appId))
    .where(eq(appSlugHistory.oldSlug, oldSlug.toLowerCase()));
  return row?.app;
}

/** The app at `slug` now, else the app that used to be there (a renamed app's old slug). */
export async function findAppBySlugOrOld(env: Env, slug: string) {
  return (await findAppBySlug(env, slug)) ?? (await findAppByOldSlug(env, slug));
}

/** Who holds `slug`: an app whose current slug it is, or an app that keeps it as an old slug. */
export async function slugHolder(env: Env, slug: string): Promise<{ appId: string; old: boolean } | null> {
  const db = getDb(env);
  const s = slug.toLowerCase();
  const [current, old] = await db.batch([
    db.select({ appId: apps.id }).from(apps).where(eq(apps.slug, s)),
    db.select({ appId: appSlugHistory.appId }).from(appSlugHistory).where(eq(appSlugHistory.oldSlug, s)),
  ]);
  if (current[0]) return { appId: current[0].appId, old: false };
  return old[0] ? { appId: old[0].appId, old: true } : null;
}

/** Slugs `base` and `base-…` in use, current or kept as old slugs (for deriving a free one). */
export async function slugsStartingWith(env: Env, base: string): Promise<Set<string>> {
  const db = getDb(env);
  const [current, old] = await db.batch([
    db
      .select({ slug: apps.slug })
      .from(apps)
      .where(sql`${apps.slug} = ${base} OR ${apps.slug} LIKE ${base + "-%"}`),
    db
      .select({ slug: appSlugHistory.oldSlug })
      .from(appSlugHistory)
      .where(sql`${appSlugHistory.oldSlug} = ${base} OR ${appSlugHistory.oldSlug} LIKE ${base + "-%"}`),
  ]);
  return new Set([...current, ...old].map((r) => r.slug));
}

export async function screenshotsOf(env: Env, appId: string) {
  return getDb(env).select().from(appScreenshots).where(eq(appScreenshots.appId, appId)).orderBy(asc(appScreenshots.position));
}

/**
 * Batchable: a creator's apps as cards. Drafts are included only for `draftsVisibleTo` when that
 * user is the creator (the owner sees their drafts; everyone else only published apps).
 */
export const creatorAppsQuery = (db: Db, creatorId: string | SQL, draftsVisibleTo: string | Placeholder | SQL | null) =>
  db
    .select(cardColumns)
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(
      and(
        eq(apps.creatorId, creatorId),
        draftsVisibleTo ? or(eq(apps.published, true), eq(apps.creatorId, draftsVisibleTo)) : eq(apps.published, true),
      ),
    )
    .orderBy(desc(apps.featured), desc(apps.createdAt));

type PageViewer = { id: string; isAdmin: boolean } | null;
/** What a lookup by an old slug answers: the app's current slug (the route redirects there, 301). */
export type MovedApp = { movedTo: string };
const canEditApp = (viewer: PageViewer, app: { creatorId: string }) => !!viewer && (viewer.id === app.creatorId || viewer.isAdmin);

/**
 * The current slug of the app that used to live at `oldSlug`, when this viewer may see that app
 * (published, or a draft of theirs); null otherwise — so a draft's new address never leaks.
 */
export async function renamedAppSlug(env: Env, oldSlug: string, viewer: PageViewer): Promise<string | null> {
  const app = await findAppByOldSlug(env, oldSlug);
  return app && (app.published || canEditApp(viewer, app)) ? app.slug : null;
}

/**
 * Everything `/apps/:slug` shows, in two D1 round trips. `{ movedTo }` when `slug` is an old slug of
 * an app (one more read, only on a miss); null when missing or a draft the viewer can't see.
 */
export async function getAppPage(env: Env, slug: string, viewer: PageViewer) {
  const db = getDb(env);
  const [row] = await db
    .select({ app: apps, creator: creators, category: appCategories.name })
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .innerJoin(appCategories, eq(appCategories.slug, apps.categorySlug))
    .where(and(eq(apps.slug, slug.toLowerCase()), isNull(creators.hiddenAt)));
  if (!row) {
    const movedTo = await renamedAppSlug(env, slug, viewer);
    return movedTo ? ({ movedTo } as MovedApp) : null;
  }
  const canEdit = canEditApp(viewer, row.app);
  if (!row.app.published && !canEdit) return null;
  const [shots, count, following] = await db.batch([
    db.select().from(appScreenshots).where(eq(appScreenshots.appId, row.app.id)).orderBy(asc(appScreenshots.position)),
    followerCountQuery(db, row.creator.userId),
    isFollowingQuery(db, row.creator.userId, viewer?.id ?? ""),
  ]);
  const a = row.app;
  return {
    app: {
      id: a.id,
      slug: a.slug,
      name: a.name,
      tagline: a.tagline,
      descriptionHtml: renderMarkdown(a.descriptionMarkdown),
      descriptionExcerpt: markdownExcerpt(a.descriptionMarkdown),
      appUrl: a.appUrl,
      video: videoEmbed(a.demoVideoUrl),
      logoUrl: mediaUrl(a.logoKey),
      category: { slug: a.categorySlug, name: row.category },
      techStack: a.techStack ?? [],
      status: a.status,
      featured: a.featured,
      published: a.published,
      screenshots: shots.map((s) => ({ id: s.id, url: mediaUrl(s.key)! })),
    },
    creator: {
      userId: row.creator.userId,
      handle: row.creator.handle,
      displayName: row.creator.displayName,
      avatarUrl: mediaUrl(row.creator.avatarKey),
      followerCount: count[0]?.n ?? 0,
    },
    viewerFollows: following.length > 0,
    canEdit,
    isOwner: !!viewer && viewer.id === row.app.creatorId,
  };
}

/**
 * Edge-cache version of `/apps/:slug`: the app's id, its and its creator's versions plus the follower
 * count, so any edit (or a follow) yields a new cache key, and a slug that later belongs to another
 * app (after a delete) can never hit the old app's entry. Null → not cacheable (missing, draft, or an
 * old slug — that answers a redirect, which is never stored).
 */
export async function appCacheVersion(env: Env, slug: string): Promise<string | null> {
  const r = await prepared(env, "appCacheVersion", (db) =>
    db
      .select({ id: apps.id, a: apps.version, c: creators.version, f: creatorStats.followerCount, published: apps.published })
      .from(apps)
      .innerJoin(creators, eq(creators.userId, apps.creatorId))
      .leftJoin(creatorStats, eq(creatorStats.creatorId, apps.creatorId))
      .where(and(eq(apps.slug, sql.placeholder("slug")), isNull(creators.hiddenAt)))
      .prepare(),
  ).get({ slug: slug.toLowerCase() });
  return r && r.published ? `${r.id}.a${r.a}.c${r.c}.f${r.f ?? 0}` : null;
}

/** Bumped on every change to any app; part of the `/discover` and home cache keys. */
export async function catalogVersion(env: Env): Promise<number> {
  const r = await prepared(env, "catalogVersion", (db) =>
    db.select({ v: counters.value }).from(counters).where(eq(counters.name, "catalog")).prepare(),
  ).get();
  return r?.v ?? 0;
}

/**
 * One page view of the published app at `slug` by `visitor` on `day`, in one batch: the visit row
 * (the app found by slug inside the insert) and, only when that row is new, the view counter and
 * trending score. True when the view was counted.
 */
export async function insertViewBySlug(env: Env, slug: string, day: number, visitor: string, inc: number): Promise<boolean> {
  const db = getDb(env);
  const [, updated] = await db.batch([
    db
      .insert(appVisits)
      .select(sql`SELECT ${apps.id}, ${day}, ${visitor}, 'view' FROM ${apps} WHERE ${apps.slug} = ${slug} AND ${apps.published} = 1`)
      .onConflictDoNothing(),
    db
      .update(apps)
      .set({ viewCount: sql`${apps.viewCount} + 1`, trendingScore: sql`${apps.trendingScore} + ${inc}` })
      .where(and(eq(apps.slug, slug), eq(apps.published, true), sql`changes() = 1`)),
  ]);
  return updated.meta.changes === 1;
}
