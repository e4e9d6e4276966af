/**
 * Starting payments. Every charge is created by the platform with the creator's connected account
 * as destination and the 8% fee from ~/lib/money. Nothing is granted here: orders and memberships
 * are created only from verified webhooks (events.server.ts).
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { AppError, conflict, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { formatMoney, parseMoney, platformFee, priceLimits, PLATFORM_FEE_PERCENT } from "~/lib/money";
import { getStripe } from "~/lib/stripe.server";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { products } from "~/modules/products/schema";
import { hasAccess } from "~/modules/products/service.server";
import { chosenAmount } from "~/modules/products/validation";
import { assertFreeOrderAllowed, FREE_ORDER_LIMITS } from "~/modules/identity/rate-limit.server";
import { queueTxEmail } from "~/modules/email/transactional.server";
import { tiers } from "~/modules/tiers/schema";
import { markSeatsChanged, seats } from "~/modules/tiers/seats.server";
import { SubscribeInput } from "~/modules/tiers/validation";
import { canSell } from "./connect.server";
import { notifyNewPurchase, notifyNewSubscriber } from "~/modules/notifications/service.server";
import { LIVE_MEMBERSHIP_STATUSES } from "~/modules/content/entitlements.server";
import { checkouts, memberships } from "./schema";
import { bookings, servicePacks, services } from "~/modules/services/schema";
import { insertFreeOrder, livePaidMemberships } from "./queries.server";
import {
  attachDiscountSession,
  couponFor,
  quoteDiscount,
  redeemDiscount,
  releaseDiscount,
  releaseDiscountForSession,
  reserveDiscount,
  productOffering,
  type DiscountQuote,
} from "~/modules/growth/discounts.server";
import { attributionFor, claimMetadata } from "~/modules/affiliates/service.server";

/** Checkout Sessions (and so seat holds) last 31 minutes: Stripe's minimum is 30. */
export const CHECKOUT_TTL_SECONDS = 31 * 60;

/** 409 for a full tier, carrying the waitlist offer. */
export class TierFullError extends AppError {
  constructor(public readonly tierId: string) {
    super(409, "This tier is full right now. Join the waitlist and we'll hold the next free seat for you.", {
      waitlist: `/tiers/${tierId}`,
    });
  }
}

/** Where a buy of something the person already owns lands: the product page, saying "You own this". */
const ownedUrl = (handle: string | undefined, slug: string) => `/@${handle}/products/${slug}?owned=1`;

/** How long a request that found another one opening this person's checkout waits for its URL. */
const CLAIM_WAIT_MS = 20_000;
/** A claim whose session never arrived (its request died) is given up after this long. */
const CLAIM_STALE_SECONDS = 30;

/** True while the creator's account is suspended or deleted (no storefront: nothing to buy or join). */
async function creatorHidden(env: Env, creatorId: string): Promise<boolean> {
  const c = await getDb(env).query.creators.findFirst({ where: (c, { eq }) => eq(c.userId, creatorId), columns: { hiddenAt: true } });
  return !c || c.hiddenAt !== null;
}

/** A published product of a visible creator, or 404. */
export async function productForSale(env: Env, productId: string) {
  const db = getDb(env);
  const p = await db.query.products.findFirst({ where: eq(products.id, productId) });
  if (!p || p.status !== "published") throw notFound("That product isn't for sale.");
  const creator = await db.query.creators.findFirst({ where: (c, { eq }) => eq(c.userId, p.creatorId) });
  // A suspended or deleted creator sells nothing (decisions 67, 68).
  if (!creator || creator.hiddenAt !== null) throw notFound("That product isn't for sale.");
  return { p, creator };
}

/** What this buyer pays, in minor units: the price, 0 for a free product, or their own amount (D69). */
export function buyerAmount(p: typeof products.$inferSelect, raw: string | undefined): number {
  return p.pricing === "free" ? 0 : p.pricing === "pwyw" ? chosenAmount(raw ?? "", p) : p.priceAmount;
}

