import { sqliteTable, text, integer, real, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";
import { users } from "../identity/schema";

/** What a comment thread hangs on: a post, an app page, or an item of an app's feedback board. */
export const COMMENT_TARGETS = ["post", "app", "feedback"] as const;
export type CommentTarget = (typeof COMMENT_TARGETS)[number];

/**
 * Comments and their one level of replies (decision 73). `ownerId` is the person who moderates the
 * thread (the post's creator, the app's maker), copied at write time so moderation checks and
 * "creator reply" marks need no join. Likes are rows in `comment_likes`; `likeCount` is recounted
 * from them in the same D1 batch as every like/unlike, so it is exact under concurrency.
 */
export const comments = sqliteTable(
  "comments",
  {
    id: text("id").primaryKey(),
    targetType: text("target_type", { enum: COMMENT_TARGETS }).notNull(),
    targetId: text("target_id").notNull(),
    ownerId: text("owner_id").notNull(),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Null for a top-level comment; replies always point at a top-level comment (one level). */
    parentId: text("parent_id"),
    bodyMarkdown: text("body_markdown").notNull(),
    createdAt: integer("created_at").notNull(),
    editedAt: integer("edited_at"),
    /** Deleted by its author: the text is wiped; the row stays as "comment deleted" while it has replies. */
    deletedAt: integer("deleted_at"),
    /** Hidden by the thread's owner or an admin: visible to its author only. */
    hiddenAt: integer("hidden_at"),
    pinnedAt: integer("pinned_at"),
    likeCount: integer("like_count").notNull().default(0),
    replyCount: integer("reply_count").notNull().default(0),
  },
  (t) => [
    index("comments_thread_new_idx").on(t.targetType, t.targetId, t.parentId, t.createdAt, t.id),
    index("comments_thread_top_idx").on(t.targetType, t.targetId, t.parentId, t.likeCount, t.id),
    index("comments_parent_idx").on(t.parentId, t.createdAt),
    index("comments_author_idx").on(t.authorId, t.createdAt),
    uniqueIndex("comments_one_pin_uq")
      .on(t.targetType, t.targetId)
      .where(sql`pinned_at IS NOT NULL`),
  ],
);

/** One like per person per comment (the primary key is the rule). */
export const commentLikes = sqliteTable(
  "comment_likes",
  {
    commentId: text("comment_id")
      .notNull()
      .references(() => comments.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.commentId, t.userId] })],
);

export const REACTIONS = ["heart", "fire", "clap", "idea"] as const;
export type Reaction = (typeof REACTIONS)[number];

/** One reaction per person per post (choosing another replaces it); counts are GROUP BYs of these rows. */
export const postReactions = sqliteTable(
  "post_reactions",
  {
    postId: text("post_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    reaction: text("reaction", { enum: REACTIONS }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.postId, t.userId] }), index("post_reactions_post_idx").on(t.postId, t.reaction)],
);

export const COMMENT_POLICIES = ["everyone", "members", "off"] as const;
export type CommentPolicy = (typeof COMMENT_POLICIES)[number];

/** Who may comment on a thread, chosen by its owner; no row = "everyone who can read it". */
export const commentPolicies = sqliteTable(
  "comment_policies",
  {
    targetType: text("target_type", { enum: COMMENT_TARGETS }).notNull(),
    targetId: text("target_id").notNull(),
    policy: text("policy", { enum: COMMENT_POLICIES }).notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.targetType, t.targetId] })],
);

/**
 * A thread's version: bumped in the same batch as every write that changes what the thread shows to
 * readers (a comment added, edited, deleted, hidden, pinned, liked; an author's account deleted).
 * Readers' rendered thread pages are cached per isolate under it (decision 140). No row = version 0.
 */
export const commentThreads = sqliteTable(
  "comment_threads",
  {
    targetType: text("target_type", { enum: COMMENT_TARGETS }).notNull(),
    targetId: text("target_id").notNull(),
    version: integer("version").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.targetType, t.targetId] })],
);

/** People a creator/maker has blocked from commenting on (and filing feedback for) their content. */
export const communityBlocks = sqliteTable(
  "community_blocks",
  {
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.userId] })],
);

