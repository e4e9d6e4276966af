/**
 * Starting payments. Every charge is created by the platform with the creator's connected account
 * as destination and the 8% fee from ~/lib/money. Nothing is granted here: orders and memberships
 * are created only from verified webhooks (events.server.ts).
 */
import { and, eq, inArray } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { AppError, conflict, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, parseMoney, platformFee, priceLimits, PLATFORM_FEE_PERCENT } from "~/lib/money";
import { getStripe } from "~/lib/stripe.server";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { products } from "~/modules/products/schema";
import { hasAccess } from "~/modules/products/service.server";
import { tiers } from "~/modules/tiers/schema";
import { markSeatsChanged, seats } from "~/modules/tiers/seats.server";
import { SubscribeInput } from "~/modules/tiers/validation";
import { canSell } from "./connect.server";
import { notifyNewSubscriber } from "~/modules/notifications/service.server";
import { LIVE_MEMBERSHIP_STATUSES } from "~/modules/content/entitlements.server";
import { checkouts, memberships } from "./schema";

/** Checkout Sessions (and so seat holds) last 31 minutes: Stripe's minimum is 30. */
export const CHECKOUT_TTL_SECONDS = 31 * 60;

/** 409 for a full tier, carrying the waitlist offer. */
export class TierFullError extends AppError {
  constructor(public readonly tierId: string) {
    super(409, "This tier is full right now. Join the waitlist and we'll hold the next free seat for you.", { waitlist: `/tiers/${tierId}` });
  }
}

export async function startProductCheckout(env: Env, viewer: Viewer, productId: string, origin: string): Promise<{ url: string }> {
  const db = getDb(env);
  const p = await db.query.products.findFirst({ where: eq(products.id, productId) });
  if (!p || p.status !== "published") throw notFound("That product isn't for sale.");
  if (p.creatorId === viewer.id) throw conflict("This is your own product — it's already yours.");
  if (await hasAccess(env, viewer.id, p.id)) throw conflict("You already own this. It's in your library.");
  const seller = await canSell(env, p.creatorId);
  if (!seller.ok || !seller.accountId) throw conflict("This product is coming soon: the creator is still setting up payouts.");
  const creator = await db.query.creators.findFirst({ where: (c, { eq }) => eq(c.userId, p.creatorId) });
  const expiresAt = nowSeconds() + CHECKOUT_TTL_SECONDS;
  const meta = { kind: "product", product_id: p.id, buyer_id: viewer.id, creator_id: p.creatorId };
  const session = await getStripe(env).checkout.sessions.create({
    mode: "payment",
    line_items: [{ quantity: 1, price_data: { currency: p.currency, unit_amount: p.priceAmount, product_data: { name: p.title, metadata: { product_id: p.id } } } }],
    payment_intent_data: {
      application_fee_amount: platformFee(p.priceAmount),
      transfer_data: { destination: seller.accountId },
      metadata: meta,
      description: `${p.title} by ${creator?.displayName ?? "a creator"} on All Thrive`,
    },
    customer_email: viewer.email,
    client_reference_id: viewer.id,
    metadata: meta,
    expires_at: expiresAt,
    success_url: `${origin}/checkout/return?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${origin}/@${creator?.handle}/products/${p.slug}?checkout=canceled`,
  });
  await db.insert(checkouts).values({ sessionId: session.id, kind: "product", userId: viewer.id, creatorId: p.creatorId, productId: p.id, status: "open", expiresAt, createdAt: nowSeconds() });
  return { url: session.url! };
}

async function liveMembership(env: Env, userId: string, tierId: string) {
  const [m] = await getDb(env).select().from(memberships).where(and(eq(memberships.userId, userId), eq(memberships.tierId, tierId), inArray(memberships.status, LIVE_MEMBERSHIP_STATUSES))).limit(1);
  return m ?? null;
}

/**
 * Subscribing to a paid tier: reserve a seat in the tier's Durable Object first (409 + waitlist
 * offer when full), then open a Checkout Session that expires exactly when the hold does.
 */