/**
 * Buying a product. Someone who already owns it gets the product page saying so (`owned`), never a
 * second checkout. One open checkout per person per product (D52): the `checkouts` row is claimed
 * first — a unique index allows one open row per (person, product) — and only the request that
 * claimed it opens the Checkout Session; concurrent ones wait for that session's URL and reuse it.
 */
export async function startProductCheckout(
  env: Env,
  viewer: Viewer,
  productId: string,
  origin: string,
  opts: { amount?: string; ip?: string; code?: string; cookie?: string | null } = {},
): Promise<{ url: string; owned?: true; free?: true }> {
  const db = getDb(env);
  const { p, creator } = await productForSale(env, productId);
  if (p.creatorId === viewer.id || (await hasAccess(env, viewer.id, p.id))) return { url: ownedUrl(creator?.handle, p.slug), owned: true };
  const subtotal = buyerAmount(p, opts.amount);
  // A discount code (growth module, D102): one per purchase; the fee is 8% of what is charged.
  const quote: DiscountQuote | null = opts.code?.trim()
    ? await quoteDiscount(env, opts.code, productOffering(p), viewer.id, subtotal)
    : null;
  const amount = quote ? quote.total : subtotal;
  if (quote && amount === 0) {
    await claimFreeWithCode(env, { buyerId: viewer.id, email: viewer.email }, p, quote, opts.ip ?? "local");
    return { url: ownedUrl(creator.handle, p.slug), owned: true, free: true };
  }
  if (amount === 0) {
    await claimFreeProduct(env, { buyerId: viewer.id, email: viewer.email }, p, opts.ip ?? "local");
    return { url: ownedUrl(creator.handle, p.slug), owned: true, free: true };
  }
  const seller = await canSell(env, p.creatorId);
  if (!seller.ok || !seller.accountId) throw conflict("This product is coming soon: the creator is still setting up payouts.");
  const stripe = getStripe(env);
  const coupon = quote ? await couponFor(env, quote.code) : null;
  const deadline = Date.now() + CLAIM_WAIT_MS;
  for (;;) {
    const claimId = await claimProductCheckout(env, viewer.id, p.id, p.creatorId);
    if (claimId) {
      const expiresAt = nowSeconds() + CHECKOUT_TTL_SECONDS;
      let redemptionId: string | null = null;
      try {
        // The code's use is held for exactly as long as the session can be paid (409 when used up).
        if (quote)
          redemptionId = await reserveDiscount(env, quote, { buyerId: viewer.id, productId: p.id, currency: p.currency, expiresAt });
      } catch (e) {
        await releaseProductCheckout(env, claimId);
        throw e;
      }
      // An affiliate's last click within the program's window (decision 0110) rides along to the webhook.
      const claim = await attributionFor(env, {
        buyerId: viewer.id,
        creatorId: p.creatorId,
        kind: "product",
        itemId: p.id,
        cookieHeader: opts.cookie ?? null,
      });
      const meta = {
        kind: "product",
        product_id: p.id,
        buyer_id: viewer.id,
        creator_id: p.creatorId,
        ...(quote && redemptionId ? { discount_code_id: quote.code.id, discount_redemption_id: redemptionId } : {}),
        ...claimMetadata(claim),
      };
      try {
        const session = await stripe.checkout.sessions.create({
          ...(coupon ? { discounts: [{ coupon }] } : {}),
          mode: "payment",
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: p.currency,
                unit_amount: subtotal,
                product_data: { name: p.title, metadata: { product_id: p.id } },
              },
            },
          ],
          payment_intent_data: {
            application_fee_amount: platformFee(amount),
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
        if (session.amount_total !== amount) {
          // Stripe priced the discount differently from our quote: the fee would not be 8% of the charge.
          await stripe.checkout.sessions.expire(session.id).catch(() => undefined);
          throw new Error(`checkout ${session.id}: Stripe's total ${session.amount_total} differs from the quoted ${amount}`);
        }
        if (redemptionId) await attachDiscountSession(env, redemptionId, session.id);
        await db.update(checkouts).set({ sessionId: session.id, url: session.url, expiresAt }).where(eq(checkouts.sessionId, claimId));
        return { url: session.url! };
      } catch (e) {
        if (redemptionId) await releaseDiscount(env, redemptionId);
        await releaseProductCheckout(env, claimId);
        throw e;
      }
    }
    // Another request of this person holds the open checkout: reuse its session once it has one.
    const open = await db.query.checkouts.findFirst({
      where: and(
        eq(checkouts.userId, viewer.id),
        eq(checkouts.productId, p.id),
        eq(checkouts.kind, "product"),
        eq(checkouts.status, "open"),
      ),
    });
    if (open?.url) {
      const existing = await stripe.checkout.sessions.retrieve(open.sessionId);
      const sameCoupon = (existing.discounts?.[0]?.coupon ?? null) === coupon;
      if (existing.status === "open" && existing.url && existing.amount_total === amount && sameCoupon) return { url: existing.url };
      if (existing.status === "open") {
        // Pay what you want or a code: they chose another amount since — that checkout closes and a new one opens.
        await stripe.checkout.sessions.expire(existing.id).catch(() => undefined);
        await releaseDiscountForSession(env, existing.id);
      } else if (existing.status === "complete") {
        if (await hasAccess(env, viewer.id, p.id)) return { url: ownedUrl(creator?.handle, p.slug), owned: true };
        throw conflict("Your payment is being processed. Check your library in a moment.");
      }
      await db
        .update(checkouts)
        .set({ status: "expired" })
        .where(and(eq(checkouts.sessionId, open.sessionId), eq(checkouts.status, "open")));
      continue;
    }
    if (Date.now() > deadline)
      throw new AppError(503, "Your checkout is still being opened. Try again in a moment.", {}, { "Retry-After": "5" });
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The free-order limit lives with the rate limiter, so services' $0 bookings use it without importing payments.
export { assertFreeOrderAllowed, FREE_ORDER_LIMITS };

/** Records the $0 order (after `assertFreeOrderAllowed`); returns its key, or null when they already had it. */
export async function recordFreeOrder(
  env: Env,
  buyer: { buyerId: string; guest?: boolean },
  p: typeof products.$inferSelect,
): Promise<string | null> {
  const key = `free_${newId(16)}`;
  const recorded = await insertFreeOrder(env, {
    id: newId(),
    key,
    guest: !!buyer.guest,
    buyerId: buyer.buyerId,
    creatorId: p.creatorId,
    productId: p.id,
    currency: p.currency,
    createdAt: nowSeconds(),
  });
  if (!recorded) return null; // a concurrent claim of theirs got it first: they own it, nothing more to send
  await notifyNewPurchase(env, { creatorId: p.creatorId, productId: p.id, orderKey: key });
  await queueTxEmail(env, "purchase_receipt", `receipt:order:${key}`, { sessionId: key });
  return key;
}

/**
 * A 100%-off code: the product free, recorded as a zero order like any free product (rate-limited
 * the same way), its use counted against the cap in the same exact reservation as a paid one.
 */
export async function claimFreeWithCode(
  env: Env,
  buyer: { buyerId: string; email: string; guest?: boolean },
  p: typeof products.$inferSelect,
  quote: DiscountQuote,
  ip: string,
): Promise<string | null> {
  await assertFreeOrderAllowed(env, buyer.email, ip);
  const redemptionId = await reserveDiscount(env, quote, {
    buyerId: buyer.buyerId,
    productId: p.id,
    currency: p.currency,
    expiresAt: nowSeconds() + 60,
  });
  const key = await recordFreeOrder(env, buyer, p).catch(async (e: unknown) => {
    await releaseDiscount(env, redemptionId);
    throw e;
  });
  if (key) await redeemDiscount(env, redemptionId, key);
  else await releaseDiscount(env, redemptionId); // they already had it: nothing was used
  return key;
}

async function claimFreeProduct(env: Env, buyer: { buyerId: string; email: string }, p: typeof products.$inferSelect, ip: string) {
  await assertFreeOrderAllowed(env, buyer.email, ip);
  await recordFreeOrder(env, buyer, p);
}

/**
 * Claims the person's one open checkout of a product: a placeholder row (its session id replaced
 * once Stripe answers). Lapsed checkouts and abandoned claims are closed first. Returns the claim
 * id, or null when another request holds the open checkout.
 */
async function claimProductCheckout(env: Env, userId: string, productId: string, creatorId: string): Promise<string | null> {
  const db = getDb(env);
  const t = nowSeconds();
  const claimId = `claim_${newId(16)}`;
  const mine = and(
    eq(checkouts.userId, userId),
    eq(checkouts.productId, productId),
    eq(checkouts.kind, "product"),
    eq(checkouts.status, "open"),
  );
  const [, inserted] = await db.batch([
    db
      .update(checkouts)
      .set({ status: "expired" })
      .where(
        and(
          mine,
          sql`(${checkouts.expiresAt} <= ${t + 60} OR (${checkouts.url} IS NULL AND ${checkouts.createdAt} < ${t - CLAIM_STALE_SECONDS}))`,
        ),
      ),
    db
      .insert(checkouts)
      .values({
        sessionId: claimId,
        kind: "product",
        userId,
        creatorId,
        productId,
        status: "open",
        url: null,
        expiresAt: t + CHECKOUT_TTL_SECONDS,
        createdAt: t,
      })
      .onConflictDoNothing()
      .returning({ id: checkouts.sessionId }),
  ]);
  return inserted[0]?.id ?? null;
}

/** Stripe refused the checkout: drop the claim so the next click can try again. */
async function releaseProductCheckout(env: Env, claimId: string) {
  await getDb(env).delete(checkouts).where(eq(checkouts.sessionId, claimId));
}

export async function liveMembership(env: Env, userId: string, tierId: string) {
  const [m] = await getDb(env)
    .select()
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.tierId, tierId), inArray(memberships.status, LIVE_MEMBERSHIP_STATUSES)))
    .limit(1);
  return m ?? null;
}