export const REPORT_TARGETS = ["comment", "feedback", "post", "app", "profile"] as const;
export type ReportTarget = (typeof REPORT_TARGETS)[number];
export const REPORT_REASONS = ["spam", "harassment", "illegal", "off_topic", "other"] as const;
export const REPORT_STATUSES = ["open", "dismissed", "actioned"] as const;

/** Reports filed by members; one open report per person per target. Admins resolve them in /admin/moderation. */
export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    reporterId: text("reporter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    targetType: text("target_type", { enum: REPORT_TARGETS }).notNull(),
    targetId: text("target_id").notNull(),
    reason: text("reason", { enum: REPORT_REASONS }).notNull(),
    note: text("note").notNull().default(""),
    status: text("status", { enum: REPORT_STATUSES }).notNull().default("open"),
    createdAt: integer("created_at").notNull(),
    resolvedAt: integer("resolved_at"),
    resolvedBy: text("resolved_by"),
  },
  (t) => [
    uniqueIndex("reports_once_uq").on(t.reporterId, t.targetType, t.targetId),
    index("reports_status_idx").on(t.status, t.createdAt),
    index("reports_target_idx").on(t.targetType, t.targetId),
  ],
);

export const FEEDBACK_KINDS = ["idea", "bug", "question"] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];
export const FEEDBACK_STATUSES = ["open", "planned", "in_progress", "done", "wont_do"] as const;
export type FeedbackStatus = (typeof FEEDBACK_STATUSES)[number];

/**
 * An app's public feedback board. `voteCount` is recounted from `feedback_votes` in the same batch
 * as every vote; `mergedInto` points a duplicate at the item that kept its votes.
 */
export const feedbackItems = sqliteTable(
  "feedback_items",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    makerId: text("maker_id").notNull(),
    authorId: text("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: FEEDBACK_KINDS }).notNull(),
    title: text("title").notNull(),
    bodyMarkdown: text("body_markdown").notNull().default(""),
    status: text("status", { enum: FEEDBACK_STATUSES }).notNull().default("open"),
    voteCount: integer("vote_count").notNull().default(0),
    mergedInto: text("merged_into"),
    hiddenAt: integer("hidden_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("feedback_app_votes_idx").on(t.appId, t.voteCount, t.id), index("feedback_app_new_idx").on(t.appId, t.createdAt, t.id)],
);

export const feedbackVotes = sqliteTable(
  "feedback_votes",
  {
    itemId: text("item_id")
      .notNull()
      .references(() => feedbackItems.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    /**
     * What this vote added to its app's `trending_score` (decision 76): the signal's weight (less for
     * accounts under a day old) times 2^((t − EPOCH)/half-life), so unvoting takes back exactly it.
     */
    trendingWeight: real("trending_weight").notNull().default(0),
    /** 0 until the vote's weight has been added to the app's score (set in the same batch). */
    counted: integer("counted", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.userId] }), index("feedback_votes_user_idx").on(t.userId)],
);

/**
 * One row per UTC day whose feedback digests were queued (decision 120): the cron runs every minute
 * and the first run of a day claims it with one INSERT … ON CONFLICT DO NOTHING, so each day's
 * digests are queued once however often the cron fires.
 */
export const feedbackDigestDays = sqliteTable("feedback_digest_days", {
  day: text("day").primaryKey(),
  queuedAt: integer("queued_at").notNull(),
  makers: integer("makers").notNull().default(0),
});

export const HOLD_TARGETS = ["post", "app", "profile"] as const;
export type HoldTarget = (typeof HOLD_TARGETS)[number];

/**
 * Content an admin hid from the moderation queue (decision 121): a post, an app or a profile. While
 * the row exists the content is out of every public output (the post is a draft, the app
 * unpublished, the storefront hidden) and its owner can't put it back; `prior` is what unhiding
 * restores (the post's status, the app's published flag).
 */
export const moderationHolds = sqliteTable(
  "moderation_holds",
  {
    targetType: text("target_type", { enum: HOLD_TARGETS }).notNull(),
    targetId: text("target_id").notNull(),
    ownerId: text("owner_id").notNull(),
    prior: text("prior").notNull().default(""),
    label: text("label").notNull().default(""),
    hiddenAt: integer("hidden_at").notNull(),
    hiddenBy: text("hidden_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.targetType, t.targetId] }), index("moderation_holds_time_idx").on(t.hiddenAt)],
);
