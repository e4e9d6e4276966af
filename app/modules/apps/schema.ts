import { sqliteTable, text, integer, real, index, primaryKey } from "drizzle-orm/sqlite-core";
import { creators } from "../storefronts/schema";

/** The fixed list of app categories; rows inserted by migrations/0002_apps_fts_categories.sql. */
export const appCategories = sqliteTable("app_categories", {
  slug: text("slug").primaryKey(),
  name: text("name").notNull(),
  sortOrder: integer("sort_order").notNull(),
});

export const APP_STATUSES = ["beta", "live", "coming_soon"] as const;
export type AppStatus = (typeof APP_STATUSES)[number];

/**
 * A creator's AI app. `slug` is unique platform-wide. The FTS5 index `apps_fts` (porter stemming,
 * its own copy of the text kept in sync by triggers in custom migration 0013) covers name, tagline,
 * description, tech stack and the category's name.
 */
export const apps = sqliteTable(
  "apps",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    tagline: text("tagline").notNull().default(""),
    descriptionMarkdown: text("description_markdown").notNull().default(""),
    appUrl: text("app_url").notNull(),
    demoVideoUrl: text("demo_video_url"),
    logoKey: text("logo_key"),
    categorySlug: text("category_slug")
      .notNull()
      .references(() => appCategories.slug),
    /** JSON array of up to 12 tags, also indexed by FTS (the tokenizer ignores the JSON punctuation). */
    techStack: text("tech_stack", { mode: "json" }).$type<string[]>().notNull().default([]),
    status: text("status", { enum: APP_STATUSES }).notNull().default("live"),
    featured: integer("featured", { mode: "boolean" }).notNull().default(false),
    /** Editorial order of featured apps (admin console): lowest first; null sorts last. */
    featuredRank: integer("featured_rank"),
    published: integer("published", { mode: "boolean" }).notNull().default(true),
    /** Bumped on every edit shown on the app page; part of its edge-cache key. */
    version: integer("version").notNull().default(1),
    /** Time-decayed signal sum in "epoch units" (lib/trending.ts, docs/apps-follows-discovery.md). */
    trendingScore: real("trending_score").notNull().default(0),
    viewCount: integer("view_count").notNull().default(0),
    tryCount: integer("try_count").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    publishedAt: integer("published_at"),
  },
  (t) => [
    index("apps_creator_idx").on(t.creatorId, t.createdAt),
    index("apps_discover_new_idx").on(t.published, t.publishedAt, t.id),
    index("apps_discover_trending_idx").on(t.published, t.trendingScore, t.id),
    index("apps_category_idx").on(t.categorySlug, t.published, t.trendingScore),
  ],
);

export const appScreenshots = sqliteTable(
  "app_screenshots",
  {
    id: text("id").primaryKey(),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    position: integer("position").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("app_screenshots_app_idx").on(t.appId, t.position)],
);

/**
 * An app's previous slugs, so `/apps/<old-slug>/…` keeps working after a rename (301 to the current
 * slug). An old slug stays reserved for its app: no other app can take it (its app can take it back,
 * which removes the row). Deleting the app deletes its rows (cascade), which frees the slugs.
 */
export const appSlugHistory = sqliteTable(
  "app_slug_history",
  {
    oldSlug: text("old_slug").primaryKey(),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("app_slug_history_app_idx").on(t.appId)],
);

/**
 * One row per (app, day, visitor, kind): the dedupe log behind "one count per visitor per app per day"
 * for page views and try-clicks. `visitor` is a user id or a keyed hash (HMAC) of IP + user agent + day.
 */
export const appVisits = sqliteTable(
  "app_visits",
  {
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    day: integer("day").notNull(),
    visitor: text("visitor").notNull(),
    kind: text("kind", { enum: ["view", "try"] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.day, t.kind, t.visitor] })],
);

/**
 * Small named counters, e.g. `catalog` (bumped on every app change, and by trigger on every change
 * to a published post — migration 0006; part of the /discover and home cache keys).
 */
export const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  value: integer("value").notNull().default(0),
});