/** Where a subscribe of a member of another paid tier of the creator lands: the tier page's switch offer. */
export const switchUrl = (tierId: string, interval: string) => `/tiers/${tierId}?switch=${interval === "year" ? "year" : "month"}`;

/** Where a repeat subscribe/join of a live member lands: the tier page, saying so (not an error). */
export const alreadyMemberUrl = (tierId: string) => `/tiers/${tierId}?member=already`;

/**
 * Where a subscribe goes: a Checkout Session (`url`), the library after a free join, or — for
 * someone who already has a live membership of the tier — back to the tier page (`alreadyMember`).
 */
export type TierCheckoutResult = { url: string; alreadyMember?: true };

/** An active tier of a visible creator, or 404. */
export async function tierForSale(env: Env, tierId: string) {
  const t = await getDb(env).query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t || t.status !== "active" || (await creatorHidden(env, t.creatorId))) throw notFound("That tier isn't available.");
  return t;
}

/** The Checkout line item of a paid tier: its monthly/annual price, or the member's own monthly amount (pay what you want). */
export function tierLineItem(t: typeof tiers.$inferSelect, s: { interval: string; amount?: string }) {
  let lineItem:
    | { price: string; quantity: number }
    | {
        price_data: { currency: string; unit_amount: number; recurring: { interval: "month" | "year" }; product: string };
        quantity: number;
      };
  if (t.pricing === "pwyw") {
    const amount = parseMoney(s.amount ?? "", t.currency);
    const min = Math.max(t.pwywMinimum ?? 0, priceLimits(t.currency).min);
    if (amount === null) throw unprocessable("Enter how much you'd like to pay each month.", { amount: "Enter an amount like 5 or 7.50." });
    if (amount < min)
      throw unprocessable(`The minimum is ${formatMoney(min, t.currency)} a month.`, {
        amount: `The minimum is ${formatMoney(min, t.currency)} a month.`,
      });
    if (amount > priceLimits(t.currency).max)
      throw unprocessable(`The most you can pay is ${formatMoney(priceLimits(t.currency).max, t.currency)}.`, {
        amount: "That's more than we can accept.",
      });
    lineItem = {
      quantity: 1,
      price_data: { currency: t.currency, unit_amount: amount, recurring: { interval: "month" }, product: t.stripeProductId! },
    };
  } else {
    const priceId = s.interval === "year" ? t.stripeAnnualPriceId : t.stripeMonthlyPriceId;
    if (!priceId) throw unprocessable(s.interval === "year" ? "This tier has no annual price." : "This tier has no monthly price.");
    lineItem = { price: priceId, quantity: 1 };
  }

  return lineItem;
}

