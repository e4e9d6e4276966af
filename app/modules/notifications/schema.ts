import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

export const NOTIFICATION_KINDS = [
  "new_post",
  "new_follower",
  "new_subscriber",
  "new_purchase",
  "waitlist_offer",
  // Community (decision 73): replies, comments on your post/app, @mentions, feedback for your app, status of feedback you voted for.
  "comment_reply",
  "new_comment",
  "mention",
  "new_feedback",
  "feedback_status",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * In-app notifications (the bell), shared by every module: posts/follows, payments'
 * sales, subscribers and waitlist offers (its TierSeats DO inserts rows with raw SQL using
 * id, user_id, kind, message, link, expires_at, created_at). (user, kind, subject) is unique so
 * retries never duplicate; rows without a subject dedupe on their id instead.
 */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).$type<NotificationKind>().notNull(),
    /** What it is about: a post id, a follower's user id, an order id… */
    subjectId: text("subject_id"),
    /** Who caused it (a creator, a follower, a buyer), if anyone. */
    actorId: text("actor_id"),
    message: text("message").notNull(),
    link: text("link"),
    /** Offers that lapse (a held waitlist seat) stop showing after this time. */
    expiresAt: integer("expires_at"),
    createdAt: integer("created_at").notNull(),
    readAt: integer("read_at"),
    /** Repeats of the same thing (members joining one tier, sales of one product, new followers) share a key and show as one line. */
    groupKey: text("group_key"),
    /** What the group is about, for its summary line ("Inner circle" in "9 new members joined Inner circle"). */
    groupLabel: text("group_label"),
    /** Who did it, as the recipient should read it ("Ana Ruiz (@ana)"). */
    actorName: text("actor_name"),
  },
  (t) => [
    uniqueIndex("notifications_once_uq").on(t.userId, t.kind, t.subjectId),
    index("notifications_user_time_idx").on(t.userId, t.createdAt),
    index("notifications_unread_idx").on(t.userId, t.readAt),
    index("notifications_subject_idx").on(t.subjectId),
    index("notifications_group_idx").on(t.userId, t.groupKey, t.readAt),
  ],
);
