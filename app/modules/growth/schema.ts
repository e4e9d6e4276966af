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
    /** For tiers (D114): once (the first payment) | repeating (`duration_months` of payments) | forever. */
    duration: text("duration").notNull().default("once"),
    durationMonths: integer("duration_months"),
    stripeCouponId: text("stripe_coupon_id"),
    /** active | archived */
    status: text("status").notNull().default("active"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("discount_codes_creator_code_idx").on(t.creatorId, t.code)],
);

/** The offerings a `chosen` code applies to: `product_id` is the id of a product, tier or service (`kind`). */
export const discountCodeProducts = sqliteTable(
  "discount_code_products",
  {
    codeId: text("code_id")
      .notNull()
      .references(() => discountCodes.id, { onDelete: "cascade" }),
    productId: text("product_id").notNull(),
    /** product | tier | service */
    kind: text("kind").notNull().default("product"),
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
    /** The product, tier or service (`kind`) it was used for. */
    productId: text("product_id").notNull(),
    kind: text("kind").notNull().default("product"),
    /** The Checkout Session (or `free_…` order key) it was used in; set once Stripe answered. */
    sessionId: text("session_id"),
    /** reserved | redeemed | released | refunded (a full refund gave the use back, D113) */
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

/**
 * A paid promotion of one app or product in one placement (`home`, `discover` or `discover:<category>`) for `days` days
 * from `start_day` (days since the epoch, UTC). Paid to the platform (no Connect split); shown only
 * once an admin approved it, always labelled "Promoted", never part of organic ranking (D104).
 * pending_payment → in_review (paid) → approved | rejected (refunded pro rata);
 * pending_payment → expired (checkout lapsed); in_review → refunded (paid after its slot was gone).
 */
export const promotions = sqliteTable(
  "promotions",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** What is promoted (D115): one app or one product (the other is null). */
    appId: text("app_id"),
    productId: text("product_id"),
    placement: text("placement").notNull(),
    startDay: integer("start_day").notNull(),
    days: integer("days").notNull(),
    /** Price per day when bought (minor units) and the total charged = per day × days. */
    dayAmount: integer("day_amount").notNull(),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status").notNull(),
    checkoutSessionId: text("checkout_session_id").unique(),
    paymentIntentId: text("payment_intent_id"),
    rejectReason: text("reject_reason"),
    refundedAmount: integer("refunded_amount").notNull().default(0),
    impressions: integer("impressions").notNull().default(0),
    clicks: integer("clicks").notNull().default(0),
    reviewedBy: text("reviewed_by"),
    reviewedAt: integer("reviewed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("promotions_live_idx").on(t.placement, t.status, t.startDay),
    index("promotions_creator_idx").on(t.creatorId, t.createdAt),
    index("promotions_status_idx").on(t.status, t.createdAt),
  ],
);

/** The platform's price per day for each placement kind (`home`, `discover`), set by admins. */
export const promotionPrices = sqliteTable("promotion_prices", {
  placementKind: text("placement_kind").primaryKey(),
  dayAmount: integer("day_amount").notNull(),
  currency: text("currency").notNull(),
  updatedBy: text("updated_by"),
  updatedAt: integer("updated_at").notNull(),
});
