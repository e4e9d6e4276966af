import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

export type CreatorLinks = {
  website?: string;
  x?: string;
  github?: string;
  linkedin?: string;
  youtube?: string;
};

/** A user who has claimed a handle and so has a public storefront at /@handle. */
export const creators = sqliteTable("creators", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  /** Lower-case; unique. */
  handle: text("handle").notNull().unique(),
  displayName: text("display_name").notNull(),
  bioMarkdown: text("bio_markdown").notNull().default(""),
  avatarKey: text("avatar_key"),
  links: text("links", { mode: "json" }).$type<CreatorLinks>().notNull().default({}),
  /** Bumped on every edit that changes the public storefront; part of edge-cache keys. */
  version: integer("version").notNull().default(1),
  /** Last handle change (rate limit: once per 30 days, D62). */
  handleChangedAt: integer("handle_changed_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
  /**
   * Set while the creator's account is suspended or deleted: the storefront and everything on it
   * (apps, posts, products, tiers) is hidden from every public output (decision 67).
   */
  hiddenAt: integer("hidden_at"),
});

/**
 * Handles of deleted accounts, reserved until `releasedAt` (90 days after the deletion) so nobody
 * can pose as the person who left (decision 68).
 */
export const handleReservations = sqliteTable("handle_reservations", {
  handle: text("handle").primaryKey(),
  releasedAt: integer("released_at").notNull(),
});

/**
 * A handle given up by a rename (D62): for 90 days `/@old/...` answers 301 to the current handle
 * and nobody but its previous owner may claim it.
 */
export const handleRedirects = sqliteTable("handle_redirects", {
  oldHandle: text("old_handle").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  expiresAt: integer("expires_at").notNull(),
  createdAt: integer("created_at").notNull(),
});
