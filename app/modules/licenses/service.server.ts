import * as v from "valibot";
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, notFound } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { users } from "~/modules/identity/schema";
import { memberships, orders } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { tiers } from "~/modules/tiers/schema";
import { LIVE_MEMBERSHIP_STATUSES, membershipPaused } from "~/modules/content/entitlements.server";
import { licenseActivations, licenseKeys, licensePolicies } from "./schema";

export const LicensePolicyInput = v.object({
  /** Most instances one key may be activated on; null or absent = unlimited. */
  activationLimit: v.optional(
    v.nullable(
      v.pipe(
        v.number("The activation limit must be a whole number."),
        v.integer("The activation limit must be a whole number."),
        v.minValue(1, "Allow at least 1 activation."),
        v.maxValue(10_000, "Activation limits go up to 10,000."),
      ),
    ),
    null,
  ),
});

export const LicenseKeyInput = v.object({
  key: v.pipe(v.string("Send the license key."), v.trim(), v.regex(/^ATK-[0-9A-F]{24}$/i, "That is not a license key.")),
});

export const ActivationInput = v.object({
  ...LicenseKeyInput.entries,
  instance: v.pipe(
    v.string("Name the instance (machine or install id)."),
    v.trim(),
    v.nonEmpty("Name the instance (machine or install id)."),
    v.maxLength(200, "Keep the instance name under 200 characters."),
  ),
});

export const VerifyInput = v.object({
  ...LicenseKeyInput.entries,
  /** When given, the answer says whether this instance is one of the key's activations. */
  instance: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200))),
});

export const EntitlementQuery = v.object({
  customer_email: v.pipe(v.string("Send customer_email."), v.trim(), v.toLowerCase(), v.email("customer_email must be an email address.")),
});

/** The creator's product or tier, or 404 (another creator's offer is indistinguishable from none). */
async function ownedOffer(env: Env, viewer: Viewer, offerId: string): Promise<{ type: "product" | "tier" }> {
  const db = getDb(env);
  const [p, t] = await db.batch([
    db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.id, offerId), eq(products.creatorId, viewer.id))),
    db
      .select({ id: tiers.id })
      .from(tiers)
      .where(and(eq(tiers.id, offerId), eq(tiers.creatorId, viewer.id))),
  ]);
  if (p.length) return { type: "product" };
  if (t.length) return { type: "tier" };
  throw notFound("No product or tier of yours has that id.");
}

/**
 * Makes a product or tier grant license keys (or changes its activation limit). Sales recorded
 * from now on get a key from the triggers; existing paid orders and memberships get theirs here.
 */