/**
 * A discount code typed for a tier (D114), for a signed-in member or a guest (`buyerId` null: a
 * first-time-only code asks them to sign in). Priced on the first payment here; the Stripe coupon's
 * duration decides the renewals.
 */
export async function quoteTierCode(
  env: Env,
  t: typeof tiers.$inferSelect,
  s: v.InferOutput<typeof SubscribeInput>,
  input: unknown,
  buyerId: string | null,
): Promise<DiscountQuote | null> {
  const rawCode = String((input as { code?: unknown } | null)?.code ?? "").trim();
  if (!rawCode) return null;
  const lineItem = tierLineItem(t, s);
  const firstPayment =
    "price_data" in lineItem ? lineItem.price_data.unit_amount : ((s.interval === "year" ? t.annualAmount : t.monthlyAmount) ?? 0);
  return quoteDiscount(env, rawCode, { kind: "tier", id: t.id, creatorId: t.creatorId, currency: t.currency }, buyerId, firstPayment);
}

/**
 * A tier code that makes every payment free (100% or the whole price off, forever) needs no card:
 * Checkout skips collecting one and Stripe pays each $0 invoice at once. A code that ends (once, N
 * months) still collects a card, because the full price is charged afterwards.
 */
export function tierZeroCollection(quote: DiscountQuote | null): { payment_method_collection?: "if_required" } {
  return quote && quote.total === 0 && quote.code.duration === "forever" ? { payment_method_collection: "if_required" } : {};
}

