import { sqliteTable, text, integer, index, primaryKey, uniqueIndex } from "drizzle-orm/sqlite-core";
import { users } from "../identity/schema";

/**
 * Which products and tiers grant license keys (decision 0097): one row per offer. Keys are made by
 * SQL triggers when an order or membership row is inserted, so every way a sale is recorded
 * (webhook, free order, guest checkout, comp) grants one, exactly once.
 */
export const licensePolicies = sqliteTable("license_policies", {
  /** The product's or tier's id. */
  offerId: text("offer_id").primaryKey(),
  /** product | tier */
  offerType: text("offer_type").notNull(),
  creatorId: text("creator_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  /** Most machines/instances one key may be activated on; null = unlimited. */
  activationLimit: integer("activation_limit"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * License keys, one per order (product) or membership (tier). A key holds no status of its own
 * besides a creator's manual revocation: whether it is valid is read from its order or membership
 * at verification time, so a refund, cancellation or expiry revokes it at once.
 */
export const licenseKeys = sqliteTable(
  "license_keys",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull().unique(),
    creatorId: text("creator_id").notNull(),
    userId: text("user_id").notNull(),
    productId: text("product_id"),
    tierId: text("tier_id"),
    orderId: text("order_id"),
    membershipId: text("membership_id"),
    activationLimit: integer("activation_limit"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("license_keys_creator_user_idx").on(t.creatorId, t.userId),
    uniqueIndex("license_keys_order_idx").on(t.orderId),
    uniqueIndex("license_keys_membership_idx").on(t.membershipId),
  ],
);

/** Instances (machines, installs) a key is activated on; the limit is enforced in one INSERT … SELECT. */
export const licenseActivations = sqliteTable(
  "license_activations",
  {
    licenseId: text("license_id")
      .notNull()
      .references(() => licenseKeys.id, { onDelete: "cascade" }),
    instance: text("instance").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.licenseId, t.instance] })],
);

/**
 * A per-creator generation number, bumped by triggers whenever anything an entitlement answer
 * depends on changes (orders, memberships, keys, activations, policies, a buyer's email). The
 * entitlement edge cache keys on it, so a refund is visible on the very next call.
 */
export const entitlementVersions = sqliteTable("entitlement_versions", {
  creatorId: text("creator_id").primaryKey(),
  version: integer("version").notNull(),
});
