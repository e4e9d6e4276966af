/**
 * Promoted listings (D103, D104). A creator buys days of a placement for one of their apps — the
 * home page or a category's Discover page — at the platform's price per day. It is a platform
 * charge (no Connect split, no creator fee). Each placement has PROMOTION_SLOTS_PER_DAY slots per
 * day, decided by the placement's PromotionSlots Durable Object with a hold during checkout, so a
 * placement is never oversold. Nothing shows until an admin approves it; a rejection refunds the
 * days not shown. Promotions are a separate row above the organic lists, always labelled
 * "Promoted", and nothing here touches trending scores or search.
 */
import { and, desc, eq, inArray, lte, sql } from "drizzle-orm";
import * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, parseMoney } from "~/lib/money";
import { alreadyRefunded, getStripe, type Stripe } from "~/lib/stripe.server";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { appCategories, apps, counters } from "~/modules/apps/schema";
import { products } from "~/modules/products/schema";
import { creators } from "~/modules/storefronts/schema";
import { sendAnalyticsQuietly } from "~/modules/analytics/collect.server";
import { promotionPrices, promotions } from "./schema";

/** Paid slots per placement per day. */
export const PROMOTION_SLOTS_PER_DAY = 3;
/** Checkout (and so slot holds) lasts 31 minutes: Stripe's minimum is 30. */
const CHECKOUT_TTL_SECONDS = 31 * 60;
/** Prices per day until an admin sets them (USD cents). */
export const DEFAULT_DAY_PRICES: Record<PlacementKind, number> = { home: 2500, discover: 1000 };
export type PlacementKind = "home" | "discover";

export const dayNumber = (seconds = nowSeconds()) => Math.floor(seconds / 86_400);
export const dayLabel = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);
const kindOf = (placement: string): PlacementKind => (placement === "home" ? "home" : "discover");

/** The placement's slot keeper. */
export const promotionSlots = (env: Env, placement: string) => env.PROMOTION_SLOTS.getByName(placement);

const PromotionInput = v.object({
  /** `app:<id>` or `product:<id>` (the dashboard's picker); `appId` alone still means an app. */
  subject: v.optional(
    v.union(
      [v.literal(""), v.pipe(v.string(), v.regex(/^(app|product):[A-Za-z0-9_-]{1,40}$/, "Choose an app or product."))],
      "Choose an app or product.",
    ),
    "",
  ),
  appId: v.optional(v.string(), ""),
  placement: v.pipe(v.string("Choose where it shows."), v.regex(/^(home|discover|discover:[a-z0-9-]{1,40})$/, "Choose where it shows.")),
  start: v.pipe(v.string("Choose a start date."), v.regex(/^\d{4}-\d{2}-\d{2}$/, "Choose a start date.")),
  days: v.pipe(
    v.string("Choose 1–30 days."),
    v.regex(/^\d{1,2}$/, "Choose 1–30 days."),
    v.transform(Number),
    v.minValue(1, "Choose 1–30 days."),
    v.maxValue(30, "Choose 1–30 days."),
  ),
});

/** What one day of each placement kind costs now. */
export async function dayPrices(env: Env): Promise<Record<PlacementKind, { amount: number; currency: string }>> {
  const rows = await getDb(env).select().from(promotionPrices);
  const get = (k: PlacementKind) => {
    const r = rows.find((x) => x.placementKind === k);
    return { amount: r?.dayAmount ?? DEFAULT_DAY_PRICES[k], currency: r?.currency ?? "usd" };
  };
  return { home: get("home"), discover: get("discover") };
}

/** Admins set the price per day of a placement kind (applies to purchases from now on). */
export async function setDayPrice(env: Env, admin: Viewer, kind: string, raw: string) {
  if (!admin.isAdmin) throw forbidden("Admins only.");
  if (kind !== "home" && kind !== "discover") throw unprocessable("Unknown placement.");
  const amount = parseMoney(raw, "usd");
  if (amount === null || amount < 100 || amount > 100_000)
    throw unprocessable("A day costs between $1.00 and $1,000.00.", { [`price_${kind}`]: "Enter an amount like 25 or 12.50." });
  await getDb(env)
    .insert(promotionPrices)
    .values({ placementKind: kind, dayAmount: amount, currency: "usd", updatedBy: admin.id, updatedAt: nowSeconds() })
    .onConflictDoUpdate({
      target: promotionPrices.placementKind,
      set: { dayAmount: amount, updatedBy: admin.id, updatedAt: nowSeconds() },
    });
}

