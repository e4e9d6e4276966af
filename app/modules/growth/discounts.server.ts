/**
 * Discount codes (D102). A creator's code takes a percent or a fixed amount off chosen products.
 * The buyer types it on the product page; Checkout applies it as a Stripe coupon (`discounts`, one
 * per session, so codes never stack), and the platform fee is 8% of what is actually charged.
 * The redemption cap is exact under concurrency: a use is reserved by ONE conditional INSERT that
 * counts the live uses in the same statement, and is released when its Checkout Session expires.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, parseMoney, stripeMinimumCharge } from "~/lib/money";
import { getStripe } from "~/lib/stripe.server";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { invoices, orders } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { services } from "~/modules/services/schema";
import { tiers } from "~/modules/tiers/schema";
import { creators } from "~/modules/storefronts/schema";
import { discountCodeProducts, discountCodes, discountRedemptions } from "./schema";
import { DiscountCodeInput, normaliseCode } from "./validation";

type Db = ReturnType<typeof getDb>;
type Product = typeof products.$inferSelect;
export type DiscountCode = typeof discountCodes.$inferSelect;

/**
 * What a code can be for (D114): a product, a membership tier or a service (booking, package or
 * pack). `id` is the offering's own id; ids are unique across the three tables.
 */
export type OfferingKind = "product" | "tier" | "service";
export type Offering = { kind: OfferingKind; id: string; creatorId: string; currency: string; free?: boolean };
export const productOffering = (p: Product): Offering => ({
  kind: "product",
  id: p.id,
  creatorId: p.creatorId,
  currency: p.currency,
  free: p.pricing === "free",
});
const OFFERING_NAME: Record<OfferingKind, string> = { product: "product", tier: "membership", service: "service" };

async function requireCreator(env: Env, viewer: Viewer) {
  const c = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, viewer.id), columns: { userId: true } });
  if (!c) throw forbidden("Only creators can make discount codes.");
}

/** Creates a code for the signed-in creator's own products. */
export async function createDiscountCode(env: Env, viewer: Viewer, raw: unknown): Promise<DiscountCode> {
  await requireCreator(env, viewer);
  const input = parseOrThrow(DiscountCodeInput, raw);
  const db = getDb(env);
  let percentOff: number | null = null;
  let amountOff: number | null = null;
  let currency: string | null = null;
  if (input.kind === "percent") {
    percentOff = /^\d{1,3}$/.test(input.value) ? Number(input.value) : NaN;
    if (!(percentOff >= 1 && percentOff <= 100))
      throw unprocessable("Percent off is a whole number from 1 to 100.", { value: "Enter 1–100." });
  } else {
    currency = input.currency;
    amountOff = parseMoney(input.value, currency);
    if (amountOff === null || amountOff < 1)
      throw unprocessable("Enter the amount off, like 5 or 4.50.", { value: "Enter an amount like 5 or 4.50." });
  }
  const productIds = input.appliesTo === "chosen" ? [...new Set(input.productIds)] : [];
  let chosen: { id: string; currency: string; kind: OfferingKind }[] = [];
  if (input.appliesTo === "chosen") {
    if (!productIds.length)
      throw unprocessable("Choose at least one product, tier or service, or make it for everything you sell.", {
        productIds: "Choose at least one.",
      });
    const mine = await ownOfferings(db, viewer.id, productIds);
    chosen = mine;
    if (mine.length !== productIds.length) throw forbidden("A code can only be for your own products, tiers and services.");
    if (currency && mine.some((p) => p.currency !== currency))
      throw unprocessable(`An amount off in ${currency.toUpperCase()} only works for things priced in ${currency.toUpperCase()}.`, {
        productIds: "Choose offerings in the code's currency.",
      });
  }
  let durationMonths: number | null = null;
  if (input.duration === "repeating") {
    durationMonths = /^\d{1,2}$/.test(input.durationMonths) ? Number(input.durationMonths) : NaN;
    if (!(durationMonths >= 1 && durationMonths <= 36))
      throw unprocessable("For how many months? Enter 1 to 36.", { durationMonths: "Enter 1 to 36 months." });
  }
  let expiresAt: number | null = null;
  if (input.expires) {
    const end = Date.parse(`${input.expires}T23:59:59Z`);
    if (Number.isNaN(end)) throw unprocessable("Enter a real date.", { expires: "Enter a real date." });
    expiresAt = Math.floor(end / 1000);
    if (expiresAt <= nowSeconds()) throw unprocessable("The expiry date has passed.", { expires: "Choose today or a later date." });
  }
  const row: DiscountCode = {
    id: newId(),
    creatorId: viewer.id,
    code: input.code,
    kind: input.kind,
    percentOff,
    amountOff,
    currency,
    appliesTo: input.appliesTo,
    expiresAt,
    maxRedemptions: input.maxRedemptions ? Number(input.maxRedemptions) : null,
    firstTimeOnly: input.firstTimeOnly,
    duration: input.duration,
    durationMonths,
    stripeCouponId: null,
    status: "active",
    createdAt: nowSeconds(),
  };
  const taken = await db.query.discountCodes.findFirst({
    where: and(eq(discountCodes.creatorId, viewer.id), eq(discountCodes.code, input.code)),
    columns: { id: true },
  });
  if (taken) throw conflict(`You already have a code called ${input.code}.`, { code: "That code exists already." });
  // The Stripe coupon is made first, so a code never exists without the coupon Checkout applies.
  row.stripeCouponId = await createCoupon(env, row);
  const [inserted] = await db.insert(discountCodes).values(row).onConflictDoNothing().returning({ id: discountCodes.id });
  if (!inserted) {
    await getStripe(env)
      .coupons.del(row.stripeCouponId)
      .catch(() => undefined);
    throw conflict(`You already have a code called ${input.code}.`, { code: "That code exists already." });
  }
  if (chosen.length) await db.insert(discountCodeProducts).values(chosen.map((o) => ({ codeId: row.id, productId: o.id, kind: o.kind })));
  return row;
}