/**
 * Subscribing to a paid tier: reserve a seat in the tier's Durable Object first (409 + waitlist
 * offer when full), then open a Checkout Session that expires exactly when the hold does.
 * One open checkout per person per tier (D52): the object hands every concurrent request of one
 * person the same hold, and only one of them opens the session; the others get its URL.
 */
export async function startTierCheckout(
  env: Env,
  viewer: Viewer,
  tierId: string,
  input: unknown,
  origin: string,
  opts: { cookie?: string | null } = {},
): Promise<TierCheckoutResult> {
  const db = getDb(env);
  const t = await db.query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t || t.status !== "active" || (await creatorHidden(env, t.creatorId))) throw notFound("That tier isn't available.");
  if (t.creatorId === viewer.id) throw conflict("You can't subscribe to your own tier.");
  if (t.pricing === "free") return joinFreeTier(env, viewer, tierId);
  const s = parseOrThrow(SubscribeInput, input);
  const seller = await canSell(env, t.creatorId);
  if (!seller.ok || !seller.accountId) throw conflict("This tier is coming soon: the creator is still setting up payouts.");
  // One paid membership per person per creator (D65): a member of another paid tier (or of this
  // one at the other interval) switches instead — the tier page shows the prorated price first.
  const [paid] = await livePaidMemberships(env, viewer.id, t.creatorId);
  if (paid) {
    if (paid.tierId === t.id && (t.pricing !== "fixed" || paid.interval === s.interval))
      return { url: alreadyMemberUrl(t.id), alreadyMember: true };
    return { url: switchUrl(t.id, s.interval), alreadyMember: true };
  }
  if (await liveMembership(env, viewer.id, t.id)) return { url: alreadyMemberUrl(t.id), alreadyMember: true };

  const lineItem = tierLineItem(t, s);
  const quote = await quoteTierCode(env, t, s, input, viewer.id);

  const stub = seats(env, t.id);
  const reserveSeat = () =>
    stub.reserve({ holdId: `hold_${newId(16)}`, userId: viewer.id, expiresAt: nowSeconds() + CHECKOUT_TTL_SECONDS });
  let hold = await reserveSeat();
  if (!hold.ok && hold.reason === "already_member") return { url: alreadyMemberUrl(t.id), alreadyMember: true };
  if (!hold.ok) throw new TierFullError(t.id);
  await markSeatsChanged(env, t.id);
  const stripe = getStripe(env);
  if (!hold.create && hold.sessionId) {
    // The same person clicked again (or in another tab) while their checkout is open: send them back to it.
    const existing = await stripe.checkout.sessions.retrieve(hold.sessionId);
    if (existing.status === "open" && existing.url) return { url: existing.url };
    if (existing.status === "complete") throw conflict("Your payment is being processed. Check your library in a moment.");
    await stub.release({ holdId: hold.holdId });
    hold = await reserveSeat();
    if (!hold.ok && hold.reason === "already_member") return { url: alreadyMemberUrl(t.id), alreadyMember: true };
    if (!hold.ok) throw new TierFullError(t.id);
    if (!hold.create && hold.sessionUrl) return { url: hold.sessionUrl };
  }
  const prior = await db
    .select({ customer: memberships.stripeCustomerId })
    .from(memberships)
    .where(eq(memberships.userId, viewer.id))
    .limit(20);
  const customer = prior.find((m) => m.customer)?.customer ?? undefined;
  const claim = await attributionFor(env, {
    buyerId: viewer.id,
    creatorId: t.creatorId,
    kind: "tier",
    itemId: t.id,
    cookieHeader: opts.cookie ?? null,
  });
  let redemptionId: string | null = null;
  try {
    const coupon = quote ? await couponFor(env, quote.code) : null;
    // The code's use is held exactly as long as the seat (409 when used up).
    if (quote)
      redemptionId = await reserveDiscount(env, quote, {
        buyerId: viewer.id,
        productId: t.id,
        kind: "tier",
        currency: t.currency,
        expiresAt: hold.expiresAt,
      });
    // The subscription names its code's use, so a full refund of the payment it discounted can give it back.
    const meta = {
      kind: "tier",
      tier_id: t.id,
      user_id: viewer.id,
      creator_id: t.creatorId,
      hold_id: hold.holdId,
      ...claimMetadata(claim),
      ...(redemptionId ? { discount_redemption_id: redemptionId } : {}),
    };
    const session = await stripe.checkout.sessions.create({
      ...(coupon ? { discounts: [{ coupon }] } : {}),
      ...tierZeroCollection(quote),
      mode: "subscription",
      line_items: [lineItem],
      subscription_data: {
        application_fee_percent: PLATFORM_FEE_PERCENT,
        transfer_data: { destination: seller.accountId },
        metadata: meta,
      },
      ...(customer ? { customer } : { customer_email: viewer.email }),
      client_reference_id: viewer.id,
      metadata: meta,
      expires_at: hold.expiresAt,
      success_url: `${origin}/checkout/return?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${origin}/tiers/${t.id}?checkout=canceled`,
    });
    if (quote && session.amount_total !== quote.total) {
      // Stripe priced the first payment differently from our quote: refuse rather than charge another amount.
      await stripe.checkout.sessions.expire(session.id).catch(() => undefined);
      throw new Error(`checkout ${session.id}: Stripe's total ${session.amount_total} differs from the quoted ${quote.total}`);
    }
    if (redemptionId) await attachDiscountSession(env, redemptionId, session.id);
    await db.insert(checkouts).values({
      sessionId: session.id,
      kind: "tier",
      userId: viewer.id,
      creatorId: t.creatorId,
      tierId: t.id,
      holdId: hold.holdId,
      status: "open",
      url: session.url,
      expiresAt: hold.expiresAt,
      createdAt: nowSeconds(),
    });
    const attached = await stub.attach(hold.holdId, session.id, session.url);
    if (!attached.attached && attached.sessionId && attached.sessionUrl) {
      // Our turn to open the session had lapsed and another request of this person opened one: keep theirs.
      await stripe.checkout.sessions.expire(session.id).catch(() => undefined);
      return { url: attached.sessionUrl };
    }
    return { url: session.url! };
  } catch (e) {
    if (redemptionId) await releaseDiscount(env, redemptionId);
    await stub.release({ holdId: hold.holdId });
    await markSeatsChanged(env, t.id);
    throw e;
  }
}

