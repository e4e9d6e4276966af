/**
 * The community domain's SQL (decision 0056): comments, likes, reactions, thread policies, blocks,
 * reports and feedback boards. Counters are always recounted from their rows inside the same D1
 * batch as the write (a batch is one transaction), so they are exact under concurrency (D74).
 * What counts as an upvote and what a moderation hold hides are in ~/modules/standing (decision 129).
 */
import { and, asc, desc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { appUpvotesSql, newFeedbackWhere, voteRecount } from "~/modules/standing/queries.server";
import { qualified } from "~/lib/sql";
import { apps, counters } from "~/modules/apps/schema";
import { users } from "~/modules/identity/schema";
import { posts } from "~/modules/posts/schema";
import { creators } from "~/modules/storefronts/schema";
import {
  commentLikes,
  commentPolicies,
  commentThreads,
  comments,
  communityBlocks,
  feedbackDigestDays,
  moderationHolds,
  type HoldTarget,
  feedbackItems,
  feedbackVotes,
  postReactions,
  reports,
  type CommentPolicy,
  type CommentTarget,
  type FeedbackKind,
  type FeedbackStatus,
  type Reaction,
  type ReportTarget,
} from "./schema";

export type CommentRow = typeof comments.$inferSelect;
export type FeedbackRow = typeof feedbackItems.$inferSelect;

// ── people ─────────────────────────────────────────────────────────────────────────────────────

/** What the anti-spam and permission rules need to know about the actor, in one read. */
export async function actorFacts(env: Env, userId: string) {
  return getDb(env).query.users.findFirst({
    where: eq(users.id, userId),
    columns: { id: true, emailVerifiedAt: true, suspendedAt: true, deletedAt: true, createdAt: true, isAdmin: true },
  });
}

/** user id → public name/handle for those who have a storefront (others are "a member"). */
export async function publicNames(env: Env, userIds: string[]) {
  if (!userIds.length) return new Map<string, { handle: string; displayName: string }>();
  const rows = await getDb(env)
    .select({ userId: creators.userId, handle: creators.handle, displayName: creators.displayName })
    .from(creators)
    .where(and(inArray(creators.userId, [...new Set(userIds)]), isNull(creators.hiddenAt)));
  return new Map(rows.map((r) => [r.userId, { handle: r.handle, displayName: r.displayName }]));
}

/** Which of these handles belong to a visible storefront (lower-cased handle → user id). */
export async function existingHandles(env: Env, handles: string[]) {
  if (!handles.length) return new Map<string, string>();
  const rows = await getDb(env)
    .select({ userId: creators.userId, handle: creators.handle })
    .from(creators)
    .where(and(inArray(creators.handle, handles), isNull(creators.hiddenAt)));
  return new Map(rows.map((r) => [r.handle, r.userId]));
}

// ── the things threads hang on ─────────────────────────────────────────────────────────────────

const postThreadQuery = (db: Db, postId: string) =>
  db
    .select({
      id: posts.id,
      slug: posts.slug,
      title: posts.title,
      status: posts.status,
      creatorId: posts.creatorId,
      visibility: posts.visibility,
      tierIds: posts.tierIds,
      productId: posts.productId,
      handle: creators.handle,
    })
    .from(posts)
    .innerJoin(creators, eq(creators.userId, posts.creatorId))
    .where(and(eq(posts.id, postId), isNull(creators.hiddenAt)))
    .limit(1);

const appThreadQuery = (db: Db, which: SQL) =>
  db
    .select({ id: apps.id, slug: apps.slug, name: apps.name, creatorId: apps.creatorId, published: apps.published })
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(and(which, isNull(creators.hiddenAt)))
    .limit(1);

export type PostForThread = Awaited<ReturnType<typeof postThreadQuery>>[number];
export type AppForThread = Awaited<ReturnType<typeof appThreadQuery>>[number];

export async function findPostForThread(env: Env, postId: string): Promise<PostForThread | null> {
  return (await postThreadQuery(getDb(env), postId))[0] ?? null;
}

export async function findAppForThread(env: Env, where: { id?: string; slug?: string }): Promise<AppForThread | null> {
  const which = where.id ? eq(apps.id, where.id) : eq(apps.slug, (where.slug ?? "").toLowerCase());
  return (await appThreadQuery(getDb(env), which))[0] ?? null;
}

/** What an app's launch activity in the feed needs (an admin unhid the app). */
export async function findAppForFeed(env: Env, id: string) {
  const rows = await getDb(env)
    .select({
      id: apps.id,
      slug: apps.slug,
      name: apps.name,
      tagline: apps.tagline,
      status: apps.status,
      creatorId: apps.creatorId,
      published: apps.published,
      publishedAt: apps.publishedAt,
      createdAt: apps.createdAt,
      creatorName: creators.displayName,
    })
    .from(apps)
    .innerJoin(creators, eq(creators.userId, apps.creatorId))
    .where(eq(apps.id, id))
    .limit(1);
  return rows[0] ?? null;
}

export async function findFeedback(env: Env, id: string) {
  return getDb(env).query.feedbackItems.findFirst({ where: eq(feedbackItems.id, id) });
}

// ── policies and blocks ────────────────────────────────────────────────────────────────────────

export async function threadPolicy(env: Env, type: CommentTarget, id: string): Promise<CommentPolicy> {
  const row = await getDb(env).query.commentPolicies.findFirst({
    where: and(eq(commentPolicies.targetType, type), eq(commentPolicies.targetId, id)),
  });
  return row?.policy ?? "everyone";
}

export async function writeThreadPolicy(env: Env, type: CommentTarget, id: string, policy: CommentPolicy, now: number) {
  await getDb(env)
    .insert(commentPolicies)
    .values({ targetType: type, targetId: id, policy, updatedAt: now })
    .onConflictDoUpdate({ target: [commentPolicies.targetType, commentPolicies.targetId], set: { policy, updatedAt: now } });
}

export async function isBlocked(env: Env, ownerId: string, userId: string): Promise<boolean> {
  const row = await getDb(env).query.communityBlocks.findFirst({
    where: and(eq(communityBlocks.ownerId, ownerId), eq(communityBlocks.userId, userId)),
  });
  return !!row;
}

export async function writeBlock(env: Env, ownerId: string, userId: string, blocked: boolean, now: number) {
  const db = getDb(env);
  if (blocked) await db.insert(communityBlocks).values({ ownerId, userId, createdAt: now }).onConflictDoNothing();
  else await db.delete(communityBlocks).where(and(eq(communityBlocks.ownerId, ownerId), eq(communityBlocks.userId, userId)));
}

// ── comments ───────────────────────────────────────────────────────────────────────────────────

export async function findComment(env: Env, id: string) {
  return getDb(env).query.comments.findFirst({ where: eq(comments.id, id) });
}

/** The author's identical text in this thread since `since` (duplicate-flood check). */
export async function recentDuplicate(env: Env, authorId: string, body: string, since: number) {
  const row = await getDb(env)
    .select({ id: comments.id })
    .from(comments)
    .where(and(eq(comments.authorId, authorId), gt(comments.createdAt, since), eq(comments.bodyMarkdown, body)))
    .limit(1);
  return row.length > 0;
}

// ── thread versions (decision 140) ─────────────────────────────────────────────────────────────

type Db = ReturnType<typeof getDb>;

/** Bumps a thread's version: one statement for the same batch as the write it versions. */
export const bumpThread = (db: Db, type: CommentTarget, id: string) =>
  db
    .insert(commentThreads)
    .values({ targetType: type, targetId: id, version: 1 })
    .onConflictDoUpdate({
      target: [commentThreads.targetType, commentThreads.targetId],
      set: { version: sql`${commentThreads.version} + 1` },
    });

/** Bumps the version of the thread a comment is in (the comment row must still exist). */
const bumpThreadOf = (db: Db, commentId: string) =>
  db
    .insert(commentThreads)
    .select(sql`SELECT c.target_type, c.target_id, 1 FROM ${comments} AS c WHERE c.id = ${commentId}`)
    .onConflictDoUpdate({
      target: [commentThreads.targetType, commentThreads.targetId],
      set: { version: sql`${commentThreads.version} + 1` },
    });

const replyRecount = (parentId: string) =>
  sql`(SELECT count(*) FROM ${comments} AS r WHERE r.parent_id = ${parentId} AND r.deleted_at IS NULL)`;

/** Inserts a comment; a reply also recounts its parent's replies in the same batch. */
export async function insertComment(env: Env, row: typeof comments.$inferInsert) {
  const db = getDb(env);
  const insert = db.insert(comments).values(row);
  const bump = bumpThread(db, row.targetType, row.targetId);
  if (!row.parentId) await db.batch([insert, bump]);
  else
    await db.batch([
      insert,
      db
        .update(comments)
        .set({ replyCount: replyRecount(row.parentId) })
        .where(eq(comments.id, row.parentId)),
      bump,
    ]);
}

export async function updateCommentBody(env: Env, id: string, body: string, now: number) {
  const db = getDb(env);
  await db.batch([db.update(comments).set({ bodyMarkdown: body, editedAt: now }).where(eq(comments.id, id)), bumpThreadOf(db, id)]);
}

/**
 * The author deletes: a comment with live replies keeps its row as "comment deleted" (text wiped);
 * otherwise the row goes. A reply's removal recounts its parent, and a parent that was already
 * deleted and has no replies left goes too.
 */
export async function removeComment(env: Env, c: CommentRow, now: number) {
  const db = getDb(env);
  const bump = bumpThread(db, c.targetType, c.targetId);
  if (!c.parentId) {
    if (c.replyCount > 0)
      await db.batch([db.update(comments).set({ deletedAt: now, bodyMarkdown: "", pinnedAt: null }).where(eq(comments.id, c.id)), bump]);
    else await db.batch([db.delete(comments).where(eq(comments.id, c.id)), bump]);
    return;
  }
  await db.batch([
    bump,
    db.delete(comments).where(eq(comments.id, c.id)),
    db
      .update(comments)
      .set({ replyCount: replyRecount(c.parentId) })
      .where(eq(comments.id, c.parentId)),
    db.delete(comments).where(and(eq(comments.id, c.parentId), sql`${comments.deletedAt} IS NOT NULL`, eq(comments.replyCount, 0))),
  ]);
}

export async function setCommentHidden(env: Env, id: string, hiddenAt: number | null) {
  const db = getDb(env);
  await db.batch([db.update(comments).set({ hiddenAt }).where(eq(comments.id, id)), bumpThreadOf(db, id)]);
}

export async function setCommentPinned(env: Env, c: Pick<CommentRow, "id" | "targetType" | "targetId">, pinnedAt: number | null) {
  const db = getDb(env);
  const unpinAll = db
    .update(comments)
    .set({ pinnedAt: null })
    .where(and(eq(comments.targetType, c.targetType), eq(comments.targetId, c.targetId)));
  const bump = bumpThread(db, c.targetType, c.targetId);
  if (pinnedAt === null) await db.batch([db.update(comments).set({ pinnedAt: null }).where(eq(comments.id, c.id)), bump]);
  else await db.batch([unpinAll, db.update(comments).set({ pinnedAt }).where(eq(comments.id, c.id)), bump]);
}

export type ThreadCursor = { k: number; id: string };

/**
 * One page of a thread's top-level comments, newest first or most liked first (keyset on
 * (created_at, id) or (like_count, id)). Hidden comments are left out except for their author and
 * `seeHidden` (the thread's owner, admins); comments by suspended or deleted accounts are left out;
 * deleted comments stay only while they have replies. The pinned comment is listed apart.
 */
export async function listThreadPage(
  env: Env,
  q: {
    type: CommentTarget;
    id: string;
    sort: "new" | "top";
    cursor: ThreadCursor | null;
    limit: number;
    viewerId: string | null;
    seeHidden: boolean;
  },
) {
  const db = getDb(env);
  const visible = visibleTo(q.viewerId, q.seeHidden);
  const sortKey = q.sort === "top" ? comments.likeCount : comments.createdAt;
  const after = q.cursor ? or(lt(sortKey, q.cursor.k), and(eq(sortKey, q.cursor.k), lt(comments.id, q.cursor.id))) : undefined;
  const thread = and(eq(comments.targetType, q.type), eq(comments.targetId, q.id), isNull(comments.parentId));
  const [page, pinned] = await db.batch([
    db
      .select({ c: comments })
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .where(and(thread, isNull(comments.pinnedAt), visible, after))
      .orderBy(desc(sortKey), desc(comments.id))
      .limit(q.limit + 1),
    db
      .select({ c: comments })
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .where(and(thread, sql`${comments.pinnedAt} IS NOT NULL`, visible))
      .limit(1),
  ]);
  const more = page.length > q.limit;
  const rows = page.slice(0, q.limit).map((r) => r.c);
  return { rows, pinned: pinned[0]?.c ?? null, more };
}

/** Replies (oldest first) of the given top-level comments, with the same visibility rule. */
export async function listReplies(env: Env, parentIds: string[], viewerId: string | null, seeHidden: boolean, perParent = 50) {
  if (!parentIds.length) return [];
  const rows = await getDb(env)
    .select({ c: comments })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(inArray(comments.parentId, parentIds), visibleTo(viewerId, seeHidden)))
    .orderBy(asc(comments.createdAt), asc(comments.id))
    .limit(parentIds.length * perParent);
  return rows.map((r) => r.c);
}