/** Bumps the catalog counter: the anonymous home and Discover pages are cached under it. */
async function catalogChanged(env: Env) {
  await getDb(env)
    .update(counters)
    .set({ value: sql`${counters.value} + 1` })
    .where(eq(counters.name, "catalog"));
}

/**
 * Buying a promotion: validates the app (the creator's own, published), the placement and the
 * dates, holds a slot on every day in the placement's Durable Object (409 when a day is full, before
 * any payment), then opens a platform Checkout Session that expires when the hold does.
 */
export async function startPromotionCheckout(env: Env, viewer: Viewer, raw: unknown, origin: string): Promise<{ url: string }> {
  const input = parseOrThrow(PromotionInput, raw);
  const db = getDb(env);
  const [kind, subjectId] = input.subject ? (input.subject.split(":") as ["app" | "product", string]) : (["app", input.appId] as const);
  if (!subjectId) throw unprocessable("Choose an app or product.", { subject: "Choose one." });
  let name: string;
  if (kind === "app") {
    const app = await db.query.apps.findFirst({ where: eq(apps.id, subjectId) });
    if (!app) throw notFound("That app doesn't exist.");
    if (app.creatorId !== viewer.id) throw forbidden("You can only promote your own apps.");
    if (!app.published) throw unprocessable("Publish the app before promoting it.", { appId: "Publish it first." });
    name = app.name;
  } else {
    // A product (D115): any placement — the creator picks the Discover category its card shows in
    // (products have no app category of their own), sharing that placement's slots with apps (D139).
    const product = await db.query.products.findFirst({ where: eq(products.id, subjectId) });
    if (!product) throw notFound("That product doesn't exist.");
    if (product.creatorId !== viewer.id) throw forbidden("You can only promote your own products.");
    if (product.status !== "published") throw unprocessable("Publish the product before promoting it.", { subject: "Publish it first." });
    name = product.title;
  }
  if (input.placement.startsWith("discover:")) {
    const cat = await db.query.appCategories.findFirst({ where: eq(appCategories.slug, input.placement.slice("discover:".length)) });
    if (!cat) throw unprocessable("Choose where it shows.", { placement: "Unknown category." });
  }
  const startDay = dayNumber(Math.floor(Date.parse(`${input.start}T00:00:00Z`) / 1000));
  const today = dayNumber();
  if (!Number.isFinite(startDay) || startDay < today || startDay > today + 90)
    throw unprocessable("Start today or within the next 90 days.", { start: "Start today or within 90 days." });
  const price = (await dayPrices(env))[kindOf(input.placement)];
  const id = newId();
  const expiresAt = nowSeconds() + CHECKOUT_TTL_SECONDS;
  await db.insert(promotions).values({
    id,
    creatorId: viewer.id,
    appId: kind === "app" ? subjectId : null,
    productId: kind === "product" ? subjectId : null,
    placement: input.placement,
    startDay,
    days: input.days,
    dayAmount: price.amount,
    amount: price.amount * input.days,
    currency: price.currency,
    status: "pending_payment",
    createdAt: nowSeconds(),
  });
  const slots = promotionSlots(env, input.placement);
  const held = await slots.reserve({ promotionId: id, startDay, days: input.days, expiresAt, cap: PROMOTION_SLOTS_PER_DAY });
  if (!held.ok) {
    await db.delete(promotions).where(eq(promotions.id, id));
    throw conflict(`That placement is fully booked on ${dayLabel(held.fullDay)}. Try other dates or another placement.`, {
      start: "Fully booked on one of these days.",
    });
  }
  const where =
    input.placement === "home" ? "home page" : input.placement === "discover" ? "Discover" : `Discover: ${input.placement.slice(9)}`;
  const meta = { kind: "promotion", promotion_id: id, creator_id: viewer.id };
  try {
    const session = await getStripe(env).checkout.sessions.create({
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: price.currency,
            unit_amount: price.amount * input.days,
            product_data: {
              name: `Promoted listing: ${name} — ${where}, ${input.days} day${input.days > 1 ? "s" : ""} from ${input.start}`,
            },
          },
        },
      ],
      // A platform charge: no transfer_data, no application fee — the money is the platform's.
      payment_intent_data: { metadata: meta, description: `Promoted listing ${id}` },
      customer_email: viewer.email,
      client_reference_id: viewer.id,
      metadata: meta,
      expires_at: expiresAt,
      success_url: `${origin}/dashboard/promotions?paid=${id}`,
      cancel_url: `${origin}/dashboard/promotions?checkout=canceled`,
    });
    await db.update(promotions).set({ checkoutSessionId: session.id }).where(eq(promotions.id, id));
    return { url: session.url! };
  } catch (e) {
    await slots.release(id);
    await db.delete(promotions).where(eq(promotions.id, id));
    throw e;
  }
}