/** Which of these ids are the creator's products, tiers or services. */
async function ownOfferings(db: Db, creatorId: string, ids: string[]) {
  const [p, t, sv] = await Promise.all([
    db
      .select({ id: products.id, currency: products.currency })
      .from(products)
      .where(and(eq(products.creatorId, creatorId), inArray(products.id, ids))),
    db
      .select({ id: tiers.id, currency: tiers.currency })
      .from(tiers)
      .where(and(eq(tiers.creatorId, creatorId), inArray(tiers.id, ids))),
    db
      .select({ id: services.id, currency: services.currency })
      .from(services)
      .where(and(eq(services.creatorId, creatorId), inArray(services.id, ids))),
  ]);
  return [
    ...p.map((x) => ({ ...x, kind: "product" as const })),
    ...t.map((x) => ({ ...x, kind: "tier" as const })),
    ...sv.map((x) => ({ ...x, kind: "service" as const })),
  ];
}

/** Stops a code from being used (uses already made stay recorded). */
export async function archiveDiscountCode(env: Env, viewer: Viewer, codeId: string) {
  const db = getDb(env);
  const c = await db.query.discountCodes.findFirst({ where: eq(discountCodes.id, codeId) });
  if (!c || c.creatorId !== viewer.id) throw notFound("That code isn't yours.");
  await db.update(discountCodes).set({ status: "archived" }).where(eq(discountCodes.id, codeId));
}

/** The creator's codes with their uses (redeemed, and reserved in open checkouts). */
export async function creatorDiscountCodes(env: Env, creatorId: string) {
  const db = getDb(env);
  const t = nowSeconds();
  const [codes, chosen, mine, myTiers, myServices] = await Promise.all([
    db
      .select({
        code: discountCodes,
        redeemed: sql<number>`(SELECT count(*) FROM discount_redemptions r WHERE r.code_id = discount_codes.id AND r.status = 'redeemed')`,
        reserved: sql<number>`(SELECT count(*) FROM discount_redemptions r WHERE r.code_id = discount_codes.id AND r.status = 'reserved' AND r.expires_at > ${t})`,
        discounted: sql<number>`(SELECT coalesce(sum(r.amount_discount), 0) FROM discount_redemptions r WHERE r.code_id = discount_codes.id AND r.status = 'redeemed')`,
      })
      .from(discountCodes)
      .where(eq(discountCodes.creatorId, creatorId))
      .orderBy(desc(discountCodes.createdAt))
      .limit(100),
    db
      .select({
        codeId: discountCodeProducts.codeId,
        title: sql<string>`coalesce(
          (SELECT title FROM products WHERE id = ${discountCodeProducts.productId}),
          (SELECT name || ' (membership)' FROM tiers WHERE id = ${discountCodeProducts.productId}),
          (SELECT title || ' (service)' FROM services WHERE id = ${discountCodeProducts.productId}),
          'a removed item')`,
      })
      .from(discountCodeProducts)
      .innerJoin(discountCodes, eq(discountCodes.id, discountCodeProducts.codeId))
      .where(eq(discountCodes.creatorId, creatorId)),
    db
      .select({ id: products.id, title: products.title, currency: products.currency, pricing: products.pricing })
      .from(products)
      .where(eq(products.creatorId, creatorId))
      .orderBy(desc(products.createdAt))
      .limit(200),
    db
      .select({ id: tiers.id, title: tiers.name, currency: tiers.currency, pricing: tiers.pricing })
      .from(tiers)
      .where(and(eq(tiers.creatorId, creatorId), eq(tiers.status, "active")))
      .limit(50),
    db
      .select({ id: services.id, title: services.title, currency: services.currency, pricing: services.pricing })
      .from(services)
      .where(eq(services.creatorId, creatorId))
      .orderBy(desc(services.createdAt))
      .limit(100),
  ]);
  return {
    codes: codes.map(({ code, redeemed, reserved, discounted }) => ({
      ...code,
      redeemed,
      reserved,
      discounted,
      label: describeDiscount(code),
      products: chosen.filter((c) => c.codeId === code.id).map((c) => c.title),
      live: code.status === "active" && (code.expiresAt === null || code.expiresAt > t),
    })),
    products: mine,
    tiers: myTiers.filter((t) => t.pricing !== "free"),
    services: myServices,
  };
}

