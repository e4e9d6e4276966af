import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

export const EXPORT_KINDS = ["data", "audience"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/**
 * A person's data export ("data": JSON of everything about them) or a creator's audience export
 * ("audience": CSV of followers and members), built by the export queue into R2 under `private/`
 * and downloadable by its owner only until `expiresAt` (decision 68).
 */
export const dataExports = sqliteTable(
  "data_exports",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: EXPORT_KINDS }).notNull(),
    /** pending | ready | failed */
    status: text("status").notNull().default("pending"),
    r2Key: text("r2_key"),
    size: integer("size"),
    createdAt: integer("created_at").notNull(),
    readyAt: integer("ready_at"),
    expiresAt: integer("expires_at"),
  },
  (t) => [index("data_exports_user_idx").on(t.userId, t.createdAt)],
);