function visibleTo(viewerId: string | null, seeHidden: boolean): SQL {
  // A deleted account's comment with replies still shows as "comment deleted" so the replies keep their place.
  const live = or(
    and(isNull(users.suspendedAt), isNull(users.deletedAt)),
    and(isNull(users.suspendedAt), sql`${comments.deletedAt} IS NOT NULL`),
  )!;
  const notDeadLeaf = or(isNull(comments.deletedAt), gt(comments.replyCount, 0))!;
  if (seeHidden) return and(live, notDeadLeaf)!;
  const hiddenOk = viewerId ? or(isNull(comments.hiddenAt), eq(comments.authorId, viewerId)) : isNull(comments.hiddenAt);
  return and(live, notDeadLeaf, hiddenOk)!;
}

export async function countThread(env: Env, type: CommentTarget, id: string): Promise<number> {
  const row = await getDb(env)
    .select({ n: sql<number>`count(*)` })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(
      and(
        eq(comments.targetType, type),
        eq(comments.targetId, id),
        isNull(comments.deletedAt),
        isNull(comments.hiddenAt),
        isNull(users.suspendedAt),
      ),
    );
  return Number(row[0]?.n ?? 0);
}

const NOBODY = "\u0000none"; // an id that matches nobody, so a signed-out reader's statements stay valid