const pi = (x: string | { id: string } | null | undefined) => (typeof x === "string" ? x : (x?.id ?? null));

/**
 * checkout.session.completed for a promotion: the slot hold is confirmed and the promotion waits
 * for review. If its hold had lapsed and the days filled up meanwhile, the payment is refunded in
 * full (idempotent on the promotion) — a placement is never oversold. Safe to run twice.
 */
export async function applyPromotionCheckoutCompleted(env: Env, session: Stripe.Checkout.Session): Promise<"processed" | "ignored"> {
  const db = getDb(env);
  const id = session.metadata?.promotion_id;
  if (!id || session.payment_status !== "paid") return "ignored";
  const p = await db.query.promotions.findFirst({ where: eq(promotions.id, id) });
  if (!p) return "ignored";
  const paymentIntentId = pi(session.payment_intent as string | null);
  if (p.status !== "pending_payment" && p.status !== "expired") return "processed";
  const ok = await promotionSlots(env, p.placement).confirm({
    promotionId: p.id,
    startDay: p.startDay,
    days: p.days,
    cap: PROMOTION_SLOTS_PER_DAY,
  });
  if (ok.ok) {
    await db
      .update(promotions)
      .set({ status: "in_review", paymentIntentId })
      .where(and(eq(promotions.id, id), inArray(promotions.status, ["pending_payment", "expired"])));
    return "processed";
  }
  if (paymentIntentId) await refund(env, paymentIntentId, p.amount, `promotion-soldout-${p.id}`);
  await db
    .update(promotions)
    .set({
      status: "refunded",
      paymentIntentId,
      refundedAmount: p.amount,
      rejectReason: `The placement filled up on ${dayLabel(ok.fullDay)} before your payment arrived; refunded in full.`,
    })
    .where(eq(promotions.id, id));
  return "processed";
}

/** checkout.session.expired for a promotion: its days go back to the placement at once. */
export async function applyPromotionCheckoutExpired(env: Env, session: Stripe.Checkout.Session): Promise<"processed" | "ignored"> {
  const id = session.metadata?.promotion_id;
  if (!id) return "ignored";
  const db = getDb(env);
  const p = await db.query.promotions.findFirst({ where: eq(promotions.id, id) });
  if (!p || p.status !== "pending_payment") return "ignored";
  await promotionSlots(env, p.placement).release(p.id);
  await db
    .update(promotions)
    .set({ status: "expired" })
    .where(and(eq(promotions.id, id), eq(promotions.status, "pending_payment")));
  return "processed";
}

async function refund(env: Env, paymentIntent: string, amount: number, idempotencyKey: string) {
  if (amount <= 0) return;
  await getStripe(env)
    .refunds.create({ payment_intent: paymentIntent, amount, metadata: { reason: idempotencyKey } }, { idempotencyKey })
    .catch((e: unknown) => {
      if (!alreadyRefunded(e)) throw e;
    });
}

/** Days of a promotion that were (or are being) shown: from the later of its start and its approval, before today. */
export function daysShown(p: { status: string; startDay: number; days: number; reviewedAt: number | null }, today = dayNumber()) {
  if (p.status !== "approved" || p.reviewedAt === null) return 0;
  const from = Math.max(p.startDay, dayNumber(p.reviewedAt));
  return Math.min(p.days, Math.max(0, today - from));
}

/**
 * Admin review. Approve (from in review) makes it show from its start day; reject needs a reason
 * and refunds the days not yet shown (all of them before approval; today and later for a running
 * one), in integer minor units: price per day × unshown days. The refund is idempotent on the
 * promotion, the status change conditional on the status read, so a double submit changes nothing.
 */
