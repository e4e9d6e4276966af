/**
 * Feed fan-out on write, through the FANOUT_QUEUE (design in docs/posts-feed-email.md):
 *
 *  publish → one `fanout` message (after = null)
 *  consumer → reads one keyset page of follower ids (FANOUT_PAGE_SIZE, default 1,000),
 *             enqueues the next page, then in ONE db.batch:
 *               INSERT OR IGNORE feed_items  … SELECT over that follower range   (4 bound params)
 *               INSERT OR IGNORE notifications … same range                      (6 bound params)
 *               trims those followers' feeds to FEED_CAP
 *             and enqueues new-post emails for the page (50 recipients per message).
 *  Every statement is idempotent on (user, activity), and carries `EXISTS activity`, so a re-run
 *  inserts nothing twice and a page that races an unpublish inserts nothing at all.
 *
 * Creators above FANOUT_THRESHOLD followers are not fanned out ("pull"): `readFeed` merges their
 * activities in at read time.
 *
 * A new follow enqueues a `backfill` message on the same queue: the creator's latest
 * BACKFILL_ITEMS pushed activities are copied into the new follower's stored feed (INSERT OR
 * IGNORE on (user, activity), so following again never duplicates). Like fan-out it stores only
 * references: posts are gated per reader when the feed is read (locked previews, never gated text).
 */
import { and, eq, sql } from "drizzle-orm";
import * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { nowSeconds } from "~/lib/ids";
import { notifications } from "~/modules/notifications/schema";
import { activities, feedItems } from "./schema";
import { EMAIL_RECIPIENTS_PER_MESSAGE, feedConfig } from "./config";
import { BackfillMessage, FanoutMessage, FeedQueueMessage, type PostEmailMessage } from "./messages";
import { followerCount, followerPage } from "./queries.server";

type ActivityInput = {
  id: string;
  creatorId: string;
  kind: (typeof activities.$inferInsert)["kind"];
  subjectId: string;
  title: string;
  summary?: string;
  url: string;
  publishedAt: number;
};

/**
 * Records an activity and starts its fan-out. Returns the delivery mode chosen. Publishing the
 * same activity again (an edit of a published post) changes nothing and fans out nothing.
 */
export async function publishActivity(env: Env, a: ActivityInput, opts: { notify: boolean }): Promise<"push" | "pull" | "existing"> {
  const db = getDb(env);
  const existing = await db.query.activities.findFirst({ where: eq(activities.id, a.id), columns: { delivery: true } });
  if (existing) return "existing";
  const { threshold } = feedConfig(env);
  const delivery = (await followerCount(env, a.creatorId)) > threshold ? "pull" : "push";
  const inserted = await db
    .insert(activities)
    .values({ ...a, summary: a.summary ?? "", delivery })
    .onConflictDoNothing()
    .returning({ id: activities.id });
  if (!inserted.length) return "existing";
  // Pull creators' followers still get the email, through the same pages; feed rows and bell
  // notifications are skipped (the feed merges the post in at read time).
  if (delivery === "push" || opts.notify) {
    await env.FANOUT_QUEUE.send({
      type: "fanout",
      activityId: a.id,
      creatorId: a.creatorId,
      after: null,
      notify: opts.notify,
    } satisfies FanoutMessage);
  }
  return delivery;
}

/** Removes an activity from every feed and its notifications (unpublish, delete). */
export async function retractActivity(env: Env, activityId: string) {
  const db = getDb(env);
  await db.batch([
    db.delete(feedItems).where(eq(feedItems.activityId, activityId)),
    db.delete(notifications).where(and(eq(notifications.subjectId, activityId), eq(notifications.kind, "new_post"))),
    db.delete(activities).where(eq(activities.id, activityId)),
  ]);
}

/** Moves an activity's time (a post re-published later keeps its place otherwise). */
export async function findActivity(env: Env, id: string) {
  return getDb(env).query.activities.findFirst({ where: eq(activities.id, id) });
}

/** Items copied into a new follower's feed. */
export const BACKFILL_ITEMS = 10;

/** The fan-out queue's consumer: a fan-out page or a new follower's backfill. */
export async function processFeedMessage(env: Env, raw: unknown) {
  const msg = v.parse(FeedQueueMessage, raw);
  return msg.type === "backfill" ? backfillFollower(env, msg) : processFanoutPage(env, msg);
}

/** Asks the queue to backfill a new follower's feed (off the request path). */
export async function enqueueBackfill(env: Env, userId: string, creatorId: string) {
  await env.FANOUT_QUEUE.send({ type: "backfill", userId, creatorId } satisfies BackfillMessage);
}

/**
 * Copies the creator's latest pushed activities into the follower's stored feed, then trims it to
 * FEED_CAP. Only while the follow still exists (an unfollow before this runs inserts nothing).
 * Pulled activities need no copy: the feed merges them in at read time. Safe to run again.
 */
export async function backfillFollower(env: Env, raw: unknown): Promise<{ inserted: number }> {
  const msg = v.parse(BackfillMessage, raw);
  const { cap } = feedConfig(env);
  const [ins] = await env.DB.batch([
    env.DB.prepare(
      `INSERT OR IGNORE INTO feed_items (user_id, activity_id, creator_id, published_at)
       SELECT ?1, a.id, a.creator_id, a.published_at FROM activities a
       WHERE a.creator_id = ?2 AND a.delivery = 'push'
         AND EXISTS (SELECT 1 FROM follows f WHERE f.creator_id = ?2 AND f.follower_id = ?1)
       ORDER BY a.published_at DESC, a.id DESC LIMIT ?3`,
    ).bind(msg.userId, msg.creatorId, BACKFILL_ITEMS),
    env.DB.prepare(
      `DELETE FROM feed_items WHERE user_id = ?1 AND published_at <= (
         SELECT g.published_at FROM feed_items g WHERE g.user_id = ?1 ORDER BY g.published_at DESC LIMIT 1 OFFSET ?2)`,
    ).bind(msg.userId, cap),
  ]);
  return { inserted: ins.meta.changes ?? 0 };
}