/**
 * Everything a thread request reads besides the comments themselves, in ONE D1 batch (decision
 * 140): what the thread hangs on (the post, the app, or the feedback item and its app), its policy,
 * its version and the catalog counter (the cache key of the readers' thread page), and the viewer's
 * own facts — their likes in this thread, whether the owner blocked them, whether they wrote a
 * comment that is hidden (only they see it) — plus a post's reactions or an app board's totals.
 */
export async function threadFacts(env: Env, type: CommentTarget, id: string, viewerId: string | null) {
  const db = getDb(env);
  const viewer = viewerId ?? NOBODY;
  const inThread = and(eq(comments.targetType, type), eq(comments.targetId, id));
  const owner =
    type === "post"
      ? sql`(SELECT p.creator_id FROM ${posts} AS p WHERE p.id = ${id})`
      : type === "app"
        ? sql`(SELECT a.creator_id FROM ${apps} AS a WHERE a.id = ${id})`
        : sql`(SELECT f.maker_id FROM ${feedbackItems} AS f WHERE f.id = ${id})`;
  const itemApp = sql`(SELECT f.app_id FROM ${feedbackItems} AS f WHERE f.id = ${id})`;
  const results = await db.batch([
    db
      .select({ policy: commentPolicies.policy })
      .from(commentPolicies)
      .where(and(eq(commentPolicies.targetType, type), eq(commentPolicies.targetId, id))),
    db
      .select({ version: commentThreads.version })
      .from(commentThreads)
      .where(and(eq(commentThreads.targetType, type), eq(commentThreads.targetId, id))),
    db.select({ v: counters.value }).from(counters).where(eq(counters.name, "catalog")),
    db
      .select({ id: comments.id })
      .from(comments)
      .innerJoin(commentLikes, and(eq(commentLikes.commentId, comments.id), eq(commentLikes.userId, viewer)))
      .where(inThread),
    db
      .select({ one: sql<number>`1` })
      .from(communityBlocks)
      .where(and(eq(communityBlocks.userId, viewer), eq(communityBlocks.ownerId, owner)))
      .limit(1),
    db
      .select({ one: sql<number>`1` })
      .from(comments)
      .where(and(inThread, eq(comments.authorId, viewer), sql`${comments.hiddenAt} IS NOT NULL`))
      .limit(1),
    // What the thread hangs on: [post] / [app] / [item, its app]; then reactions or board totals.
    type === "post"
      ? postThreadQuery(db, id)
      : type === "app"
        ? appThreadQuery(db, eq(apps.id, id))
        : db.select().from(feedbackItems).where(eq(feedbackItems.id, id)),
    type === "feedback"
      ? appThreadQuery(db, eq(apps.id, itemApp))
      : type === "post"
        ? reactionCountsQuery(db, id)
        : appVoteTotalQuery(db, id),
    db
      .select({ reaction: postReactions.reaction })
      .from(postReactions)
      .where(and(eq(postReactions.postId, type === "post" ? id : NOBODY), eq(postReactions.userId, viewer))),
  ]);
  const [policy, version, catalog, likes, blocked, ownHidden, target, extra, myReaction] = results;
  const one = <T>(rows: unknown) => ((rows as T[])[0] ?? null) as T | null;
  return {
    policy: (one<{ policy: CommentPolicy }>(policy)?.policy ?? "everyone") as CommentPolicy,
    version: one<{ version: number }>(version)?.version ?? 0,
    catalog: one<{ v: number }>(catalog)?.v ?? 0,
    liked: new Set((likes as { id: string }[]).map((r) => r.id)),
    blocked: (blocked as unknown[]).length > 0,
    ownHidden: (ownHidden as unknown[]).length > 0,
    post: type === "post" ? one<PostForThread>(target) : null,
    app: type === "app" ? one<AppForThread>(target) : type === "feedback" ? one<AppForThread>(extra) : null,
    item: type === "feedback" ? one<FeedbackRow>(target) : null,
    reactions:
      type === "post"
        ? { counts: extra as { reaction: Reaction; n: number }[], mine: one<{ reaction: Reaction }>(myReaction)?.reaction ?? null }
        : null,
    board: type === "app" ? voteTotalOf(extra) : null,
  };
}

