/**
 * Reading a user's feed: their stored items (fan-out on write) merged with the activities of the
 * big creators they follow (fan-out on read), newest first, keyset-paginated by
 * (published_at, activity_id). Posts are gated per reader by the entitlement module.
 */
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { accessFromFacts, accessQueries, decide as decideAccess, type Gate } from "~/modules/content/entitlements.server";
import { posts } from "~/modules/posts/schema";
import { gateOf, presentPost, type PostView } from "~/modules/posts/present.server";
import { creators } from "~/modules/storefronts/schema";
import { mediaUrl } from "~/modules/media/service.server";
import { follows } from "~/modules/follows/schema";
import { activities, feedItems } from "./schema";
import { feedConfig } from "./config";

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

export type FeedEntry =
  | { kind: "post"; activityId: string; publishedAt: number; post: PostView }
  | {
      kind: "app_new" | "app_status";
      activityId: string;
      publishedAt: number;
      title: string;
      summary: string;
      url: string;
      creator: { handle: string; displayName: string; avatarUrl: string | null };
    };

export async function readFeed(env: Env, userId: string, cursorParam: string | null, limit = 20): Promise<{ entries: FeedEntry[]; nextCursor: string | null }> {
  const db = getDb(env);
  const cursor = decodeCursor(cursorParam);
  const before = (t: typeof feedItems.publishedAt | typeof activities.publishedAt, id: typeof feedItems.activityId | typeof activities.id) =>
    cursor ? or(lt(t, cursor.t), and(eq(t, cursor.t), lt(id, cursor.id))) : undefined;

  // One D1 round trip for both sources.
  const [pushed, pulled] = await db.batch([
    db
      .select({ id: feedItems.activityId, t: feedItems.publishedAt })
      .from(feedItems)
      .where(and(eq(feedItems.userId, userId), before(feedItems.publishedAt, feedItems.activityId)))
      .orderBy(desc(feedItems.publishedAt), desc(feedItems.activityId))
      .limit(limit + 1),
    // Big creators the user follows: merged at read time.
    db
      .select({ id: activities.id, t: activities.publishedAt })
      .from(activities)
      .where(
        and(
          eq(activities.delivery, "pull"),
          inArray(activities.creatorId, db.select({ id: follows.creatorId }).from(follows).where(eq(follows.followerId, userId))),
          before(activities.publishedAt, activities.id),
        ),
      )
      .orderBy(desc(activities.publishedAt), desc(activities.id))
      .limit(limit + 1),
  ]);
  const merged = [...pushed, ...pulled].sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const seen = new Set<string>();
  const unique = merged.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  const page = unique.slice(0, limit);
  const nextCursor = unique.length > limit ? encodeCursor({ t: page[page.length - 1].t, id: page[page.length - 1].id }) : null;
  if (!page.length) return { entries: [], nextCursor: null };

  // Activities with their creator and (for posts) the post row, plus the reader's entitlement facts
  // for exactly those creators and products, concurrently.
  const pageIds = page.map((p) => p.id);
  const creatorsOnPage = db.select({ id: activities.creatorId }).from(activities).where(inArray(activities.id, pageIds));
  const productsOnPage = db
    .select({ id: posts.productId })
    .from(posts)
    .where(inArray(posts.id, db.select({ id: activities.subjectId }).from(activities).where(inArray(activities.id, pageIds))));
  // (The joined select stays outside the batch: drizzle's batch result mapping mangles its JSON columns.)
  const [rows, facts] = await Promise.all([
    db
      .select({ a: activities, c: creators, p: posts })
      .from(activities)
      .innerJoin(creators, eq(creators.userId, activities.creatorId))
      .leftJoin(posts, and(eq(activities.kind, "post"), eq(posts.id, activities.subjectId), eq(posts.status, "published")))
      .where(inArray(activities.id, pageIds)),
    db.batch([...accessQueries(db, userId, creatorsOnPage, productsOnPage)]),
  ]);
  const byId = new Map(rows.map((r) => [r.a.id, r]));
  const access = accessFromFacts(userId, facts);
  const decide = (g: Gate) => decideAccess(access, g);

  const entries: FeedEntry[] = [];
  for (const p of page) {
    const row = byId.get(p.id);
    if (!row) continue;
    if (row.a.kind === "post") {
      if (!row.p) continue;
      // Feed entries never carry the full body: the teaser, and for locked posts the free preview.
      const view = presentPost(row.p, row.c, decide(gateOf(row.p)), { body: false });
      entries.push({ kind: "post", activityId: p.id, publishedAt: p.t, post: view });
    } else {
      entries.push({
        kind: row.a.kind,
        activityId: p.id,
        publishedAt: p.t,
        title: row.a.title,
        summary: row.a.summary,
        url: row.a.url,
        creator: { handle: row.c.handle, displayName: row.c.displayName, avatarUrl: mediaUrl(row.c.avatarKey) },
      });
    }
  }
  return { entries, nextCursor };
}

/** Trims one user's stored feed to the cap (also done per page during fan-out). */
export async function trimFeed(env: Env, userId: string) {
  const { cap } = feedConfig(env);
  await getDb(env).run(sql`DELETE FROM feed_items WHERE user_id = ${userId} AND published_at <= (
    SELECT published_at FROM feed_items WHERE user_id = ${userId} ORDER BY published_at DESC LIMIT 1 OFFSET ${cap})`);
}