/**
 * Processes one fan-out message: up to FANOUT_PAGES_PER_MESSAGE keyset pages of FANOUT_PAGE_SIZE
 * followers each (defaults 10 × 1,000), then enqueues the rest as the next message. Several pages
 * per message keep the per-invocation work bounded (≈3 D1 queries per page) while saving a queue
 * hop per page. Safe to run any number of times for the same message.
 */
export async function processFanoutPage(
  env: Env,
  raw: unknown,
): Promise<{ followers: number; next: string | null; emails: number; pages: number }> {
  const msg = v.parse(FanoutMessage, raw);
  const { pagesPerMessage } = feedConfig(env);
  let after = msg.after;
  const total = { followers: 0, next: null as string | null, emails: 0, pages: 0 };
  for (let i = 0; i < pagesPerMessage; i++) {
    const r = await deliverPage(env, { ...msg, after });
    total.followers += r.followers;
    total.emails += r.emails;
    if (r.followers) total.pages++;
    if (!r.next) return total;
    after = r.next;
  }
  await env.FANOUT_QUEUE.send({ ...msg, after } satisfies FanoutMessage);
  total.next = after;
  return total;
}

/** One keyset page of followers: feed rows, trim, notifications, email messages. */
async function deliverPage(env: Env, msg: FanoutMessage): Promise<{ followers: number; next: string | null; emails: number }> {
  const db = getDb(env);
  const activity = await db.query.activities.findFirst({ where: eq(activities.id, msg.activityId) });
  if (!activity) return { followers: 0, next: null, emails: 0 }; // unpublished or deleted meanwhile
  const { pageSize, cap } = feedConfig(env);
  const page = await followerPage(env, msg.creatorId, msg.after, pageSize);
  if (!page.length) return { followers: 0, next: null, emails: 0 };
  const last = page[page.length - 1];
  const next = page.length === pageSize ? last : null;

  const lo = msg.after ?? "";
  // Set-based statements over the page's follower range (lo, last]: 4–6 bound parameters each,
  // whatever the page size. Raw D1 statements in one D1 batch (atomic, one round trip).
  const range = [msg.creatorId, lo, last] as const;
  const statements: D1PreparedStatement[] = [];
  if (activity.delivery === "push") {
    statements.push(
      env.DB.prepare(
        `INSERT OR IGNORE INTO feed_items (user_id, activity_id, creator_id, published_at)
         SELECT f.follower_id, a.id, a.creator_id, a.published_at
         FROM follows f JOIN activities a ON a.id = ?1
         WHERE f.creator_id = ?2 AND f.follower_id > ?3 AND f.follower_id <= ?4`,
      ).bind(activity.id, ...range),
      // Trim those followers' stored feeds to `cap` items (oldest go): one cut-off per user.
      env.DB.prepare(
        `WITH p AS MATERIALIZED (
           SELECT f.follower_id AS uid FROM follows f WHERE f.creator_id = ?1 AND f.follower_id > ?2 AND f.follower_id <= ?3
         ), cut AS MATERIALIZED (
           SELECT p.uid AS uid, (SELECT g.published_at FROM feed_items g WHERE g.user_id = p.uid ORDER BY g.published_at DESC LIMIT 1 OFFSET ?4) AS k FROM p
         )
         DELETE FROM feed_items WHERE rowid IN (
           SELECT fi.rowid FROM cut JOIN feed_items fi ON fi.user_id = cut.uid AND fi.published_at <= cut.k WHERE cut.k IS NOT NULL
         )`,
      ).bind(...range, cap),
    );
    if (msg.notify && activity.kind === "post") {
      statements.push(
        env.DB.prepare(
          `INSERT OR IGNORE INTO notifications (id, user_id, kind, subject_id, actor_id, message, link, created_at)
           SELECT lower(hex(randomblob(10))), f.follower_id, 'new_post', a.subject_id, a.creator_id, a.title, a.url, ?5
           FROM follows f JOIN activities a ON a.id = ?1
           WHERE f.creator_id = ?2 AND f.follower_id > ?3 AND f.follower_id <= ?4`,
        ).bind(activity.id, ...range, nowSeconds()),
      );
    }
  }
  if (statements.length) await env.DB.batch(statements);

  let emails = 0;
  if (msg.notify && activity.kind === "post") {
    // Recipients: followers in this page whose preference allows it ("subscribed" mode is
    // narrowed to paying subscribers by the email consumer).
    const rows = await db.all<{ uid: string }>(sql`SELECT f.follower_id AS uid FROM follows f
      LEFT JOIN email_preferences ep ON ep.user_id = f.follower_id
      WHERE f.creator_id = ${msg.creatorId} AND f.follower_id > ${lo} AND f.follower_id <= ${last}
        AND COALESCE(ep.mode, 'all') <> 'none'`);
    const ids = rows.map((r) => r.uid);
    const batch: { body: PostEmailMessage }[] = [];
    for (let i = 0; i < ids.length; i += EMAIL_RECIPIENTS_PER_MESSAGE) {
      batch.push({ body: { type: "post_email", postId: activity.subjectId, userIds: ids.slice(i, i + EMAIL_RECIPIENTS_PER_MESSAGE) } });
    }
    for (let i = 0; i < batch.length; i += 100) await env.EMAIL_QUEUE.sendBatch(batch.slice(i, i + 100));
    emails = ids.length;
  }
  return { followers: page.length, next, emails };
}