export type ThreadFacts = Awaited<ReturnType<typeof threadFacts>>;

export async function likedAmong(env: Env, userId: string, commentIds: string[]): Promise<Set<string>> {
  if (!commentIds.length) return new Set();
  const rows = await getDb(env)
    .select({ id: commentLikes.commentId })
    .from(commentLikes)
    .where(and(eq(commentLikes.userId, userId), inArray(commentLikes.commentId, commentIds)));
  return new Set(rows.map((r) => r.id));
}

/** Like or unlike, then recount — one batch, so the stored count always equals the rows. */
export async function writeLike(env: Env, commentId: string, userId: string, on: boolean, now: number): Promise<number> {
  const db = getDb(env);
  const change = on
    ? db.insert(commentLikes).values({ commentId, userId, createdAt: now }).onConflictDoNothing()
    : db.delete(commentLikes).where(and(eq(commentLikes.commentId, commentId), eq(commentLikes.userId, userId)));
  const [, , after] = await db.batch([
    change,
    db
      .update(comments)
      .set({ likeCount: sql`(SELECT count(*) FROM ${commentLikes} WHERE ${qualified(commentLikes.commentId)} = ${commentId})` })
      .where(eq(comments.id, commentId)),
    db.select({ n: comments.likeCount }).from(comments).where(eq(comments.id, commentId)),
    bumpThreadOf(db, commentId),
  ]);
  return after[0]?.n ?? 0;
}