export async function setLicensePolicy(env: Env, viewer: Viewer, offerId: string, input: unknown, now = nowSeconds()) {
  const p = parseOrThrow(LicensePolicyInput, input);
  const { type } = await ownedOffer(env, viewer, offerId);
  const limit = p.activationLimit;
  const backfill =
    type === "product"
      ? `INSERT OR IGNORE INTO license_keys (id, key, creator_id, user_id, product_id, tier_id, order_id, membership_id, activation_limit, revoked_at, created_at)
          SELECT lower(hex(randomblob(10))), 'ATK-' || upper(hex(randomblob(12))), creator_id, buyer_id, product_id, NULL, id, NULL, ?2, NULL, ?3
          FROM orders WHERE product_id = ?1`
      : `INSERT OR IGNORE INTO license_keys (id, key, creator_id, user_id, product_id, tier_id, order_id, membership_id, activation_limit, revoked_at, created_at)
          SELECT lower(hex(randomblob(10))), 'ATK-' || upper(hex(randomblob(12))), creator_id, user_id, NULL, tier_id, NULL, id, ?2, NULL, ?3
          FROM memberships WHERE tier_id = ?1`;
  const column = type === "product" ? "product_id" : "tier_id";
  // One batch (one transaction): the policy, keys for sales made before it, and the new limit on keys already granted.
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO license_policies (offer_id, offer_type, creator_id, activation_limit, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
       ON CONFLICT (offer_id) DO UPDATE SET activation_limit = excluded.activation_limit, updated_at = excluded.updated_at`,
    ).bind(offerId, type, viewer.id, limit, now),
    env.DB.prepare(backfill).bind(offerId, limit, now),
    env.DB.prepare(`UPDATE license_keys SET activation_limit = ?2 WHERE creator_id = ?3 AND ${column} = ?1`).bind(
      offerId,
      limit,
      viewer.id,
    ),
  ]);
  return { offerId, offerType: type, activationLimit: p.activationLimit };
}

/** Stops granting new keys for the offer (keys already granted keep working while paid for). */
export async function removeLicensePolicy(env: Env, viewer: Viewer, offerId: string) {
  const [row] = await getDb(env)
    .delete(licensePolicies)
    .where(and(eq(licensePolicies.offerId, offerId), eq(licensePolicies.creatorId, viewer.id)))
    .returning({ id: licensePolicies.offerId });
  if (!row) throw notFound("That offer does not grant license keys.");
}

export async function listLicensePolicies(env: Env, creatorId: string) {
  return getDb(env)
    .select({ offerId: licensePolicies.offerId, offerType: licensePolicies.offerType, activationLimit: licensePolicies.activationLimit })
    .from(licensePolicies)
    .where(eq(licensePolicies.creatorId, creatorId))
    .orderBy(asc(licensePolicies.createdAt));
}

/** Whether a key's sale is currently paid for: its order paid, or its membership live and not paused. */
const keyPaidFor = sql<number>`CASE
  WHEN ${licenseKeys.orderId} IS NOT NULL THEN EXISTS (SELECT 1 FROM ${orders} WHERE ${orders.id} = ${licenseKeys.orderId} AND ${orders.status} = 'paid')
  ELSE EXISTS (SELECT 1 FROM ${memberships} WHERE ${memberships.id} = ${licenseKeys.membershipId}
    AND ${memberships.status} IN (${sql.join(
      LIVE_MEMBERSHIP_STATUSES.map((s) => sql`${s}`),
      sql`, `,
    )}) AND NOT ${membershipPaused})
END`;

const keyColumns = {
  id: licenseKeys.id,
  key: licenseKeys.key,
  userId: licenseKeys.userId,
  productId: licenseKeys.productId,
  tierId: licenseKeys.tierId,
  activationLimit: licenseKeys.activationLimit,
  revokedAt: licenseKeys.revokedAt,
  createdAt: licenseKeys.createdAt,
  paidFor: keyPaidFor,
  activations: sql<number>`(SELECT count(*) FROM ${licenseActivations} WHERE ${licenseActivations.licenseId} = ${licenseKeys.id})`,
};

type KeyRow = { [K in keyof typeof keyColumns]: unknown } & {
  id: string;
  key: string;
  userId: string;
  productId: string | null;
  tierId: string | null;
  activationLimit: number | null;
  revokedAt: number | null;
  createdAt: number;
  paidFor: number;
  activations: number;
};

function presentKey(r: KeyRow) {
  const status = r.revokedAt !== null ? "revoked" : r.paidFor ? "active" : "inactive";
  return {
    key: r.key,
    status: status as "active" | "revoked" | "inactive",
    valid: status === "active",
    productId: r.productId,
    tierId: r.tierId,
    activations: { used: Number(r.activations), limit: r.activationLimit },
    createdAt: new Date(r.createdAt * 1000).toISOString(),
  };
}
export type LicenseView = ReturnType<typeof presentKey>;

async function findKey(env: Env, creatorId: string, key: string): Promise<KeyRow> {
  const [row] = await getDb(env)
    .select(keyColumns)
    .from(licenseKeys)
    .where(and(eq(licenseKeys.key, key.toUpperCase()), eq(licenseKeys.creatorId, creatorId)));
  // Another creator's key answers exactly like an unknown one.
  if (!row) throw notFound("No license key of yours matches.");
  return row as KeyRow;
}

/**
 * What a customer (by email) currently has from this creator: live memberships (which tier), paid
 * products, and their license keys with activations. One D1 batch.
 */
export async function entitlementsFor(env: Env, creatorId: string, rawQuery: unknown) {
  const { customer_email: email } = parseOrThrow(EntitlementQuery, rawQuery);
  const db = getDb(env);
  const userId = sql`(SELECT ${users.id} FROM ${users} WHERE ${users.email} = ${email} AND ${users.deletedAt} IS NULL)`;
  const [ms, os, ks] = await db.batch([
    db
      .select({
        tierId: memberships.tierId,
        tierName: tiers.name,
        status: memberships.status,
        currentPeriodEnd: memberships.currentPeriodEnd,
      })
      .from(memberships)
      .innerJoin(tiers, eq(tiers.id, memberships.tierId))
      .where(
        and(
          eq(memberships.userId, userId),
          eq(memberships.creatorId, creatorId),
          inArray(memberships.status, LIVE_MEMBERSHIP_STATUSES),
          sql`NOT ${membershipPaused}`,
        ),
      ),
    db
      .select({ productId: orders.productId, title: products.title, orderId: orders.id, purchasedAt: orders.createdAt })
      .from(orders)
      .innerJoin(products, eq(products.id, orders.productId))
      .where(and(eq(orders.buyerId, userId), eq(orders.creatorId, creatorId), eq(orders.status, "paid")))
      .orderBy(desc(orders.createdAt))
      .limit(100),
    db
      .select(keyColumns)
      .from(licenseKeys)
      .where(and(eq(licenseKeys.userId, userId), eq(licenseKeys.creatorId, creatorId)))
      .orderBy(desc(licenseKeys.createdAt))
      .limit(100),
  ]);
  const iso = (s: number | null) => (s === null ? null : new Date(s * 1000).toISOString());
  return {
    customerEmail: email,
    hasAccess: ms.length > 0 || os.length > 0,
    memberships: ms.map((m) => ({ tierId: m.tierId, tierName: m.tierName, status: m.status, currentPeriodEnd: iso(m.currentPeriodEnd) })),
    products: os.map((o) => ({ productId: o.productId, title: o.title, orderId: o.orderId, purchasedAt: iso(o.purchasedAt)! })),
    licenses: (ks as KeyRow[]).map(presentKey),
  };
}
export type Entitlements = Awaited<ReturnType<typeof entitlementsFor>>;

/** Whether a key is valid now (paid for, not revoked); with `instance`, whether it is activated there. */
export async function verifyLicense(env: Env, creatorId: string, input: unknown) {
  const p = parseOrThrow(VerifyInput, input);
  const row = await findKey(env, creatorId, p.key);
  let instanceActivated: boolean | null = null;
  if (p.instance) {
    const hit = await getDb(env)
      .select({ one: sql`1` })
      .from(licenseActivations)
      .where(and(eq(licenseActivations.licenseId, row.id), eq(licenseActivations.instance, p.instance)));
    instanceActivated = hit.length > 0;
  }
  return { ...presentKey(row), instanceActivated };
}

/**
 * Activates a key on an instance. The limit holds under concurrency: the row is inserted by ONE
 * statement whose SELECT counts the key's activations, and D1 runs statements one at a time.
 * Activating an instance that already is one succeeds again without using a second activation.
 */
export async function activateLicense(env: Env, creatorId: string, input: unknown, now = nowSeconds()) {
  const p = parseOrThrow(ActivationInput, input);
  const row = await findKey(env, creatorId, p.key);
  if (row.revokedAt !== null || !row.paidFor) throw conflict("This license key is not active (refunded, canceled, expired or revoked).");
  await env.DB.prepare(
    `INSERT INTO license_activations (license_id, instance, created_at)
     SELECT ?1, ?2, ?3 WHERE (SELECT activation_limit FROM license_keys WHERE id = ?1) IS NULL
       OR (SELECT count(*) FROM license_activations WHERE license_id = ?1) < (SELECT activation_limit FROM license_keys WHERE id = ?1)
     ON CONFLICT (license_id, instance) DO NOTHING`,
  )
    .bind(row.id, p.instance, now)
    .run();
  const has = await env.DB.prepare(`SELECT 1 FROM license_activations WHERE license_id = ?1 AND instance = ?2`)
    .bind(row.id, p.instance)
    .first();
  if (!has) throw conflict(`This license key is already activated on ${row.activationLimit} instance(s), its limit.`);
  return verifyLicense(env, creatorId, { key: p.key, instance: p.instance });
}

/** Frees one activation of a key. */
export async function deactivateLicense(env: Env, creatorId: string, input: unknown) {
  const p = parseOrThrow(ActivationInput, input);
  const row = await findKey(env, creatorId, p.key);
  await getDb(env)
    .delete(licenseActivations)
    .where(and(eq(licenseActivations.licenseId, row.id), eq(licenseActivations.instance, p.instance)));
  return verifyLicense(env, creatorId, { key: p.key });
}

/** A creator revokes a key by hand (e.g. it leaked); it never works again. */
export async function revokeLicense(env: Env, creatorId: string, input: unknown, now = nowSeconds()) {
  const p = parseOrThrow(LicenseKeyInput, input);
  const row = await findKey(env, creatorId, p.key);
  await getDb(env).update(licenseKeys).set({ revokedAt: now }).where(eq(licenseKeys.id, row.id));
  return verifyLicense(env, creatorId, { key: p.key });
}

/**
 * The creator's licensing page: each product and tier with its policy (if any) and how many keys
 * it has granted, plus the newest keys with their buyer and state.
 */
export async function licensingOverview(env: Env, viewer: Viewer) {
  const db = getDb(env);
  const [ps, ts, policies, recent] = await db.batch([
    db
      .select({ id: products.id, name: products.title, status: products.status })
      .from(products)
      .where(eq(products.creatorId, viewer.id))
      .orderBy(desc(products.createdAt)),
    db
      .select({ id: tiers.id, name: tiers.name, status: tiers.status })
      .from(tiers)
      .where(eq(tiers.creatorId, viewer.id))
      .orderBy(asc(tiers.position)),
    db
      .select({
        offerId: licensePolicies.offerId,
        activationLimit: licensePolicies.activationLimit,
        keys: sql<number>`(SELECT count(*) FROM ${licenseKeys} WHERE ${licenseKeys.productId} = ${licensePolicies.offerId} OR ${licenseKeys.tierId} = ${licensePolicies.offerId})`,
      })
      .from(licensePolicies)
      .where(eq(licensePolicies.creatorId, viewer.id)),
    db
      .select({ ...keyColumns, email: users.email })
      .from(licenseKeys)
      .leftJoin(users, eq(users.id, licenseKeys.userId))
      .where(eq(licenseKeys.creatorId, viewer.id))
      .orderBy(desc(licenseKeys.createdAt))
      .limit(50),
  ]);
  const byOffer = new Map(policies.map((p) => [p.offerId, p]));
  const offer = (kind: "product" | "tier") => (o: { id: string; name: string; status: string }) => {
    const p = byOffer.get(o.id);
    return { ...o, kind, grants: !!p, activationLimit: p?.activationLimit ?? null, keys: Number(p?.keys ?? 0) };
  };
  return {
    offers: [...ps.map(offer("product")), ...ts.map(offer("tier"))],
    keys: recent.map((r) => ({ ...presentKey(r as KeyRow), email: r.email })),
  };
}
