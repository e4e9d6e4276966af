/**
 * Buying without an account (D71). Stripe Checkout collects the email; the order is recorded from
 * the verified webhook for the account of that email (an existing one, or a new one with no
 * password yet) and nobody is signed in. The browser that started the checkout holds a random
 * token (cookie `at_guest`) that lets it — and only it — see the thank-you page and download the
 * files. What the guest sees never depends on whether the email already had an account.
 */
import * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { AppError, conflict, notFound } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { getStripe } from "~/lib/stripe.server";
import { parseOrThrow } from "~/lib/validation";
import { accountForGuestEmail } from "~/modules/identity/service.server";
import { Email } from "~/modules/identity/validation";
import { hashAccountToken } from "~/modules/identity/tokens.server";
import { findProductFile, hasAccess, streamProductFile } from "~/modules/products/service.server";
import { canSell } from "./connect.server";
import {
  attachDiscountSession,
  couponFor,
  GUEST_BUYER,
  productOffering,
  quoteDiscount,
  releaseDiscount,
  reserveDiscount,
  type DiscountQuote,
} from "~/modules/growth/discounts.server";
import {
  assertFreeOrderAllowed,
  buyerAmount,
  claimFreeWithCode,
  productForSale,
  recordFreeOrder,
  tierLineItem,
  tierForSale,
  CHECKOUT_TTL_SECONDS,
  TierFullError,
} from "./checkout.server";
import { platformFee, PLATFORM_FEE_PERCENT } from "~/lib/money";
import { markSeatsChanged, seats } from "~/modules/tiers/seats.server";
import { SubscribeInput } from "~/modules/tiers/validation";
import { guestCheckoutBySession, insertGuestCheckout, paidOrderOfSession, productFilesOf } from "./queries.server";

export const GUEST_COOKIE = "at_guest";
const TOKEN_RE = /^[A-Za-z0-9_-]{32,64}$/;

/** The guest token this browser holds, if any. */
export function guestTokenFrom(request: Request): string | null {
  const m = new RegExp(`(?:^|;\\s*)${GUEST_COOKIE}=([^;]+)`).exec(request.headers.get("Cookie") ?? "");
  return m && TOKEN_RE.test(m[1]) ? m[1] : null;
}