export async function reviewPromotion(env: Env, admin: Viewer, id: string, decision: string, reason = "") {
  if (!admin.isAdmin) throw forbidden("Admins only.");
  const db = getDb(env);
  const p = await db.query.promotions.findFirst({ where: eq(promotions.id, id) });
  if (!p) throw notFound("No such promotion.");
  const t = nowSeconds();
  if (decision === "approve") {
    if (p.status !== "in_review") throw conflict("Only promotions waiting for review can be approved.");
    await db
      .update(promotions)
      .set({ status: "approved", reviewedBy: admin.id, reviewedAt: t })
      .where(and(eq(promotions.id, id), eq(promotions.status, "in_review")));
    await catalogChanged(env);
    return { refunded: 0 };
  }
  if (decision !== "reject") throw unprocessable("Approve or reject.");
  const why = reason.trim();
  if (why.length < 3 || why.length > 500)
    throw unprocessable("Say why it's rejected (3–500 characters); the creator sees it.", { reason: "Give a reason." });
  if (p.status !== "in_review" && p.status !== "approved") throw conflict("Only promotions in review or running can be rejected.");
  const refunded = p.dayAmount * (p.days - daysShown(p));
  if (p.paymentIntentId) await refund(env, p.paymentIntentId, refunded, `promotion-reject-${p.id}`);
  await db
    .update(promotions)
    .set({ status: "rejected", rejectReason: why, refundedAmount: refunded, reviewedBy: admin.id, reviewedAt: t })
    .where(and(eq(promotions.id, id), eq(promotions.status, p.status)));
  await promotionSlots(env, p.placement).release(p.id);
  await catalogChanged(env);
  return { refunded };
}

/** The approved promotions running today in a placement (at most the slots per day), oldest first. */
export async function livePromotions(
  env: Env,
  placement: string,
): Promise<{ id: string; appId: string | null; productId: string | null }[]> {
  const today = dayNumber();
  return getDb(env)
    .select({ id: promotions.id, appId: promotions.appId, productId: promotions.productId })
    .from(promotions)
    .where(
      and(
        eq(promotions.placement, placement),
        eq(promotions.status, "approved"),
        lte(promotions.startDay, today),
        sql`${promotions.startDay} + ${promotions.days} > ${today}`,
      ),
    )
    .orderBy(promotions.createdAt)
    .limit(PROMOTION_SLOTS_PER_DAY);
}

/**
 * Counts one impression or click of a running promotion: on the promotion row (one statement; the
 * buyer's dashboard) and, off the response path, as an analytics event through the same queue and
 * daily rollups as page views (D115). Returns where a click goes (the app's or product's page).
 */
export async function countPromotion(
  env: Env,
  id: string,
  what: "impression" | "click",
  waitUntil: (p: Promise<unknown>) => void = () => undefined,
): Promise<string | null> {
  const col = what === "click" ? promotions.clicks : promotions.impressions;
  const [row] = await getDb(env)
    .update(promotions)
    .set(what === "click" ? { clicks: sql`${col} + 1` } : { impressions: sql`${col} + 1` })
    .where(and(eq(promotions.id, id), eq(promotions.status, "approved")))
    .returning({ appId: promotions.appId, productId: promotions.productId });
  if (!row) return null;
  waitUntil(sendAnalyticsQuietly(env, [{ type: what === "click" ? "promo_click" : "promo_impression", at: Date.now(), promotionId: id }]));
  return promotionTarget(env, row);
}

/** The page a promoted card leads to. */
async function promotionTarget(env: Env, row: { appId: string | null; productId: string | null }): Promise<string | null> {
  const db = getDb(env);
  if (row.appId) {
    const app = await db.query.apps.findFirst({ where: eq(apps.id, row.appId), columns: { slug: true } });
    return app ? `/apps/${app.slug}` : null;
  }
  if (!row.productId) return null;
  const [p] = await db
    .select({ slug: products.slug, handle: creators.handle })
    .from(products)
    .innerJoin(creators, eq(creators.userId, products.creatorId))
    .where(eq(products.id, row.productId))
    .limit(1);
  return p ? `/@${p.handle}/products/${p.slug}` : null;
}

const STATUS_LABELS: Record<string, string> = {
  pending_payment: "Awaiting payment",
  in_review: "In review",
  approved: "Approved",
  rejected: "Rejected",
  refunded: "Refunded",
  expired: "Checkout expired",
};

