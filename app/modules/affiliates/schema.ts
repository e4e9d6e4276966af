import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

/**
 * A creator's affiliate program (decision 0109): one per creator. Affiliates earn `commissionPercent`
 * (1–50) of the creator's net (after the platform fee and any discount) on sales of the chosen
 * offerings made within `cookieDays` of their last click, and on a subscription's renewals for
 * `recurringMonths` after it started. Commissions become payable `holdDays` after the sale.
 */
export const affiliatePrograms = sqliteTable("affiliate_programs", {
  creatorId: text("creator_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  commissionPercent: integer("commission_percent").notNull(),
  cookieDays: integer("cookie_days").notNull().default(30),
  recurringMonths: integer("recurring_months").notNull().default(0),
  holdDays: integer("hold_days").notNull().default(30),
  /** active | paused (paused: no new commissions; links still record clicks) */
  status: text("status").notNull().default("active"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** The offerings a program covers: `kind` product | tier (each id belongs to the program's creator). */
export const affiliateProgramItems = sqliteTable(
  "affiliate_program_items",
  {
    creatorId: text("creator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    itemId: text("item_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.itemId] }), index("affiliate_program_items_creator_idx").on(t.creatorId)],
);

/** A person in a creator's program, with the code their links carry (`?via=CODE`). */
export const affiliates = sqliteTable(
  "affiliates",
  {
    id: text("id").primaryKey(),
    creatorId: text("creator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Upper-case, unique across the platform (a link names no creator). */
    code: text("code").notNull().unique(),
    /** active | removed (removed by the creator: links stop attributing; earned commissions stay) */
    status: text("status").notNull().default("active"),
    /** Link clicks (every redirect), counted in one statement each. */
    clicks: integer("clicks").notNull().default(0),
    /** Unique visitors per day summed over days (decision 0135): kept by a trigger on `affiliate_click_days`. */
    uniqueClicks: integer("unique_clicks").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("affiliates_creator_user_idx").on(t.creatorId, t.userId), index("affiliates_user_idx").on(t.userId)],
);

/**
 * One row per (affiliate link, UTC day, visitor): the visitor is a keyed hash of the signed-in id,
 * or else of the address and browser, salted with the day (decision 0135) — nothing that follows a
 * person across days. `INSERT OR IGNORE`; a trigger adds 1 to `affiliates.unique_clicks` per new row.
 */
export const affiliateClickDays = sqliteTable(
  "affiliate_click_days",
  {
    affiliateId: text("affiliate_id")
      .notNull()
      .references(() => affiliates.id, { onDelete: "cascade" }),
    day: integer("day").notNull(),
    visitor: text("visitor").notNull(),
  },
  (t) => [primaryKey({ columns: [t.affiliateId, t.day, t.visitor] })],
);

/** A signed-in person's last affiliate click per creator (the first-party cookie carries it for everyone). */
export const affiliateAttributions = sqliteTable(
  "affiliate_attributions",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    creatorId: text("creator_id").notNull(),
    affiliateId: text("affiliate_id").notNull(),
    clickedAt: integer("clicked_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.creatorId] })],
);

/**
 * The commissions ledger: one row per (kind, paid order/invoice). `kind` affiliate (a creator's
 * affiliate, `base` = the creator's net) | referral (a platform referrer, `base` = the platform fee).
 * `amount` = round half up of base × percent / 100; `reversed` grows with refunds (proportionally).
 * Status: pending (until `availableAt`) → payable → paid (`payoutId`) | reversed (fully refunded).
 */
export const commissions = sqliteTable(
  "commissions",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    /** Who earns it (the affiliate's or the referrer's user id). */
    beneficiaryId: text("beneficiary_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Whose sale it was. */
    creatorId: text("creator_id").notNull(),
    affiliateId: text("affiliate_id"),
    /** order | invoice */
    sourceType: text("source_type").notNull(),
    sourceId: text("source_id").notNull(),
    /** The order's / invoice's payment (how refunds and payouts find the charge). */
    paymentIntentId: text("payment_intent_id"),
    currency: text("currency").notNull(),
    gross: integer("gross").notNull(),
    base: integer("base").notNull(),
    percent: integer("percent").notNull(),
    amount: integer("amount").notNull(),
    reversed: integer("reversed").notNull().default(0),
    /** `reversed` when the row was claimed into a payout: the payout carried `amount - paidReversed` (decision 0134). */
    paidReversed: integer("paid_reversed").notNull().default(0),
    status: text("status").notNull(),
    availableAt: integer("available_at").notNull(),
    payoutId: text("payout_id"),
    /** For affiliate commissions: the reversal that took the commission back from the creator's transfer. */
    recoveredTransferReversalId: text("recovered_reversal_id"),
    paidAt: integer("paid_at"),
    /**
     * Settlement lease (decision 0136): one settler at a time per paid commission. A settler claims
     * it in one conditional UPDATE (`settling_until < now` → now + 60 s); 0 = nobody settling. A
     * lease left in the past (a settler that died) is picked up by the payout sweep.
     */
    settlingUntil: integer("settling_until").notNull().default(0),
    /** Set by a settler that found the lease held: the holder runs another pass before it lets go. */
    settleAgain: integer("settle_again", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("commissions_source_idx").on(t.kind, t.sourceType, t.sourceId),
    index("commissions_beneficiary_idx").on(t.beneficiaryId, t.status),
    index("commissions_creator_idx").on(t.creatorId, t.createdAt),
    index("commissions_pi_idx").on(t.paymentIntentId),
    index("commissions_due_idx")
      .on(t.availableAt)
      .where(sql`status IN ('pending','payable') AND payout_id IS NULL`),
    index("commissions_settling_idx")
      .on(t.settlingUntil)
      .where(sql`settling_until > 0`),
  ],
);

/** One Stripe transfer paying a beneficiary's due commissions in one currency (idempotency key = id). */
export const commissionPayouts = sqliteTable(
  "commission_payouts",
  {
    id: text("id").primaryKey(),
    beneficiaryId: text("beneficiary_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    currency: text("currency").notNull(),
    amount: integer("amount").notNull(),
    stripeAccountId: text("stripe_account_id").notNull(),
    stripeTransferId: text("stripe_transfer_id"),
    /** open (claimed, transfer not yet confirmed) → paid | failed */
    status: text("status").notNull(),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("commission_payouts_beneficiary_idx").on(t.beneficiaryId, t.createdAt)],
);

/** A person's platform referral code (`/join?ref=CODE`), made the first time they look for it. */
export const referralCodes = sqliteTable("referral_codes", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  code: text("code").notNull().unique(),
  createdAt: integer("created_at").notNull(),
});

/** Who referred whom, recorded at sign-up; the referrer earns a share of the platform fee until `endsAt`. */
export const platformReferrals = sqliteTable(
  "platform_referrals",
  {
    referredId: text("referred_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    referrerId: text("referrer_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    endsAt: integer("ends_at").notNull(),
  },
  (t) => [index("platform_referrals_referrer_idx").on(t.referrerId)],
);