export async function countLikeRows(env: Env, commentId: string): Promise<number> {
  const row = await getDb(env)
    .select({ n: sql<number>`count(*)` })
    .from(commentLikes)
    .where(eq(commentLikes.commentId, commentId));
  return Number(row[0]?.n ?? 0);
}

// ── reactions ──────────────────────────────────────────────────────────────────────────────────

export async function writeReaction(env: Env, postId: string, userId: string, reaction: Reaction | null, now: number) {
  const db = getDb(env);
  const change =
    reaction === null
      ? db.delete(postReactions).where(and(eq(postReactions.postId, postId), eq(postReactions.userId, userId)))
      : db
          .insert(postReactions)
          .values({ postId, userId, reaction, createdAt: now })
          .onConflictDoUpdate({ target: [postReactions.postId, postReactions.userId], set: { reaction } });
  const [, counts] = await db.batch([change, reactionCountsQuery(db, postId)]);
  return counts;
}

const reactionCountsQuery = (db: ReturnType<typeof getDb>, postId: string) =>
  db
    .select({ reaction: postReactions.reaction, n: sql<number>`count(*)` })
    .from(postReactions)
    .where(eq(postReactions.postId, postId))
    .groupBy(postReactions.reaction);

export async function reactionState(env: Env, postId: string, userId: string | null) {
  const db = getDb(env);
  const [counts, mine] = await db.batch([
    reactionCountsQuery(db, postId),
    db
      .select({ reaction: postReactions.reaction })
      .from(postReactions)
      .where(and(eq(postReactions.postId, postId), eq(postReactions.userId, userId ?? "\u0000none"))),
  ]);
  return { counts, mine: mine[0]?.reaction ?? null };
}

// ── reports ────────────────────────────────────────────────────────────────────────────────────

/** Files a report; false when this person already reported this target. */
export async function insertReport(env: Env, row: typeof reports.$inferInsert): Promise<boolean> {
  const out = await getDb(env).insert(reports).values(row).onConflictDoNothing().returning({ id: reports.id });
  return out.length > 0;
}

export async function findReport(env: Env, id: string) {
  return getDb(env).query.reports.findFirst({ where: eq(reports.id, id) });
}

export async function listOpenReports(env: Env, limit = 100) {
  return getDb(env)
    .select({
      id: reports.id,
      targetType: reports.targetType,
      targetId: reports.targetId,
      reason: reports.reason,
      note: reports.note,
      createdAt: reports.createdAt,
      reporterEmail: users.email,
    })
    .from(reports)
    .innerJoin(users, eq(users.id, reports.reporterId))
    .where(eq(reports.status, "open"))
    .orderBy(asc(reports.createdAt))
    .limit(limit);
}

/** Resolves every open report on the same target at once (one decision covers them all). */
export async function resolveReports(
  env: Env,
  targetType: ReportTarget,
  targetId: string,
  status: "dismissed" | "actioned",
  by: string,
  now: number,
) {
  await getDb(env)
    .update(reports)
    .set({ status, resolvedAt: now, resolvedBy: by })
    .where(and(eq(reports.targetType, targetType), eq(reports.targetId, targetId), eq(reports.status, "open")));
}

export async function findProfileUser(env: Env, handleOrId: string) {
  const rows = await getDb(env)
    .select({ userId: creators.userId, handle: creators.handle })
    .from(creators)
    .where(or(eq(creators.userId, handleOrId), eq(creators.handle, handleOrId.toLowerCase())))
    .limit(1);
  return rows[0] ?? null;
}

export async function insertFeedback(env: Env, row: typeof feedbackItems.$inferInsert) {
  await getDb(env).insert(feedbackItems).values(row);
}

