import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

/** Membership tiers a creator offers. Capacity (when capped) is held by the tier's Durable Object. */
export const tiers = sqliteTable(
  "tiers",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    benefits: text("benefits", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** free | fixed | pwyw */
    pricing: text("pricing").notNull(),
    currency: text("currency").notNull().default("usd"),
    /** Integer minor units; null when that interval isn't offered. */
    monthlyAmount: integer("monthly_amount"),
    annualAmount: integer("annual_amount"),
    /** Pay-what-you-want: the minimum per month. */
    pwywMinimum: integer("pwyw_minimum"),
    maxSubscribers: integer("max_subscribers"),
    /** active | archived */
    status: text("status").notNull().default("active"),
    stripeProductId: text("stripe_product_id"),
    stripeMonthlyPriceId: text("stripe_monthly_price_id"),
    stripeAnnualPriceId: text("stripe_annual_price_id"),
    position: integer("position").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("tiers_creator").on(t.creatorId, t.status, t.position)],
);
