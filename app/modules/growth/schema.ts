import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

/**
 * A creator's discount code (D102): percent or fixed amount off chosen products (or all of them),
 * with an optional expiry, redemption cap and first-time-buyers-only rule. Applied in Checkout as
 * the Stripe coupon `stripe_coupon_id` (made on first use); the cap is enforced here, not by Stripe.
 */
export const discountCodes = sqliteTable(
  "discount_codes",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** What buyers type, stored upper-case; unique per creator. */
    code: text("code").notNull(),
    /** percent | amount */
    kind: text("kind").notNull(),
    /** 1–100 for `percent`. */
    percentOff: integer("percent_off"),
    /** Minor units for `amount`, in `currency`. */
    amountOff: integer("amount_off"),
    currency: text("currency"),
    /** all | chosen (then `discount_code_products` lists them) */
    appliesTo: text("applies_to").notNull().default("all"),
    expiresAt: integer("expires_at"),
    maxRedemptions: integer("max_redemptions"),
    firstTimeOnly: integer("first_time_only", { mode: "boolean" }).notNull().default(false),
    stripeCouponId: text("stripe_coupon_id"),
    /** active | archived */
    status: text("status").notNull().default("active"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("discount_codes_creator_code_idx").on(t.creatorId, t.code)],
);

/** The products a `chosen` code applies to. */
export const discountCodeProducts = sqliteTable(
  "discount_code_products",
  {
    codeId: text("code_id")
      .notNull()
      .references(() => discountCodes.id, { onDelete: "cascade" }),
    productId: text("product_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.codeId, t.productId] })],
);

/**
 * Each use of a code. A row is `reserved` while its Checkout Session is open (it counts against the
 * cap until `expires_at`), `redeemed` once paid (or at once for a 100%-off order), `released` when
 * the session expired. The cap is checked and the row written in one INSERT … SELECT (D102).
 */
export const discountRedemptions = sqliteTable(
  "discount_redemptions",
  {
    id: text("id").primaryKey(),
    codeId: text("code_id")
      .notNull()
      .references(() => discountCodes.id, { onDelete: "cascade" }),
    buyerId: text("buyer_id").notNull(),
    productId: text("product_id").notNull(),
    /** The Checkout Session (or `free_…` order key) it was used in; set once Stripe answered. */
    sessionId: text("session_id"),
    /** reserved | redeemed | released */
    status: text("status").notNull(),
    currency: text("currency").notNull(),
    amountSubtotal: integer("amount_subtotal").notNull(),
    amountDiscount: integer("amount_discount").notNull(),
    expiresAt: integer("expires_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("discount_redemptions_code_idx").on(t.codeId, t.status, t.expiresAt),
    uniqueIndex("discount_redemptions_session_idx")
      .on(t.sessionId)
      .where(sql`session_id IS NOT NULL`),
  ],
);