/** "20% off" / "$5.00 off", and for memberships how long: "for 3 months" / "every payment". */
export function describeDiscount(
  c: Pick<DiscountCode, "kind" | "percentOff" | "amountOff" | "currency"> & Partial<Pick<DiscountCode, "duration" | "durationMonths">>,
) {
  const off = c.kind === "percent" ? `${c.percentOff}% off` : `${formatMoney(c.amountOff ?? 0, c.currency ?? "usd")} off`;
  if (c.duration === "repeating") return `${off} (memberships: ${c.durationMonths} month${c.durationMonths === 1 ? "" : "s"})`;
  if (c.duration === "forever") return `${off} (memberships: every payment)`;
  return off;
}

/** What a code takes off an amount: percent rounded half up to the minor unit (as Stripe rounds coupons), fixed capped at the amount. */
export function discountAmount(c: Pick<DiscountCode, "kind" | "percentOff" | "amountOff">, subtotal: number): number {
  if (c.kind === "percent") return Math.min(subtotal, Math.floor((subtotal * (c.percentOff ?? 0) + 50) / 100));
  return Math.min(subtotal, c.amountOff ?? 0);
}

export type DiscountQuote = { code: DiscountCode; subtotal: number; discount: number; total: number };

const codeError = (message: string) => unprocessable(message, { code: message });

/**
 * Checks a code for one buyer and product and prices it. Clear 422s: unknown, expired, used up,
 * not for this item, first purchase only, pay-what-you-want, below Stripe's minimum charge.
 * (Used up is checked again — exactly — when the use is reserved.)
 */
export async function quoteDiscount(env: Env, raw: string, p: Offering, buyerId: string | null, subtotal: number): Promise<DiscountQuote> {
  const value = normaliseCode(raw);
  if (/[\s,;+]/.test(value)) throw codeError("Only one code can be used per purchase.");
  const db = getDb(env);
  const code = await db.query.discountCodes.findFirst({
    where: and(eq(discountCodes.creatorId, p.creatorId), eq(discountCodes.code, value)),
  });
  if (!code || code.status !== "active") throw codeError(`${value} isn't a valid code for this creator.`);
  if (code.expiresAt !== null && code.expiresAt <= nowSeconds()) throw codeError(`${value} has expired.`);
  if (p.free) throw codeError(`This ${OFFERING_NAME[p.kind]} is already free — no code needed.`);
  // Pay what you want (D113): the code comes off the amount the buyer chose (which met the minimum).
  if (subtotal === 0) throw codeError("You chose to pay nothing — no code needed.");
  if (code.appliesTo === "chosen") {
    const hit = await db.query.discountCodeProducts.findFirst({
      where: and(eq(discountCodeProducts.codeId, code.id), eq(discountCodeProducts.productId, p.id)),
    });
    if (!hit) throw codeError(`${value} isn't for this ${OFFERING_NAME[p.kind]}.`);
  }
  if (code.kind === "amount" && code.currency !== p.currency) throw codeError(`${value} isn't for this ${OFFERING_NAME[p.kind]}.`);
  if (code.maxRedemptions !== null && (await liveUses(db, code.id)) >= code.maxRedemptions)
    throw conflict(`${value} has been used up.`, { code: `${value} has been used up.` });
  // A guest's email isn't proven to be theirs, so whether they bought before can't be known (D113).
  if (code.firstTimeOnly && buyerId === null)
    throw codeError(`${value} is for first-time buyers only — sign in to use it, so we can check.`);
  if (code.firstTimeOnly && buyerId !== null && (await hasBoughtFrom(db, buyerId, p.creatorId)))
    throw codeError(`${value} is for first-time buyers only, and you've bought from this creator before.`);
  const discount = discountAmount(code, subtotal);
  const total = subtotal - discount;
  // A total of 0 is fine everywhere (D138): a product or service is recorded without Stripe, a
  // membership goes through Checkout, whose $0 invoices Stripe marks paid at once.
  if (total > 0 && total < stripeMinimumCharge(p.currency))
    throw codeError(
      `With ${value} the price would be below the ${formatMoney(stripeMinimumCharge(p.currency), p.currency)} minimum card payment.`,
    );
  return { code, subtotal, discount, total };
}

