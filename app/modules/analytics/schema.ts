import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";
import { creators } from "../storefronts/schema";

/**
 * What a rollup row counts: the whole storefront (`creator`, item id "") or one page/item; a
 * `promotion` row counts a paid promotion's impressions (`views`) and clicks (`tries`), D115.
 */
export const ANALYTICS_ITEM_KINDS = ["creator", "storefront", "app", "product", "tier", "post", "service", "promotion"] as const;
export type AnalyticsItemKind = (typeof ANALYTICS_ITEM_KINDS)[number];

/**
 * Per-creator daily rollups (decision 0091): one row per (creator, creator-local day, item). The
 * `creator` row (item id "") holds the storefront-wide totals; item rows hold one page's numbers.
 * Rows grow with creators × days × items viewed that day, never with traffic.
 */
export const analyticsDaily = sqliteTable(
  "analytics_daily",
  {
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    /** YYYY-MM-DD in the creator's time zone at the moment of the event. */
    day: text("day").notNull(),
    itemKind: text("item_kind", { enum: ANALYTICS_ITEM_KINDS }).notNull(),
    itemId: text("item_id").notNull().default(""),
    views: integer("views").notNull().default(0),
    uniques: integer("uniques").notNull().default(0),
    tries: integer("tries").notNull().default(0),
    follows: integer("follows").notNull().default(0),
    unfollows: integer("unfollows").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.creatorId, t.day, t.itemKind, t.itemId] })],
);

/** Referrer hosts and UTM values per creator per day, at most TOP_N values per dimension (the rest in "(other)"). */
export const analyticsSources = sqliteTable(
  "analytics_sources",
  {
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    day: text("day").notNull(),
    /** ref | utm_source | utm_medium | utm_campaign */
    dim: text("dim").notNull(),
    value: text("value").notNull(),
    views: integer("views").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.creatorId, t.day, t.dim, t.value] })],
);

/**
 * The dedupe log behind "unique visitors per day": the salted daily visitor key (never an IP or a
 * cookie) per creator, day and scope ("" = storefront-wide, else "kind:id"). Pruned after
 * VISITOR_KEEP_DAYS: the key changes every day anyway, so old rows can never match again.
 */
export const analyticsVisitors = sqliteTable(
  "analytics_visitors",
  {
    creatorId: text("creator_id").notNull(),
    day: text("day").notNull(),
    scope: text("scope").notNull(),
    visitor: text("visitor").notNull(),
    seenAt: integer("seen_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.creatorId, t.day, t.scope, t.visitor] }), index("analytics_visitors_seen_idx").on(t.seenAt)],
);

/** Queue messages already applied to the rollups (idempotency), pruned after a few days. */
export const analyticsApplied = sqliteTable(
  "analytics_applied",
  {
    id: text("id").primaryKey(),
    appliedAt: integer("applied_at").notNull(),
  },
  (t) => [index("analytics_applied_at_idx").on(t.appliedAt)],
);

/** Signed-in people active per month: `days` is a bit set of the (UTC) days of the month they came back. */
export const analyticsUserMonths = sqliteTable(
  "analytics_user_months",
  {
    month: text("month").notNull(),
    userId: text("user_id").notNull(),
    days: integer("days").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.month, t.userId] })],
);

/** The creator's analytics settings: the time zone that decides "which day" (default UTC). */
export const analyticsSettings = sqliteTable("analytics_settings", {
  creatorId: text("creator_id")
    .primaryKey()
    .references(() => creators.userId, { onDelete: "cascade" }),
  timeZone: text("time_zone").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Each paid membership's normalised monthly recurring revenue over time (annual ÷ 12, rounded half
 * up to the minor unit; 0 once it ends), appended by triggers on `memberships` (custom migration)
 * whenever the value changes — whichever code path wrote the membership. MRR movements and cohorts
 * are read from here.
 */
export const membershipMrrLog = sqliteTable(
  "membership_mrr_log",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    membershipId: text("membership_id").notNull(),
    creatorId: text("creator_id").notNull(),
    tierId: text("tier_id").notNull(),
    at: integer("at").notNull(),
    mrr: integer("mrr").notNull(),
    currency: text("currency"),
  },
  (t) => [
    index("membership_mrr_log_creator_idx").on(t.creatorId, t.at),
    index("membership_mrr_log_membership_idx").on(t.membershipId, t.seq),
  ],
);

/**
 * The creator NPS survey (decision 0122): at most one row per creator per (UTC) quarter — an
 * answer (score 0–10, optional comment) or a dismissal (score null). The primary key is what makes
 * "at most once a quarter" exact: a second answer in the same quarter inserts nothing.
 */
export const creatorNps = sqliteTable(
  "creator_nps",
  {
    creatorId: text("creator_id")
      .notNull()
      .references(() => creators.userId, { onDelete: "cascade" }),
    /** "YYYY-Qn", UTC. */
    quarter: text("quarter").notNull(),
    /** 0–10; null when the creator dismissed the survey. */
    score: integer("score"),
    comment: text("comment"),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.creatorId, t.quarter] }), index("creator_nps_quarter_idx").on(t.quarter)],
);