/**
 * Free tiers: no Stripe, but every free tier (capped or not) goes through its seat counter, whose
 * `join` admits a person once (D52): concurrent joins of one person make one membership and take
 * one seat; the others — and any later join of a live member — land on the tier page saying so.
 */
export async function joinFreeTier(env: Env, viewer: Pick<Viewer, "id">, tierId: string): Promise<TierCheckoutResult> {
  const db = getDb(env);
  const t = await db.query.tiers.findFirst({ where: eq(tiers.id, tierId) });
  if (!t || t.status !== "active" || t.pricing !== "free" || (await creatorHidden(env, t.creatorId)))
    throw notFound("That tier isn't available.");
  if (await liveMembership(env, viewer.id, t.id)) return { url: alreadyMemberUrl(t.id), alreadyMember: true };
  const id = `free_${newId(16)}`;
  const stub = seats(env, t.id);
  const r = await stub.join({ userId: viewer.id, memberId: id });
  if (!r.ok && r.reason === "already_member") return { url: alreadyMemberUrl(t.id), alreadyMember: true };
  if (!r.ok) throw new TierFullError(t.id);
  const now = nowSeconds();
  try {
    await db.insert(memberships).values({
      id,
      userId: viewer.id,
      creatorId: t.creatorId,
      tierId: t.id,
      status: "active",
      amount: 0,
      currency: null,
      createdAt: now,
      updatedAt: now,
      syncedAt: Date.now(),
    });
  } catch (e) {
    await stub.end(id); // no membership row, no seat
    throw e;
  } finally {
    await markSeatsChanged(env, t.id);
  }
  await notifyNewSubscriber(env, { creatorId: t.creatorId, tierId: t.id, membershipKey: id });
  return { url: "/library?joined=1" };
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

/**
 * A service checkout's booking, fixed package or session pack (services module): ready once the
 * webhook confirmed it, refunded when its time was taken before the payment arrived.
 */
export async function serviceCheckoutState(env: Env, sessionId: string) {
  const db = getDb(env);
  const [b] = await db
    .select({ id: bookings.id, status: bookings.status, title: services.title })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .where(eq(bookings.checkoutSessionId, sessionId))
    .limit(1);
  const [p] = b
    ? []
    : await db
        .select({ id: servicePacks.id, status: servicePacks.status, title: services.title })
        .from(servicePacks)
        .innerJoin(services, eq(services.id, servicePacks.serviceId))
        .where(eq(servicePacks.checkoutSessionId, sessionId))
        .limit(1);
  const row = b ?? p;
  const state: "ready" | "refunded" | "expired" | null =
    row && ["confirmed", "active", "delivered"].includes(row.status)
      ? "ready"
      : row?.status === "refunded"
        ? "refunded"
        : row?.status === "expired"
          ? "expired"
          : null;
  return { title: row?.title ?? "your booking", state, bookingId: b?.id ?? null };
}

/** The thank-you page's view of a checkout: honest while the webhook is still on its way. */
export async function checkoutStatus(env: Env, viewer: Viewer, sessionId: string) {
  const db = getDb(env);
  const c = await db.query.checkouts.findFirst({ where: eq(checkouts.sessionId, sessionId) });
  if (!c || c.userId !== viewer.id) throw notFound("We couldn't find that checkout.");
  let state: "processing" | "ready" | "expired" | "refunded" = c.status === "expired" ? "expired" : "processing";
  let title = "";
  let link = "/library";
  if (c.kind === "service") {
    const x = await serviceCheckoutState(env, sessionId);
    title = x.title;
    link = "/library/bookings";
    if (x.state) state = x.state;
  } else if (c.kind === "product" && c.productId) {
    const p = await db.query.products.findFirst({ where: eq(products.id, c.productId) });
    title = p?.title ?? "your purchase";
    if (await hasAccess(env, viewer.id, c.productId)) state = "ready";
    if (p?.type === "course") link = `/library/courses/${p.id}`;
  } else if (c.tierId) {
    const t = await db.query.tiers.findFirst({ where: eq(tiers.id, c.tierId) });
    title = t?.name ?? "your membership";
    if (await liveMembership(env, viewer.id, c.tierId)) state = "ready";
  }
  return { kind: c.kind as "product" | "tier" | "service", state, title, link };
}
