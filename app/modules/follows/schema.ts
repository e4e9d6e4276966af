import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";
import { creators } from "../storefronts/schema";

/**
 * Follow edges, written ONLY by the creator's CreatorGraph Durable Object (its outbox drain), which
 * is the source of truth. Read here for lists, "most followed" and (later) feed fan-out.
 */
export const follows = sqliteTable(
  "follows",
  {
    followerId: text("follower_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.creatorId, t.followerId] }), index("follows_follower_idx").on(t.followerId, t.createdAt)],
);

/** The DO's follower count mirrored into D1 (guarded by the DO's outbox sequence number). */
export const creatorStats = sqliteTable("creator_stats", {
  creatorId: text("creator_id")
    .primaryKey()
    .references(() => creators.userId, { onDelete: "cascade" }),
  followerCount: integer("follower_count").notNull().default(0),
  followSeq: integer("follow_seq").notNull().default(0),
});