export type FeedbackSort = "top" | "new";

export async function listFeedbackItems(
  env: Env,
  appId: string,
  sort: FeedbackSort,
  status: FeedbackStatus | null,
  viewerId: string | null,
) {
  const db = getDb(env);
  const where = and(
    eq(feedbackItems.appId, appId),
    isNull(feedbackItems.mergedInto),
    viewerId ? or(isNull(feedbackItems.hiddenAt), eq(feedbackItems.authorId, viewerId)) : isNull(feedbackItems.hiddenAt),
    status ? eq(feedbackItems.status, status) : undefined,
    isNull(users.suspendedAt),
  );
  return db
    .select({ item: feedbackItems })
    .from(feedbackItems)
    .innerJoin(users, eq(users.id, feedbackItems.authorId))
    .where(where)
    .orderBy(
      ...(sort === "top" ? [desc(feedbackItems.voteCount), desc(feedbackItems.createdAt)] : [desc(feedbackItems.createdAt)]),
      desc(feedbackItems.id),
    )
    .limit(200)
    .then((rows) => rows.map((r) => r.item));
}

export async function votedAmong(env: Env, userId: string, itemIds: string[]): Promise<Set<string>> {
  if (!itemIds.length) return new Set();
  const rows = await getDb(env)
    .select({ id: feedbackVotes.itemId })
    .from(feedbackVotes)
    .where(and(eq(feedbackVotes.userId, userId), inArray(feedbackVotes.itemId, itemIds)));
  return new Set(rows.map((r) => r.id));
}

/**
 * Vote or unvote in one batch (decision 74/76): the row, the recount, and the app's trending score.
 * A new vote's weight is added once — claimed through `counted` inside the batch, so a duplicate
 * vote adds nothing; unvoting subtracts exactly what the vote had added.
 */
export async function writeVote(
  env: Env,
  item: { id: string; appId: string },
  userId: string,
  on: boolean,
  now: number,
  trendingWeight: number,
): Promise<number> {
  const db = getDb(env);
  const mine = and(eq(feedbackVotes.itemId, item.id), eq(feedbackVotes.userId, userId));
  const weightOf = (counted: boolean) =>
    sql`(SELECT coalesce(sum(${qualified(feedbackVotes.trendingWeight)}), 0) FROM ${feedbackVotes} WHERE ${qualified(feedbackVotes.itemId)} = ${item.id} AND ${qualified(feedbackVotes.userId)} = ${userId} AND ${qualified(feedbackVotes.counted)} = ${counted ? 1 : 0})`;
  const change = on
    ? ([
        db.insert(feedbackVotes).values({ itemId: item.id, userId, createdAt: now, trendingWeight, counted: false }).onConflictDoNothing(),
        db
          .update(apps)
          .set({ trendingScore: sql`${apps.trendingScore} + ${weightOf(false)}` })
          .where(eq(apps.id, item.appId)),
        db.update(feedbackVotes).set({ counted: true }).where(mine),
      ] as const)
    : ([
        db
          .update(apps)
          .set({ trendingScore: sql`${apps.trendingScore} - ${weightOf(true)}` })
          .where(eq(apps.id, item.appId)),
        db.delete(feedbackVotes).where(mine),
      ] as const);
  const results = await db.batch([
    ...change,
    db
      .update(feedbackItems)
      .set({ voteCount: voteRecount(item.id) })
      .where(eq(feedbackItems.id, item.id)),
    db.select({ n: feedbackItems.voteCount }).from(feedbackItems).where(eq(feedbackItems.id, item.id)),
  ]);
  const after = results.at(-1) as { n: number }[];
  return after[0]?.n ?? 0;
}

export async function countVoteRows(env: Env, itemId: string): Promise<number> {
  const row = await getDb(env)
    .select({ n: sql<number>`count(*)` })
    .from(feedbackVotes)
    .where(eq(feedbackVotes.itemId, itemId));
  return Number(row[0]?.n ?? 0);
}

export async function voterIds(env: Env, itemId: string): Promise<string[]> {
  const rows = await getDb(env).select({ id: feedbackVotes.userId }).from(feedbackVotes).where(eq(feedbackVotes.itemId, itemId));
  return rows.map((r) => r.id);
}

export async function writeFeedbackStatus(env: Env, itemId: string, status: FeedbackStatus, now: number) {
  await getDb(env).update(feedbackItems).set({ status, updatedAt: now }).where(eq(feedbackItems.id, itemId));
}

export async function setFeedbackHidden(env: Env, itemId: string, hiddenAt: number | null) {
  await getDb(env).update(feedbackItems).set({ hiddenAt }).where(eq(feedbackItems.id, itemId));
}