export function newGuestToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** HttpOnly: scripts never read it. 7 days: the thank-you page and its downloads keep working that long. */
export const guestCookie = (token: string, secure: boolean) =>
  `${GUEST_COOKIE}=${token}; Path=/; Max-Age=${7 * 24 * 60 * 60}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;

const GuestEmailInput = v.object({ email: Email });

/**
 * A guest buys a product. Paid amounts open a Checkout Session that collects the email; a $0 order
 * (free, or pay what you want at 0) needs the email typed on our page and is recorded at once,
 * rate-limited per email and IP like any free order. Either way the answer is the same whether or
 * not the email has an account.
 */
export async function startGuestProductCheckout(
  env: Env,
  productId: string,
  origin: string,
  opts: { amount?: string; email?: string; ip: string; token: string; code?: string },
): Promise<{ url: string }> {
  const { p, creator } = await productForSale(env, productId);
  const subtotal = buyerAmount(p, opts.amount);
  // A discount code (D113): like a signed-in buyer's, except first-time-only codes, which need an account.
  const quote: DiscountQuote | null = opts.code?.trim() ? await quoteDiscount(env, opts.code, productOffering(p), null, subtotal) : null;
  const amount = quote ? quote.total : subtotal;
  const tokenHash = await hashAccountToken(opts.token);
  if (amount === 0) {
    const { email } = parseOrThrow(GuestEmailInput, { email: opts.email ?? "" });
    let key: string | null;
    if (quote) {
      // A 100%-off code: a zero order for the email's account, its use reserved exactly like a paid one.
      const account = await accountForGuestEmail(env, email);
      key = await claimFreeWithCode(env, { buyerId: account.id, email, guest: true }, p, quote, opts.ip);
      key ??= `free_${newId(16)}`;
      await insertGuestCheckout(env, {
        sessionId: key,
        tokenHash,
        productId: p.id,
        creatorId: p.creatorId,
        buyerId: account.id,
        status: "complete",
        createdAt: nowSeconds(),
      });
      return { url: `/checkout/return?session_id=${key}` };
    }
    await assertFreeOrderAllowed(env, email, opts.ip);
    const account = await accountForGuestEmail(env, email);
    // Already theirs (or a concurrent claim won): the same answer, no second order.
    key = (await recordFreeOrder(env, { buyerId: account.id, guest: true }, p)) ?? `free_${newId(16)}`;
    await insertGuestCheckout(env, {
      sessionId: key,
      tokenHash,
      productId: p.id,
      creatorId: p.creatorId,
      buyerId: account.id,
      status: "complete",
      createdAt: nowSeconds(),
    });
    return { url: `/checkout/return?session_id=${key}` };
  }
  const seller = await canSell(env, p.creatorId);
  if (!seller.ok || !seller.accountId) throw conflict("This product is coming soon: the creator is still setting up payouts.");
  const stripe = getStripe(env);
  const coupon = quote ? await couponFor(env, quote.code) : null;
  const expiresAt = nowSeconds() + CHECKOUT_TTL_SECONDS;
  // The code's use is held for as long as the session can be paid (409 when used up); the guest's
  // account is known only when Checkout completes.
  const redemptionId = quote
    ? await reserveDiscount(env, quote, { buyerId: GUEST_BUYER, productId: p.id, currency: p.currency, expiresAt })
    : null;
  const meta = {
    kind: "product",
    product_id: p.id,
    creator_id: p.creatorId,
    guest: "1",
    ...(quote && redemptionId ? { discount_code_id: quote.code.id, discount_redemption_id: redemptionId } : {}),
  };
  let session;
  try {
    session = await stripe.checkout.sessions.create({
      ...(coupon ? { discounts: [{ coupon }] } : {}),
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: { currency: p.currency, unit_amount: subtotal, product_data: { name: p.title, metadata: { product_id: p.id } } },
        },
      ],
      payment_intent_data: {
        application_fee_amount: platformFee(amount),
        transfer_data: { destination: seller.accountId },
        metadata: meta,
        description: `${p.title} by ${creator.displayName} on All Thrive`,
      },
      // No customer_email: Checkout asks for it, and the receipt and library go to that address.
      metadata: meta,
      expires_at: expiresAt,
      success_url: `${origin}/checkout/return?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${origin}/@${creator.handle}/products/${p.slug}?checkout=canceled`,
    });
    if (session.amount_total !== amount) {
      // Stripe priced the discount differently from our quote: the fee would not be 8% of the charge.
      await stripe.checkout.sessions.expire(session.id).catch(() => undefined);
      throw new Error(`checkout ${session.id}: Stripe's total ${session.amount_total} differs from the quoted ${amount}`);
    }
  } catch (e) {
    if (redemptionId) await releaseDiscount(env, redemptionId);
    throw e;
  }
  if (redemptionId) await attachDiscountSession(env, redemptionId, session.id);
  await insertGuestCheckout(env, {
    sessionId: session.id,
    tokenHash,
    productId: p.id,
    creatorId: p.creatorId,
    buyerId: null,
    status: "open",
    createdAt: nowSeconds(),
  });
  return { url: session.url! };
}

/** The guest checkout this browser started, or 404 — for anyone else it doesn't exist. */
async function ownGuestCheckout(env: Env, sessionId: string, token: string | null) {
  if (!token || !sessionId || sessionId.length > 200) throw notFound("We couldn't find that checkout.");
  const row = await guestCheckoutBySession(env, sessionId);
  if (!row || row.tokenHash !== (await hashAccountToken(token))) throw notFound("We couldn't find that checkout.");
  return row;
}

/**
 * Ready when this checkout's own order is paid; for a $0 order, when its account has the product
 * (a free product it already had reads the same: nothing tells the guest it was there before).
 */
async function guestReady(env: Env, row: NonNullable<Awaited<ReturnType<typeof guestCheckoutBySession>>>): Promise<boolean> {
  if (!row.productId) return row.status === "complete"; // a tier join (D77): its membership was recorded
  if (row.sessionId.startsWith("free_")) return !!row.buyerId && (await hasAccess(env, row.buyerId, row.productId));
  return !!(await paidOrderOfSession(env, row.sessionId));
}

