import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";
import { creators } from "../storefronts/schema";

export const POST_STATUSES = ["draft", "scheduled", "published"] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

/**
 * Who may read the part of a post after the paywall marker (or all of it when there is none):
 * public — everyone; followers — people who follow the creator; paid — any active paid subscriber;
 * tiers — active subscribers of one of `tierIds`; product — buyers of `productId`.
 */
export const VISIBILITIES = ["public", "followers", "paid", "tiers", "product"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Updates, build logs and tutorials written by a creator. */
export const posts = sqliteTable(
  "posts",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    /** Unique per creator; lower-case, hyphenated. */
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    bodyMarkdown: text("body_markdown").notNull().default(""),
    /** Optional plain-text teaser written by the creator; safe to show to everyone. */
    excerpt: text("excerpt"),
    coverKey: text("cover_key"),
    /**
     * Derived from body, excerpt and visibility by the posts service on every write (`listFields`),
     * so lists (storefront, feed, app pages, search) never read the body: the card teaser, and the
     * free preview's Markdown (before the paywall marker; null when there is no marker). Null
     * teaser: a row written before these columns existed; readers then derive both from the body.
     */
    teaser: text("teaser"),
    previewMarkdown: text("preview_markdown"),
    /** Optional link to one of the creator's apps (the apps registry). */
    appId: text("app_id"),
    status: text("status", { enum: POST_STATUSES }).notNull().default("draft"),
    visibility: text("visibility", { enum: VISIBILITIES }).notNull().default("public"),
    tierIds: text("tier_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
    productId: text("product_id"),
    /** For scheduled posts: when the cron should publish it (unix seconds). */
    publishAt: integer("publish_at"),
    /** First publication time; kept across edits so feeds keep their order. */
    publishedAt: integer("published_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("posts_creator_slug_uq").on(t.creatorId, t.slug),
    index("posts_creator_status_idx").on(t.creatorId, t.status, t.publishedAt),
    index("posts_due_idx").on(t.status, t.publishAt),
    index("posts_app_idx").on(t.appId, t.status),
  ],
);

/**
 * Private RSS feed tokens: a reader's personal feed URL for one creator, listing the full text of
 * the posts they may read. Only the SHA-256 of the token is stored; revoking deletes the row.
 */
export const rssTokens = sqliteTable(
  "rss_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("rss_tokens_user_creator_uq").on(t.userId, t.creatorId)],
);