/**
 * Merges `dup` into `keepId` in one batch (decisions 74, 119): the duplicate's voters become voters
 * of the kept item (someone who voted for both counts once), the duplicate keeps no votes, both
 * counts are recounted from the rows, and the app's trending score loses the duplicate's counted
 * weights and gets back those that moved (suspended voters' weights stay out).
 *
 * Concurrency: every statement is conditioned on both items still being unmerged, and the claim
 * (`merged_into`) is the batch's last statement, so of two merges racing on the same items (the same
 * duplicate twice, or A→B against B→A) the first batch does everything and the second nothing. The
 * claim's RETURNING tells the caller whether it won; the voters are read in the same transaction.
 */
export async function mergeFeedbackRows(
  env: Env,
  dup: { id: string; appId: string },
  keepId: string,
  now: number,
): Promise<{ merged: boolean; voters: string[] }> {
  const db = getDb(env);
  const v = qualified;
  const bothOpen = sql`(SELECT count(*) FROM ${feedbackItems} AS m WHERE m.id IN (${dup.id}, ${keepId}) AND m.merged_into IS NULL) = 2`;
  const liveVoter = sql`NOT EXISTS (SELECT 1 FROM ${users} AS s WHERE s.id = ${v(feedbackVotes.userId)} AND s.suspended_at IS NOT NULL)`;
  const sumOf = (itemId: string, counted: boolean) =>
    sql`(SELECT coalesce(sum(${v(feedbackVotes.trendingWeight)}), 0) FROM ${feedbackVotes} WHERE ${v(feedbackVotes.itemId)} = ${itemId} AND ${v(feedbackVotes.counted)} = ${counted ? 1 : 0}${counted ? sql`` : sql` AND ${liveVoter}`})`;
  const results = await db.batch([
    db
      .select({ id: feedbackVotes.userId })
      .from(feedbackVotes)
      .where(and(eq(feedbackVotes.itemId, dup.id), bothOpen)),
    db
      .insert(feedbackVotes)
      .select(
        sql`SELECT ${keepId}, ${v(feedbackVotes.userId)}, ${v(feedbackVotes.createdAt)}, ${v(feedbackVotes.trendingWeight)}, 0 FROM ${feedbackVotes} WHERE ${v(feedbackVotes.itemId)} = ${dup.id} AND ${bothOpen}`,
      )
      .onConflictDoNothing(),
    // Trending: the duplicate's counted votes leave, the live ones that moved come back (a voter of both counts once).
    db
      .update(apps)
      .set({ trendingScore: sql`${apps.trendingScore} - ${sumOf(dup.id, true)} + ${sumOf(keepId, false)}` })
      .where(and(eq(apps.id, dup.appId), bothOpen)),
    db
      .update(feedbackVotes)
      .set({ counted: true })
      .where(and(eq(feedbackVotes.itemId, keepId), eq(feedbackVotes.counted, false), liveVoter, bothOpen)),
    db.delete(feedbackVotes).where(and(eq(feedbackVotes.itemId, dup.id), bothOpen)),
    db
      .update(feedbackItems)
      .set({ voteCount: voteRecount(keepId), updatedAt: now })
      .where(and(eq(feedbackItems.id, keepId), bothOpen)),
    db
      .update(feedbackItems)
      .set({ mergedInto: keepId, voteCount: 0, updatedAt: now })
      .where(and(eq(feedbackItems.id, dup.id), bothOpen))
      .returning({ id: feedbackItems.id }),
  ]);
  const voters = results[0] as { id: string }[];
  const claimed = results[results.length - 1] as { id: string }[];
  return { merged: claimed.length > 0, voters: claimed.length ? voters.map((r) => r.id) : [] };
}

/** An app's board totals for the app page: visible items and their upvotes (decision 119's rule). */
const appVoteTotalQuery = (db: Db, appId: string) =>
  db
    .select({
      items: sql<number>`count(*)`,
      votes: appUpvotesSql(sql`${appId}`),
    })
    .from(feedbackItems)
    .innerJoin(users, eq(users.id, feedbackItems.authorId))
    .where(
      and(eq(feedbackItems.appId, appId), isNull(feedbackItems.mergedInto), isNull(feedbackItems.hiddenAt), isNull(users.suspendedAt)),
    );

const voteTotalOf = (rows: unknown) => {
  const row = (rows as { items: number; votes: number }[])[0];
  return { items: Number(row?.items ?? 0), votes: Number(row?.votes ?? 0) };
};

export async function appVoteTotal(env: Env, appId: string): Promise<{ items: number; votes: number }> {
  return voteTotalOf(await appVoteTotalQuery(getDb(env), appId));
}

export type { FeedbackKind };

// ── the maker's feedback digest (decision 120) ──────────────────────────────────────────────────

/** Claims a UTC day for queueing digests; true only for the first caller. */
export async function claimDigestDay(env: Env, day: string, now: number): Promise<boolean> {
  const out = await getDb(env)
    .insert(feedbackDigestDays)
    .values({ day, queuedAt: now })
    .onConflictDoNothing()
    .returning({ day: feedbackDigestDays.day });
  return out.length > 0;
}

