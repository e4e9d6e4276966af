import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";
import { creators } from "../storefronts/schema";

export const ACTIVITY_KINDS = ["post", "app_new", "app_status"] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/**
 * Something a creator did that belongs in their followers' feeds. For posts the id is the post id
 * (so publishing twice is one activity). `delivery` records how it reaches followers: "push" —
 * fanned out into feed_items; "pull" — the creator is above the fan-out threshold and the feed
 * merges it in at read time.
 */
export const activities = sqliteTable(
  "activities",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    kind: text("kind", { enum: ACTIVITY_KINDS }).notNull(),
    /** The post id for posts; the app id for app activities. */
    subjectId: text("subject_id").notNull(),
    /** Shown for app activities (posts are re-read and gated at render time). */
    title: text("title").notNull(),
    summary: text("summary").notNull().default(""),
    url: text("url").notNull(),
    delivery: text("delivery", { enum: ["push", "pull"] })
      .notNull()
      .default("push"),
    publishedAt: integer("published_at").notNull(),
  },
  (t) => [
    index("activities_creator_idx").on(t.creatorId, t.publishedAt),
    index("activities_subject_idx").on(t.subjectId),
    // The feed's read-time merge: pull activities of the creators a reader follows, newest first.
    index("activities_pull_idx").on(t.delivery, t.creatorId, t.publishedAt),
  ],
);

/** A user's materialised feed: one row per (user, activity). Capped per user (FEED_CAP). */
export const feedItems = sqliteTable(
  "feed_items",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    activityId: text("activity_id")
      .notNull()
      .references(() => activities.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    publishedAt: integer("published_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.activityId] }),
    index("feed_items_user_time_idx").on(t.userId, t.publishedAt, t.activityId),
    index("feed_items_activity_idx").on(t.activityId),
  ],
);
