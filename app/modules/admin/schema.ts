import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";

/**
 * Every admin action, append-only: who did what to which target, when and why (decision 67).
 * `adminId` is not a foreign key: the log outlives the accounts it names.
 */
export const adminActions = sqliteTable(
  "admin_actions",
  {
    id: text("id").primaryKey(),
    adminId: text("admin_id").notNull(),
    adminEmail: text("admin_email").notNull(),
    /** e.g. "suspend", "unsuspend", "feature", "unfeature", "reorder-featured". */
    action: text("action").notNull(),
    /** "user" or "app". */
    targetType: text("target_type").notNull(),
    targetId: text("target_id").notNull(),
    /** A readable name of the target at the time (email, @handle or app slug). */
    targetLabel: text("target_label").notNull(),
    reason: text("reason").notNull().default(""),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("admin_actions_created_idx").on(t.createdAt)],
);