export async function startTierCheckout(env: Env, viewer: Viewer, tierId: string, input: unknown, origin: string): Promise<{ url: string }> {
  const db = getDb(env);
  const t = await db.query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t || t.status !== "active") throw notFound("That tier isn't available.");
  if (t.creatorId === viewer.id) throw conflict("You can't subscribe to your own tier.");
  if (t.pricing === "free") return joinFreeTier(env, viewer, tierId).then(() => ({ url: "/library?joined=1" }));
  const s = parseOrThrow(SubscribeInput, input);
  const seller = await canSell(env, t.creatorId);
  if (!seller.ok || !seller.accountId) throw conflict("This tier is coming soon: the creator is still setting up payouts.");
  if (await liveMembership(env, viewer.id, t.id)) throw conflict("You're already a member of this tier. Manage it from your library.");

  let lineItem: { price: string; quantity: number } | { price_data: { currency: string; unit_amount: number; recurring: { interval: "month" | "year" }; product: string }; quantity: number };
  if (t.pricing === "pwyw") {
    const amount = parseMoney(s.amount ?? "", t.currency);
    const min = Math.max(t.pwywMinimum ?? 0, priceLimits(t.currency).min);
    if (amount === null) throw unprocessable("Enter how much you'd like to pay each month.", { amount: "Enter an amount like 5 or 7.50." });
    if (amount < min) throw unprocessable(`The minimum is ${formatMoney(min, t.currency)} a month.`, { amount: `The minimum is ${formatMoney(min, t.currency)} a month.` });
    if (amount > priceLimits(t.currency).max) throw unprocessable(`The most you can pay is ${formatMoney(priceLimits(t.currency).max, t.currency)}.`, { amount: "That's more than we can accept." });
    lineItem = { quantity: 1, price_data: { currency: t.currency, unit_amount: amount, recurring: { interval: "month" }, product: t.stripeProductId! } };
  } else {
    const priceId = s.interval === "year" ? t.stripeAnnualPriceId : t.stripeMonthlyPriceId;
    if (!priceId) throw unprocessable(s.interval === "year" ? "This tier has no annual price." : "This tier has no monthly price.");
    lineItem = { price: priceId, quantity: 1 };
  }

  const stub = seats(env, t.id);
  let hold = await stub.reserve({ holdId: `hold_${newId(16)}`, userId: viewer.id, expiresAt: nowSeconds() + CHECKOUT_TTL_SECONDS });
  if (!hold.ok && hold.reason === "already_member") throw conflict("You're already a member of this tier. Manage it from your library.");
  if (!hold.ok) throw new TierFullError(t.id);
  await markSeatsChanged(env, t.id);
  const stripe = getStripe(env);
  if (hold.sessionId) {
    // The same person clicked again while their checkout is still open: send them back to it.
    const existing = await stripe.checkout.sessions.retrieve(hold.sessionId);
    if (existing.status === "open" && existing.url) return { url: existing.url };
    if (existing.status === "complete") throw conflict("Your payment is being processed. Check your library in a moment.");
    await stub.release({ holdId: hold.holdId });
    hold = await stub.reserve({ holdId: `hold_${newId(16)}`, userId: viewer.id, expiresAt: nowSeconds() + CHECKOUT_TTL_SECONDS });
    if (!hold.ok) throw new TierFullError(t.id);
  }
  const prior = await db.select({ customer: memberships.stripeCustomerId }).from(memberships).where(eq(memberships.userId, viewer.id)).limit(20);
  const customer = prior.find((m) => m.customer)?.customer ?? undefined;
  const meta = { kind: "tier", tier_id: t.id, user_id: viewer.id, creator_id: t.creatorId, hold_id: hold.holdId };
  try {
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [lineItem],
      subscription_data: { application_fee_percent: PLATFORM_FEE_PERCENT, transfer_data: { destination: seller.accountId }, metadata: meta },
      ...(customer ? { customer } : { customer_email: viewer.email }),
      client_reference_id: viewer.id,
      metadata: meta,
      expires_at: hold.expiresAt,
      success_url: `${origin}/checkout/return?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${origin}/tiers/${t.id}?checkout=canceled`,
    });
    await stub.attach(hold.holdId, session.id);
    await db.insert(checkouts).values({ sessionId: session.id, kind: "tier", userId: viewer.id, creatorId: t.creatorId, tierId: t.id, holdId: hold.holdId, status: "open", expiresAt: hold.expiresAt, createdAt: nowSeconds() });
    return { url: session.url! };
  } catch (e) {
    await stub.release({ holdId: hold.holdId });
    await markSeatsChanged(env, t.id);
    throw e;
  }
}