export async function recordDigestMakers(env: Env, day: string, makers: number) {
  await getDb(env).update(feedbackDigestDays).set({ makers }).where(eq(feedbackDigestDays.day, day));
}

/** Makers with new feedback in the window (one digest each). */
export async function makersWithNewFeedback(env: Env, since: number, until: number): Promise<string[]> {
  const rows = await getDb(env)
    .selectDistinct({ makerId: feedbackItems.makerId })
    .from(feedbackItems)
    .innerJoin(users, eq(users.id, feedbackItems.authorId))
    .where(newFeedbackWhere(since, until));
  return rows.map((r) => r.makerId);
}

// ── moderation holds: hidden posts, apps and profiles (decision 121) ───────────────────────────

export async function listHolds(env: Env, limit = 100) {
  return getDb(env).select().from(moderationHolds).orderBy(desc(moderationHolds.hiddenAt)).limit(limit);
}

/** Every cached page of the owner and discovery/home get new keys (the edge cache's purge). */
const purgeOwnerPages = (db: ReturnType<typeof getDb>, ownerId: string) =>
  [
    db
      .update(creators)
      .set({ version: sql`${creators.version} + 1` })
      .where(eq(creators.userId, ownerId)),
    db
      .update(counters)
      .set({ value: sql`${counters.value} + 1` })
      .where(eq(counters.name, "catalog")),
  ] as const;

/**
 * Hides a post, app or profile in one batch: the hold (its `prior` state), the content taken out of
 * every public output, and the cache keys moved. A second hide of the same target changes nothing
 * (the hold is claimed first; the other statements are conditioned on it being this batch's).
 */
export async function writeHold(
  env: Env,
  h: { type: HoldTarget; id: string; ownerId: string; prior: string; label: string; by: string; now: number },
) {
  const db = getDb(env);
  const mine = sql`EXISTS (SELECT 1 FROM ${moderationHolds} AS h WHERE h.target_type = ${h.type} AND h.target_id = ${h.id} AND h.hidden_at = ${h.now} AND h.hidden_by = ${h.by})`;
  const hide =
    h.type === "post"
      ? db
          .update(posts)
          .set({ status: "draft", publishAt: null })
          .where(and(eq(posts.id, h.id), mine))
      : h.type === "app"
        ? db
            .update(apps)
            .set({ published: false, version: sql`${apps.version} + 1` })
            .where(and(eq(apps.id, h.id), mine))
        : db
            .update(creators)
            .set({ hiddenAt: h.now })
            .where(and(eq(creators.userId, h.id), mine));
  const [claimed] = await db.batch([
    db
      .insert(moderationHolds)
      .values({ targetType: h.type, targetId: h.id, ownerId: h.ownerId, prior: h.prior, label: h.label, hiddenAt: h.now, hiddenBy: h.by })
      .onConflictDoNothing()
      .returning({ id: moderationHolds.targetId }),
    hide,
    ...purgeOwnerPages(db, h.ownerId),
  ]);
  return claimed.length > 0;
}

/**
 * Unhides: restores the prior state (a profile stays hidden while its person is suspended) and drops
 * the hold. True only for the batch that dropped it (of two unhides racing, one), so the caller
 * restores feed entries once.
 */
export async function releaseHold(env: Env, hold: typeof moderationHolds.$inferSelect): Promise<boolean> {
  const db = getDb(env);
  const held = sql`EXISTS (SELECT 1 FROM ${moderationHolds} AS h WHERE h.target_type = ${hold.targetType} AND h.target_id = ${hold.targetId})`;
  const restore =
    hold.targetType === "post"
      ? db
          .update(posts)
          .set({ status: hold.prior === "published" ? "published" : "draft" })
          .where(and(eq(posts.id, hold.targetId), held))
      : hold.targetType === "app"
        ? db
            .update(apps)
            .set({ published: hold.prior === "1", version: sql`${apps.version} + 1` })
            .where(and(eq(apps.id, hold.targetId), held))
        : db
            .update(creators)
            .set({ hiddenAt: null })
            .where(
              and(
                eq(creators.userId, hold.targetId),
                held,
                sql`NOT EXISTS (SELECT 1 FROM ${users} AS u WHERE u.id = ${hold.targetId} AND (u.suspended_at IS NOT NULL OR u.deleted_at IS NOT NULL))`,
              ),
            );
  const [, dropped] = await db.batch([
    restore,
    db
      .delete(moderationHolds)
      .where(and(eq(moderationHolds.targetType, hold.targetType), eq(moderationHolds.targetId, hold.targetId)))
      .returning({ id: moderationHolds.targetId }),
    ...purgeOwnerPages(db, hold.ownerId),
  ]);
  return dropped.length > 0;
}