async function liveUses(db: Db, codeId: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)` })
    .from(discountRedemptions)
    .where(
      and(
        eq(discountRedemptions.codeId, codeId),
        sql`(${discountRedemptions.status} = 'redeemed' OR (${discountRedemptions.status} = 'reserved' AND ${discountRedemptions.expiresAt} > ${nowSeconds()}))`,
      ),
    );
  return r?.n ?? 0;
}

/** Any order (paid, free or refunded) or membership payment from this creator makes someone a returning buyer. */
async function hasBoughtFrom(db: Db, buyerId: string, creatorId: string): Promise<boolean> {
  const [o, i] = await Promise.all([
    db.query.orders.findFirst({ where: and(eq(orders.buyerId, buyerId), eq(orders.creatorId, creatorId)), columns: { id: true } }),
    db.query.invoices.findFirst({ where: and(eq(invoices.userId, buyerId), eq(invoices.creatorId, creatorId)), columns: { id: true } }),
  ]);
  return !!(o || i);
}

/**
 * Reserves one use of the code, or refuses (409) when the cap is reached. One statement: the
 * INSERT happens only if the live uses counted in the same statement are below the cap — D1 runs
 * statements one at a time, so no two reservations can both see the last free use.
 * `status` is `redeemed` for a 100%-off order (no Checkout), otherwise `reserved` until `expiresAt`.
 */
export async function reserveDiscount(
  env: Env,
  q: DiscountQuote,
  use: { buyerId: string; productId: string; kind?: OfferingKind; currency: string; expiresAt: number; status?: "reserved" | "redeemed" },
): Promise<string> {
  const id = `dr_${newId(16)}`;
  const t = nowSeconds();
  const res = await getDb(env).run(sql`
    INSERT INTO discount_redemptions (id, code_id, buyer_id, product_id, kind, session_id, status, currency, amount_subtotal, amount_discount, expires_at, created_at)
    SELECT ${id}, ${q.code.id}, ${use.buyerId}, ${use.productId}, ${use.kind ?? "product"}, NULL, ${use.status ?? "reserved"}, ${use.currency}, ${q.subtotal}, ${q.discount}, ${use.expiresAt}, ${t}
    WHERE EXISTS (SELECT 1 FROM discount_codes c WHERE c.id = ${q.code.id} AND c.status = 'active' AND (c.expires_at IS NULL OR c.expires_at > ${t}))
      AND (${q.code.maxRedemptions} IS NULL OR (
        SELECT count(*) FROM discount_redemptions r
        WHERE r.code_id = ${q.code.id} AND (r.status = 'redeemed' OR (r.status = 'reserved' AND r.expires_at > ${t}))
      ) < ${q.code.maxRedemptions})`);
  if (!res.meta.changes) throw conflict(`${q.code.code} has been used up.`, { code: `${q.code.code} has been used up.` });
  return id;
}

/** Ties a reserved use to the Checkout Session (or `free_…` order key) it went into. */
export async function attachDiscountSession(env: Env, redemptionId: string, sessionId: string) {
  await getDb(env).update(discountRedemptions).set({ sessionId }).where(eq(discountRedemptions.id, redemptionId));
}

/** Gives a reserved use back (Stripe refused the session, or the buyer already had the product). */
export async function releaseDiscount(env: Env, redemptionId: string) {
  await getDb(env)
    .update(discountRedemptions)
    .set({ status: "released" })
    .where(and(eq(discountRedemptions.id, redemptionId), eq(discountRedemptions.status, "reserved")));
}

/** The session expired unpaid: its reserved use goes back at once (without waiting for `expires_at`). */
export async function releaseDiscountForSession(env: Env, sessionId: string) {
  await getDb(env)
    .update(discountRedemptions)
    .set({ status: "released" })
    .where(and(eq(discountRedemptions.sessionId, sessionId), eq(discountRedemptions.status, "reserved")));
}

/** A 100%-off order was recorded: its use is redeemed, keyed by the order. */
export async function redeemDiscount(env: Env, redemptionId: string, orderKey: string) {
  await getDb(env)
    .update(discountRedemptions)
    .set({ status: "redeemed", sessionId: orderKey })
    .where(eq(discountRedemptions.id, redemptionId));
}

/** The statement that marks a paid session's use redeemed (for the completion webhook's batch). */
export function redeemDiscountStatement(db: Db, sessionId: string, buyerId: string) {
  // A guest's use (buyer `guest` until Checkout collected the email) now belongs to that account.
  return db.update(discountRedemptions).set({ status: "redeemed", buyerId }).where(eq(discountRedemptions.sessionId, sessionId));
}

/** The buyer id a guest's reserved use carries until its checkout completes. */
export const GUEST_BUYER = "guest";

/**
 * The statement that gives back the use of a fully refunded payment (for `syncCharge`'s batch): its
 * redeemed use becomes `refunded`, which no longer counts against the cap or the dashboard's "used"
 * figure. A partial refund keeps the use (D113): the buyer kept the purchase.
 */
export function refundDiscountStatement(db: Db, paymentIntentId: string) {
  return db
    .update(discountRedemptions)
    .set({ status: "refunded" })
    .where(
      and(
        eq(discountRedemptions.status, "redeemed"),
        sql`${discountRedemptions.sessionId} IN (SELECT checkout_session_id FROM orders WHERE payment_intent_id = ${paymentIntentId}
          UNION ALL SELECT checkout_session_id FROM bookings WHERE payment_intent_id = ${paymentIntentId}
          UNION ALL SELECT checkout_session_id FROM service_packs WHERE payment_intent_id = ${paymentIntentId})`,
      ),
    );
}

/** A tier code's use whose membership was undone by a full refund goes back (D137); only once, only a redeemed tier use. */
export async function refundTierDiscount(env: Env, redemptionId: string) {
  await getDb(env)
    .update(discountRedemptions)
    .set({ status: "refunded" })
    .where(and(eq(discountRedemptions.id, redemptionId), eq(discountRedemptions.kind, "tier"), eq(discountRedemptions.status, "redeemed")));
}

/** A zero order or booking (`free_…` key) that was undone like a full refund: its use goes back (D138); only once. */
export async function giveBackFreeUse(env: Env, key: string) {
  await getDb(env)
    .update(discountRedemptions)
    .set({ status: "refunded" })
    .where(and(eq(discountRedemptions.sessionId, key), eq(discountRedemptions.status, "redeemed")));
}

/**
 * The code's Stripe coupon (made with the code; made here only if that is missing). One per code,
 * idempotent on the code id. `duration: once`; no Stripe-side cap or expiry — ours are exact.
 */
export async function couponFor(env: Env, code: DiscountCode): Promise<string> {
  if (code.stripeCouponId) return code.stripeCouponId;
  const id = await createCoupon(env, code);
  await getDb(env).update(discountCodes).set({ stripeCouponId: id }).where(eq(discountCodes.id, code.id));
  return id;
}

async function createCoupon(env: Env, code: DiscountCode): Promise<string> {
  const coupon = await getStripe(env).coupons.create(
    {
      // Checkout applies it once to a payment; on a subscription its duration decides which invoices it takes off (D114).
      duration: code.duration as "once" | "repeating" | "forever",
      ...(code.duration === "repeating" ? { duration_in_months: code.durationMonths! } : {}),
      name: code.code,
      metadata: { discount_code_id: code.id, creator_id: code.creatorId },
      ...(code.kind === "percent" ? { percent_off: code.percentOff! } : { amount_off: code.amountOff!, currency: code.currency! }),
    },
    { idempotencyKey: `discount-coupon-${code.id}` },
  );
  return coupon.id;
}