/** Free tiers: no Stripe, but a capped free tier still goes through the seat counter. */
export async function joinFreeTier(env: Env, viewer: Viewer, tierId: string) {
  const db = getDb(env);
  const t = await db.query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t || t.status !== "active" || t.pricing !== "free") throw notFound("That tier isn't available.");
  if (await liveMembership(env, viewer.id, t.id)) throw conflict("You're already a member of this tier.");
  const id = `free_${newId(16)}`;
  const stub = seats(env, t.id);
  const hold = await stub.reserve({ holdId: `hold_${id}`, userId: viewer.id, expiresAt: nowSeconds() + 60 });
  if (!hold.ok && hold.reason === "already_member") throw conflict("You're already a member of this tier.");
  if (!hold.ok) throw new TierFullError(t.id);
  const r = await stub.confirm({ holdId: hold.holdId, subscriptionId: id, userId: viewer.id });
  if (!r.ok) throw new TierFullError(t.id);
  await markSeatsChanged(env, t.id);
  const now = nowSeconds();
  await db.insert(memberships).values({ id, userId: viewer.id, creatorId: t.creatorId, tierId: t.id, status: "active", amount: 0, currency: null, createdAt: now, updatedAt: now, syncedAt: Date.now() });
  await notifyNewSubscriber(env, { creatorId: t.creatorId, tierId: t.id, membershipKey: id });
}

/** Leaving a free tier ends it at once and frees the seat. */
export async function leaveFreeTier(env: Env, viewer: Viewer, membershipId: string) {
  const db = getDb(env);
  const m = await db.query.memberships.findFirst({ where: eq(memberships.id, membershipId) });
  if (!m || m.userId !== viewer.id) throw notFound("That membership isn't yours.");
  if (m.stripeSubscriptionId) throw unprocessable("Paid memberships are managed with Cancel / Resume.");
  await db.update(memberships).set({ status: "canceled", updatedAt: nowSeconds() }).where(eq(memberships.id, m.id));
  await seats(env, m.tierId).end(m.id);
  await markSeatsChanged(env, m.tierId);
}

export async function joinWaitlist(env: Env, viewer: Viewer, tierId: string) {
  const t = await getDb(env).query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t || t.status !== "active") throw notFound("That tier isn't available.");
  if (t.creatorId === viewer.id) throw conflict("You can't join your own waitlist.");
  if (await liveMembership(env, viewer.id, t.id)) throw conflict("You're already a member of this tier.");
  return seats(env, t.id).joinWaitlist(viewer.id);
}

export async function leaveWaitlist(env: Env, viewer: Viewer, tierId: string) {
  await seats(env, tierId).leaveWaitlist(viewer.id);
}

/** The thank-you page's view of a checkout: honest while the webhook is still on its way. */
export async function checkoutStatus(env: Env, viewer: Viewer, sessionId: string) {
  const db = getDb(env);
  const c = await db.query.checkouts.findFirst({ where: eq(checkouts.sessionId, sessionId) });
  if (!c || c.userId !== viewer.id) throw notFound("We couldn't find that checkout.");
  let state: "processing" | "ready" | "expired" = c.status === "expired" ? "expired" : "processing";
  let title = "";
  let link = "/library";
  if (c.kind === "product" && c.productId) {
    const p = await db.query.products.findFirst({ where: eq(products.id, c.productId) });
    title = p?.title ?? "your purchase";
    if (await hasAccess(env, viewer.id, c.productId)) state = "ready";
    if (p?.type === "course") link = `/library/courses/${p.id}`;
  } else if (c.tierId) {
    const t = await db.query.tiers.findFirst({ where: eq(tiers.id, c.tierId) });
    title = t?.name ?? "your membership";
    if (await liveMembership(env, viewer.id, c.tierId)) state = "ready";
  }
  return { kind: c.kind as "product" | "tier", state, title, link };
}