function present(p: typeof promotions.$inferSelect, appName: string, categoryNames: Map<string, string>) {
  const today = dayNumber();
  const running = p.status === "approved" && p.startDay <= today && p.startDay + p.days > today;
  return {
    id: p.id,
    appName,
    placement:
      p.placement === "home"
        ? "Home page"
        : p.placement === "discover"
          ? "Discover"
          : `Discover · ${categoryNames.get(p.placement.slice(9)) ?? p.placement.slice(9)}`,
    dates: `${dayLabel(p.startDay)} → ${dayLabel(p.startDay + p.days - 1)} (${p.days} day${p.days > 1 ? "s" : ""})`,
    status: running
      ? "Running"
      : p.status === "approved" && p.startDay + p.days <= today
        ? "Finished"
        : (STATUS_LABELS[p.status] ?? p.status),
    rawStatus: p.status,
    amount: formatMoney(p.amount, p.currency),
    refunded: p.refundedAmount ? formatMoney(p.refundedAmount, p.currency) : null,
    rejectReason: p.rejectReason,
    impressions: p.impressions,
    clicks: p.clicks,
  };
}

/** The creator's promotions with their figures, their apps and the placements on offer. */
export async function creatorPromotions(env: Env, creatorId: string) {
  const db = getDb(env);
  const [rows, myApps, categories, prices, myProducts] = await Promise.all([
    db
      .select({ p: promotions, appName: sql<string>`coalesce(${apps.name}, ${products.title}, 'a removed item')` })
      .from(promotions)
      .leftJoin(apps, eq(apps.id, promotions.appId))
      .leftJoin(products, eq(products.id, promotions.productId))
      .where(
        and(
          eq(promotions.creatorId, creatorId),
          sql`(${promotions.status} != 'pending_payment' OR ${promotions.createdAt} > ${nowSeconds() - 3600})`,
        ),
      )
      .orderBy(desc(promotions.createdAt))
      .limit(50),
    db
      .select({ id: apps.id, name: apps.name, category: apps.categorySlug })
      .from(apps)
      .where(and(eq(apps.creatorId, creatorId), eq(apps.published, true)))
      .limit(100),
    db.select({ slug: appCategories.slug, name: appCategories.name }).from(appCategories),
    dayPrices(env),
    db
      .select({ id: products.id, title: products.title })
      .from(products)
      .where(and(eq(products.creatorId, creatorId), eq(products.status, "published")))
      .limit(100),
  ]);
  return {
    promotions: rows.map((r) => present(r.p, r.appName, new Map(categories.map((c) => [c.slug, c.name])))),
    apps: myApps,
    products: myProducts,
    categories,
    prices: {
      home: formatMoney(prices.home.amount, prices.home.currency),
      discover: formatMoney(prices.discover.amount, prices.discover.currency),
    },
    slotsPerDay: PROMOTION_SLOTS_PER_DAY,
    today: dayLabel(dayNumber()),
  };
}

/** The admin queue: in review first, then running/recent ones. */
export async function adminPromotions(env: Env, admin: Viewer) {
  if (!admin.isAdmin) throw forbidden("Admins only.");
  const db = getDb(env);
  const [rows, prices, categories] = await Promise.all([
    db
      .select({
        p: promotions,
        appName: sql<string>`coalesce(${apps.name}, ${products.title}, 'a removed item')`,
        appSlug: apps.slug,
        productSlug: products.slug,
      })
      .from(promotions)
      .leftJoin(apps, eq(apps.id, promotions.appId))
      .leftJoin(products, eq(products.id, promotions.productId))
      .where(inArray(promotions.status, ["in_review", "approved", "rejected", "refunded"]))
      .orderBy(sql`${promotions.status} = 'in_review' DESC`, desc(promotions.createdAt))
      .limit(100),
    dayPrices(env),
    db.select({ slug: appCategories.slug, name: appCategories.name }).from(appCategories),
  ]);
  const names = new Map(categories.map((c) => [c.slug, c.name]));
  return {
    promotions: rows.map((r) => ({ ...present(r.p, r.appName, names), appSlug: r.appSlug })),
    prices: { home: (prices.home.amount / 100).toFixed(2), discover: (prices.discover.amount / 100).toFixed(2) },
  };
}
