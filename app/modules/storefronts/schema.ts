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
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
