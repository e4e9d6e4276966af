/**
 * What counts and what shows (decision 0056's graph: read by community, admin, apps, discovery and
 * posts, depending only on table schemas): upvote figures and suspended voters' weight (decision 119)
 * and admins' moderation holds on posts, apps and profiles (decision 121). Kept out of the community
 * module so the modules that embed these fragments don't import community, which imports them.
 */
import { and, eq, gte, isNull, lt, sql, type SQL } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { qualified } from "~/lib/sql";
import { apps } from "~/modules/apps/schema";
import { users } from "~/modules/identity/schema";
import { comments, commentThreads, feedbackItems, feedbackVotes, moderationHolds, type HoldTarget } from "~/modules/community/schema";

// ── upvote figures ────────────────────────────────────────────────────────────────────────────────

/**
 * What an app's upvote figures count (decision 119), as SQL fragments other modules' queries embed
 * (app cards in apps/discovery, the discover sort).
 *
 * - A feedback item's stored `vote_count` is recounted from its vote rows in the same batch as every
 *   vote, merge and (un)suspension, counting only voters who are not suspended (`voteRecount`).
 * - An app's upvotes = the sum of `vote_count` over its board's visible items: not merged away, not
 *   hidden, author not suspended — exactly the items the public board lists.
 * - "This week" counts the vote rows of the last 7 days from verified, not suspended, not deleted
 *   voters on those same items.
 */

const q = qualified;

/** The number of a feedback item's votes from voters who are not suspended (the stored `vote_count`). */
export const voteRecount = (itemId: string | SQL) =>
  sql`(SELECT count(*) FROM ${feedbackVotes} JOIN ${users} AS voter ON voter.id = ${q(feedbackVotes.userId)} WHERE ${q(feedbackVotes.itemId)} = ${itemId} AND voter.suspended_at IS NULL)`;

/** A feedback item (aliased `fi`) the public board shows. */
const visibleItem = sql`fi.merged_into IS NULL AND fi.hidden_at IS NULL AND NOT EXISTS (SELECT 1 FROM ${users} AS author WHERE author.id = fi.author_id AND author.suspended_at IS NOT NULL)`;

/** An app's total upvotes on its board's visible items (correlated on the outer `apps` row). */
export const appUpvotesSql = (appId: SQL = q(apps.id)) =>
  sql<number>`(SELECT coalesce(sum(fi.vote_count), 0) FROM ${feedbackItems} AS fi WHERE fi.app_id = ${appId} AND ${visibleItem})`;

/** The start of "this week": 7 days back from the current hour (so cached pages and cursors agree). */
export function weekStart(now = Math.floor(Date.now() / 1000)) {
  return now - (now % 3600) - 7 * 86400;
}

/** An app's upvotes cast this week by verified, not suspended, not deleted voters on visible items. */
export const appUpvotesThisWeekSql = (since = weekStart(), appId: SQL = q(apps.id)) =>
  sql<number>`(SELECT count(*) FROM ${feedbackVotes} AS fv JOIN ${feedbackItems} AS fi ON fi.id = fv.item_id JOIN ${users} AS voter ON voter.id = fv.user_id WHERE fi.app_id = ${appId} AND ${visibleItem} AND fv.created_at >= ${since} AND voter.email_verified_at IS NOT NULL AND voter.suspended_at IS NULL AND voter.deleted_at IS NULL)`;

// ── feedback boards ────────────────────────────────────────────────────────────────────────────

/**
 * Decision 119: a suspended person's upvotes stop counting while they are suspended — in every item's
 * `vote_count` (so boards, app cards and totals) and in their apps' trending scores — and count again
 * when the suspension is lifted. Statements for the suspension's own batch (after its `users` update,
 * so the recount sees the new state); `counted` says which weights are in the score, so running it
 * twice moves nothing twice.
 */
export function voterSuspensionStatements(db: ReturnType<typeof getDb>, userId: string, suspended: boolean) {
  const from = suspended ? 1 : 0;
  const theirVotes = sql`SELECT fi.app_id FROM ${feedbackVotes} AS fv JOIN ${feedbackItems} AS fi ON fi.id = fv.item_id WHERE fv.user_id = ${userId} AND fv.counted = ${from}`;
  const weightOnApp = sql`(SELECT coalesce(sum(fv.trending_weight), 0) FROM ${feedbackVotes} AS fv JOIN ${feedbackItems} AS fi ON fi.id = fv.item_id WHERE fi.app_id = ${qualified(apps.id)} AND fv.user_id = ${userId} AND fv.counted = ${from})`;
  return [
    db
      .update(apps)
      .set({ trendingScore: suspended ? sql`${apps.trendingScore} - ${weightOnApp}` : sql`${apps.trendingScore} + ${weightOnApp}` })
      .where(sql`${apps.id} IN (${theirVotes})`),
    db
      .update(feedbackVotes)
      .set({ counted: !suspended })
      .where(and(eq(feedbackVotes.userId, userId), eq(feedbackVotes.counted, !suspended ? false : true))),
    db
      .update(feedbackItems)
      .set({ voteCount: voteRecount(qualified(feedbackItems.id)) })
      .where(sql`${feedbackItems.id} IN (SELECT item_id FROM ${feedbackVotes} WHERE user_id = ${userId})`),
  ] as const;
}

export async function findHold(env: Env, type: HoldTarget, id: string) {
  return getDb(env).query.moderationHolds.findFirst({
    where: and(eq(moderationHolds.targetType, type), eq(moderationHolds.targetId, id)),
  });
}

/** Whether an admin's hold keeps this post/app hidden (its owner can't publish it again). */
export async function isHeld(env: Env, type: HoldTarget, id: string): Promise<boolean> {
  return !!(await findHold(env, type, id));
}

/** For a suspension being lifted: the storefront stays hidden while a profile hold exists. */
export const noProfileHold = (userId: string) =>
  sql`NOT EXISTS (SELECT 1 FROM ${moderationHolds} AS h WHERE h.target_type = 'profile' AND h.target_id = ${userId})`;

/** Items filed in [since, until) that the public board shows, by someone other than the maker. */
export const newFeedbackWhere = (since: number, until: number) =>
  and(
    gte(feedbackItems.createdAt, since),
    lt(feedbackItems.createdAt, until),
    isNull(feedbackItems.mergedInto),
    isNull(feedbackItems.hiddenAt),
    isNull(users.suspendedAt),
    sql`${feedbackItems.authorId} <> ${feedbackItems.makerId}`,
  );

/**
 * Decision 140: readers' thread pages are cached under each thread's version. A write elsewhere that
 * changes what an author's comments show (their account deleted) bumps every thread they wrote in,
 * in the same batch. (Suspensions move the catalog counter, which is part of the same cache key.)
 */
export const bumpThreadsOfAuthor = (db: ReturnType<typeof getDb>, userId: string) =>
  db
    .insert(commentThreads)
    .select(sql`SELECT DISTINCT c.target_type, c.target_id, 1 FROM ${comments} AS c WHERE c.author_id = ${userId}`)
    .onConflictDoUpdate({
      target: [commentThreads.targetType, commentThreads.targetId],
      set: { version: sql`${commentThreads.version} + 1` },
    });