/** The guest's thank-you page: processing until the webhook has recorded the order, then the files. */
export async function guestCheckoutStatus(env: Env, sessionId: string, token: string | null) {
  const row = await ownGuestCheckout(env, sessionId, token);
  const db = getDb(env);
  if (!row.productId) {
    // A tier joined as a guest (D77). "Ready" once the webhook has recorded it for the email's
    // account — also when that account already was a member and this one was undone: the page reads
    // the same either way, and the inbox (the owner's proof) says what happened.
    const t = row.tierId ? await db.query.tiers.findFirst({ where: (x, { eq }) => eq(x.id, row.tierId!) }) : undefined;
    return {
      kind: "tier" as const,
      guest: true as const,
      state: (row.status === "complete" ? "ready" : row.status === "expired" ? "expired" : "processing") as
        "ready" | "expired" | "processing",
      title: t?.name ?? "your membership",
      link: "/login?redirectTo=%2Flibrary",
      files: [] as { fileName: string; size: number; href: string }[],
    };
  }
  const productId = row.productId;
  const p = await db.query.products.findFirst({ where: (t, { eq }) => eq(t.id, productId) });
  const ready = await guestReady(env, row);
  const files = ready ? await productFilesOf(env, productId) : [];
  return {
    kind: "product" as const,
    guest: true as const,
    state: (ready ? "ready" : row.status === "expired" ? "expired" : "processing") as "ready" | "expired" | "processing",
    title: p?.title ?? "your purchase",
    link: "/login?redirectTo=%2Flibrary",
    files: files.map((f) => ({
      fileName: f.fileName,
      size: f.size,
      href: `/checkout/files/${f.id}?session_id=${encodeURIComponent(sessionId)}`,
    })),
  };
}

/** A file of a guest's purchase, for the browser that bought it; 404 for anyone else. */
export async function guestDownload(env: Env, request: Request, fileId: string): Promise<Response> {
  const sessionId = new URL(request.url).searchParams.get("session_id") ?? "";
  const missing = () => new Response("Not found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  let row;
  try {
    row = await ownGuestCheckout(env, sessionId, guestTokenFrom(request));
  } catch {
    return missing();
  }
  const f = await findProductFile(env, fileId);
  if (!f || f.productId !== row.productId || !(await guestReady(env, row))) return missing();
  return streamProductFile(env, f, request);
}

/**
 * A guest joins a paid tier (D77). Like a signed-in join, a seat is held in the tier's Durable
 * Object for exactly as long as the Checkout Session lives, so caps stay exact; the hold belongs to
 * this attempt (the person is unknown until Checkout collects the email). The webhook records the
 * membership for the account of that email, where one paid membership per person holds. Free tiers
 * ask the guest to sign in.
 */
export async function startGuestTierCheckout(
  env: Env,
  tierId: string,
  input: unknown,
  origin: string,
  opts: { token: string },
): Promise<{ url: string }> {
  const t = await tierForSale(env, tierId);
  if (t.pricing === "free") throw new AppError(401, "Sign in or create an account to join this free tier.");
  const s = parseOrThrow(SubscribeInput, input);
  const seller = await canSell(env, t.creatorId);
  if (!seller.ok || !seller.accountId) throw conflict("This tier is coming soon: the creator is still setting up payouts.");
  const lineItem = tierLineItem(t, s);
  const tokenHash = await hashAccountToken(opts.token);
  const stub = seats(env, t.id);
  const holdId = `hold_${newId(16)}`;
  const hold = await stub.reserve({ holdId, userId: `guest:${holdId}`, expiresAt: nowSeconds() + CHECKOUT_TTL_SECONDS });
  if (!hold.ok) throw new TierFullError(t.id);
  await markSeatsChanged(env, t.id);
  const meta = { kind: "tier", tier_id: t.id, creator_id: t.creatorId, hold_id: hold.holdId, guest: "1" };
  try {
    const session = await getStripe(env).checkout.sessions.create({
      mode: "subscription",
      line_items: [lineItem],
      subscription_data: {
        application_fee_percent: PLATFORM_FEE_PERCENT,
        transfer_data: { destination: seller.accountId },
        metadata: meta,
      },
      // No customer_email: Checkout asks for it; the membership goes to that address's account.
      metadata: meta,
      expires_at: hold.expiresAt,
      success_url: `${origin}/checkout/return?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${origin}/tiers/${t.id}?checkout=canceled`,
    });
    await insertGuestCheckout(env, {
      sessionId: session.id,
      tokenHash,
      productId: null,
      tierId: t.id,
      holdId: hold.holdId,
      creatorId: t.creatorId,
      buyerId: null,
      status: "open",
      createdAt: nowSeconds(),
    });
    await stub.attach(hold.holdId, session.id, session.url);
    return { url: session.url! };
  } catch (e) {
    await stub.release({ holdId: hold.holdId });
    await markSeatsChanged(env, t.id);
    throw e;
  }
}
