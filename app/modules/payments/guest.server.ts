/**
 * Buying without an account (D71). Stripe Checkout collects the email; the order is recorded from
 * the verified webhook for the account of that email (an existing one, or a new one with no
 * password yet) and nobody is signed in. The browser that started the checkout holds a random
 * token (cookie `at_guest`) that lets it — and only it — see the thank-you page and download the
 * files. What the guest sees never depends on whether the email already had an account.
 */
import { attributionFor, claimMetadata } from "~/modules/affiliates/service.server";
import * as v from "valibot";
import { publicUrl } from "~/lib/public-url";
import { hit } from "~/modules/identity/rate-limit.server";
import { enqueueAccountEmail } from "~/modules/email/service.server";
import { guestTierConfirmEmail, guestTierWelcomeEmail } from "~/modules/email/templates.server";
import { setPasswordLink } from "~/modules/email/transactional.server";
import { getDb } from "~/lib/db.server";
import { AppError, conflict, notFound, tooManyRequests } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { getStripe } from "~/lib/stripe.server";
import { parseOrThrow } from "~/lib/validation";
import { accountForGuestEmail } from "~/modules/identity/service.server";
import { Email } from "~/modules/identity/validation";
import { hashAccountToken, looksLikeAccountToken, newAccountToken } from "~/modules/identity/tokens.server";
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
  joinFreeTier,
  liveMembership,
  claimFreeWithCode,
  productForSale,
  recordFreeOrder,
  tierLineItem,
  tierForSale,
  quoteTierCode,
  tierZeroCollection,
  CHECKOUT_TTL_SECONDS,
  serviceCheckoutState,
  startTierCheckout,
  TierFullError,
} from "./checkout.server";
import { bookingManagePath, verifySeatOfferToken } from "~/modules/email/tokens.server";
import { platformFee, PLATFORM_FEE_PERCENT } from "~/lib/money";
import { markSeatsChanged, seats } from "~/modules/tiers/seats.server";
import { SubscribeInput } from "~/modules/tiers/validation";
import {
  guestCheckoutBySession,
  insertGuestCheckout,
  insertGuestTierRequest,
  paidOrderOfSession,
  productFilesOf,
  spendGuestTierRequest,
} from "./queries.server";

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
  opts: { amount?: string; email?: string; ip: string; token: string; cookie?: string | null; code?: string },
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
  // A guest's affiliate click lives only in the signed cookie; the webhook refuses self-referral once the buyer's account is known.
  const claim = await attributionFor(env, {
    buyerId: "",
    creatorId: p.creatorId,
    kind: "product",
    itemId: p.id,
    cookieHeader: opts.cookie ?? null,
  });
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
    ...claimMetadata(claim),
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
  if (!row.productId && !row.tierId) {
    // A service booked (or a pack bought) as a guest (D131): ready once the webhook confirmed it; the
    // page links the booking's manage page, the same link the emails carry.
    const x = await serviceCheckoutState(env, sessionId);
    const ready = x.state === "ready";
    return {
      kind: "service" as const,
      guest: true as const,
      state: (x.state ?? (row.status === "expired" ? "expired" : "processing")) as "ready" | "expired" | "processing" | "refunded",
      title: x.title,
      link: ready && x.bookingId ? await bookingManagePath(env, x.bookingId) : "/login?redirectTo=%2Flibrary%2Fbookings",
      files: [] as { fileName: string; size: number; href: string }[],
    };
  }
  if (!row.productId) {
    // A tier joined as a guest (D77). "Ready" once the webhook has recorded it for the email's
    // account — also when that account already was a member and this one was undone: the page reads
    // the same either way, and the inbox (the owner's proof) says what happened.
    const t = row.tierId ? await db.query.tiers.findFirst({ where: (x, { eq }) => eq(x.id, row.tierId!) }) : undefined;
    return {
      kind: "tier" as const,
      guest: true as const,
      state: (row.status === "complete" || (row.buyerId && row.tierId && (await liveMembership(env, row.buyerId, row.tierId)))
        ? "ready"
        : row.status === "expired"
          ? "expired"
          : "processing") as "ready" | "expired" | "processing",
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
  opts: { token: string; cookie?: string | null },
): Promise<{ url: string }> {
  const t = await tierForSale(env, tierId);
  if (t.pricing === "free") throw new AppError(401, "Sign in or create an account to join this free tier.");
  const s = parseOrThrow(SubscribeInput, input);
  const seller = await canSell(env, t.creatorId);
  if (!seller.ok || !seller.accountId) throw conflict("This tier is coming soon: the creator is still setting up payouts.");
  const lineItem = tierLineItem(t, s);
  // A discount code: the same rules as a signed-in member's (first-time-only codes ask the guest to sign in).
  const quote = await quoteTierCode(env, t, s, input, null);
  const tokenHash = await hashAccountToken(opts.token);
  const stub = seats(env, t.id);
  const holdId = `hold_${newId(16)}`;
  const hold = await stub.reserve({ holdId, userId: `guest:${holdId}`, expiresAt: nowSeconds() + CHECKOUT_TTL_SECONDS });
  if (!hold.ok) throw new TierFullError(t.id);
  await markSeatsChanged(env, t.id);
  let redemptionId: string | null = null;
  // The affiliate click lives only in the signed cookie; self-referral is refused once Checkout has the email.
  const claim = await attributionFor(env, {
    buyerId: "",
    creatorId: t.creatorId,
    kind: "tier",
    itemId: t.id,
    cookieHeader: opts.cookie ?? null,
  });
  try {
    const coupon = quote ? await couponFor(env, quote.code) : null;
    // The code's use is held exactly as long as the seat (409 when used up); whose it is, Checkout's email decides.
    if (quote)
      redemptionId = await reserveDiscount(env, quote, {
        buyerId: GUEST_BUYER,
        productId: t.id,
        kind: "tier",
        currency: t.currency,
        expiresAt: hold.expiresAt,
      });
    const meta = {
      kind: "tier",
      tier_id: t.id,
      creator_id: t.creatorId,
      hold_id: hold.holdId,
      guest: "1",
      ...(redemptionId ? { discount_redemption_id: redemptionId } : {}),
      ...claimMetadata(claim),
    };
    const stripe = getStripe(env);
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
      // No customer_email: Checkout asks for it; the membership goes to that address's account.
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
    if (redemptionId) await releaseDiscount(env, redemptionId);
    await stub.release({ holdId: hold.holdId });
    await markSeatsChanged(env, t.id);
    throw e;
  }
}

// ------------------------------------------------------------------ free tiers and waitlists by email (D125)

/** How long a guest's confirmation link works. */
export const GUEST_JOIN_TTL_SECONDS = 24 * 60 * 60;
/** Confirmation emails a person (by email) and a network address (by IP) may ask for per hour. */
export const GUEST_JOIN_LIMITS = { perEmail: 5, perIp: 20, windowSeconds: 60 * 60 } as const;

/**
 * A guest asks to join a free tier (or the waitlist of a full tier, free or paid) by email. Double
 * opt-in: this only stores a single-use link and emails it; nothing is joined and no account is
 * looked up or made until the link is confirmed. So the answer — and the work done — is the same
 * whether or not the email has an account, is already a member, or is already waiting.
 */
export async function requestGuestTierJoin(
  env: Env,
  tierId: string,
  input: unknown,
  opts: { ip: string },
): Promise<{ kind: "join" | "waitlist"; email: string; message: string }> {
  const t = await tierForSale(env, tierId);
  const { email } = parseOrThrow(GuestEmailInput, input);
  const status = await seats(env, t.id).status();
  const full = t.maxSubscribers !== null && status.seatsLeft !== null && status.seatsLeft <= 0;
  if (!full && t.pricing !== "free") throw conflict("This tier has seats: subscribe, and Checkout will ask for your email.");
  const kind = full ? "waitlist" : "join";
  const db = getDb(env);
  const w = GUEST_JOIN_LIMITS.windowSeconds;
  const [byEmail, byIp] = await Promise.all([hit(db, `guest-join:email:${email}`, w), hit(db, `guest-join:ip:${opts.ip}`, w)]);
  const over = byEmail.count > GUEST_JOIN_LIMITS.perEmail ? byEmail : byIp.count > GUEST_JOIN_LIMITS.perIp ? byIp : null;
  if (over) {
    const retry = Math.max(1, over.resetAt - nowSeconds());
    throw tooManyRequests(`We've sent a lot of confirmation emails already. Try again in ${Math.ceil(retry / 60)} minutes.`, retry);
  }
  const creator = await db.query.creators.findFirst({ where: (c, { eq }) => eq(c.userId, t.creatorId) });
  const token = newAccountToken();
  const tokenHash = await hashAccountToken(token);
  const now = nowSeconds();
  await insertGuestTierRequest(env, { tokenHash, email, tierId: t.id, kind, expiresAt: now + GUEST_JOIN_TTL_SECONDS, createdAt: now });
  const mail = guestTierConfirmEmail({
    kind,
    tierName: t.name,
    creatorName: creator?.displayName ?? "the creator",
    confirmUrl: publicUrl(env, `/tiers/confirm/${token}`),
  });
  await enqueueAccountEmail(env, {
    key: `guest-join:${tokenHash.slice(0, 32)}`,
    kind: "guest_tier_confirm",
    userId: null,
    to: email,
    ...mail,
  });
  return {
    kind,
    email,
    message:
      kind === "join"
        ? `Check your inbox: we've sent a link to ${email}. Open it to confirm and join ${t.name}.`
        : `Check your inbox: we've sent a link to ${email}. Open it to confirm your place on the waitlist.`,
  };
}

const GUEST_LINK_INVALID = "This link has expired or was already used. Ask for a new one on the tier's page.";

/** A confirmation link that still works, with its tier and creator; 404 otherwise. Changes nothing. */
async function liveGuestTierRequest(env: Env, token: string | undefined) {
  if (!looksLikeAccountToken(token)) throw notFound(GUEST_LINK_INVALID);
  const tokenHash = await hashAccountToken(token);
  const db = getDb(env);
  const r = await db.query.guestTierRequests.findFirst({ where: (x, { eq }) => eq(x.tokenHash, tokenHash) });
  if (!r || r.usedAt !== null || r.expiresAt <= nowSeconds()) throw notFound(GUEST_LINK_INVALID);
  const t = await db.query.tiers.findFirst({ where: (x, { eq }) => eq(x.id, r.tierId) });
  const creator = t ? await db.query.creators.findFirst({ where: (c, { eq }) => eq(c.userId, t.creatorId) }) : undefined;
  if (!t || t.status !== "active" || !creator || creator.hiddenAt !== null) throw notFound("That tier isn't available any more.");
  return { r, t, creator };
}

/** The page a confirmation link opens: what confirming will do (a button, so mail scanners opening links join nobody). */
export async function guestTierRequestPage(env: Env, token: string | undefined) {
  const { r, t, creator } = await liveGuestTierRequest(env, token);
  return {
    kind: r.kind,
    email: r.email,
    tier: { id: t.id, name: t.name },
    creator: { handle: creator.handle, displayName: creator.displayName },
  };
}

export type GuestTierConfirmed = {
  outcome: "member" | "waitlist" | "offered" | "owner";
  position: number | null;
  tier: { id: string; name: string };
  creator: { handle: string; displayName: string };
};

/**
 * The guest confirmed (proof of the inbox): the link is used up in one conditional statement (a
 * second click, or a concurrent one, finds it used), the email's account is found or made (no
 * password yet, D71), and the free membership is recorded through the tier's seat counter — one per
 * person per tier, by account — or the place on the waitlist taken. A free tier that filled up since
 * the request puts them on its waitlist instead. Nobody is signed in; the email that follows carries
 * a set-password link when the account has no password.
 */
export async function confirmGuestTierJoin(env: Env, token: string | undefined): Promise<GuestTierConfirmed> {
  const { r, t, creator } = await liveGuestTierRequest(env, token);
  const db = getDb(env);
  if (!(await spendGuestTierRequest(env, r.tokenHash))) throw notFound(GUEST_LINK_INVALID);
  const account = await accountForGuestEmail(env, r.email);
  const base = { tier: { id: t.id, name: t.name }, creator: { handle: creator.handle, displayName: creator.displayName } };
  if (account.id === t.creatorId) return { outcome: "owner", position: null, ...base };
  let outcome: GuestTierConfirmed["outcome"] = "member";
  let position: number | null = null;
  const toWaitlist = async () => {
    if (await liveMembership(env, account.id, t.id)) return;
    const w = await seats(env, t.id).joinWaitlist(account.id);
    outcome = w.offered ? "offered" : "waitlist";
    position = w.offered ? null : w.position;
  };
  if (r.kind === "join" && t.pricing === "free") {
    try {
      await joinFreeTier(env, { id: account.id }, t.id);
    } catch (e) {
      if (!(e instanceof TierFullError)) throw e;
      await toWaitlist();
    }
  } else await toWaitlist();
  const user = await db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, account.id), columns: { guestAt: true } });
  const setPassword = user?.guestAt != null;
  const url = setPassword
    ? publicUrl(env, `/reset-password/${await setPasswordLink(env, account.id)}`)
    : publicUrl(env, outcome === "member" ? "/login?redirectTo=%2Flibrary" : `/login?redirectTo=${encodeURIComponent(`/tiers/${t.id}`)}`);
  const mail = guestTierWelcomeEmail({
    kind: outcome === "member" ? "member" : "waitlist",
    tierName: t.name,
    creatorName: creator.displayName,
    position,
    url,
    setPassword,
  });
  await enqueueAccountEmail(env, {
    key: `guest-joined:${r.tokenHash.slice(0, 32)}`,
    kind: "guest_tier_welcome",
    userId: account.id,
    to: account.email,
    ...mail,
  });
  return { outcome, position, ...base };
}

// ------------------------------------------------------------------ waitlist seat offers by email (D132)

const OFFER_GONE = "This seat offer has ended: it was taken or its hold ran out. Join the waitlist again on the tier's page.";

/** The tier and offer an emailed claim link is for; 404 for a wrong or forged link. Changes nothing. */
async function offerForLink(env: Env, tierId: string | undefined, holdId: string | undefined, token: string | undefined) {
  if (!tierId || !holdId || !token || !(await verifySeatOfferToken(env, tierId, holdId, token)))
    throw notFound("We couldn't find that offer.");
  const db = getDb(env);
  const t = await db.query.tiers.findFirst({ where: (x, { eq }) => eq(x.id, tierId) });
  const creator = t ? await db.query.creators.findFirst({ where: (c, { eq }) => eq(c.userId, t.creatorId) }) : undefined;
  if (!t || t.status !== "active" || !creator || creator.hiddenAt !== null) throw notFound("That tier isn't available any more.");
  const offer = await seats(env, t.id).offer(holdId);
  return { t, creator, offer };
}

/** What a seat offer's link opens: the tier, until when the seat is held — or that the offer has ended. */
export async function seatOfferPage(env: Env, tierId: string | undefined, holdId: string | undefined, token: string | undefined) {
  const { t, creator, offer } = await offerForLink(env, tierId, holdId, token);
  return {
    tier: { id: t.id, name: t.name, paid: t.pricing !== "free", annual: t.annualAmount !== null && t.pricing === "fixed" },
    creator: { handle: creator.handle, displayName: creator.displayName },
    open: !!offer,
    expiresAt: offer?.expiresAt ?? null,
  };
}

/**
 * The person offered a seat takes it from the emailed link (their inbox is the proof; nobody is
 * signed in). The same rules as in-app: the offer must still be open and theirs; a free tier joins
 * through the seat counter (the offer's hold becomes the membership), a paid one opens Checkout for
 * their account, where the offered hold becomes the checkout's. An ended offer gets 410 and a clear
 * message. The browser gets the guest token so it sees the thank-you page of that checkout.
 */
export async function claimSeatOffer(
  env: Env,
  tierId: string | undefined,
  holdId: string | undefined,
  token: string | undefined,
  input: unknown,
  opts: { origin: string; guestToken: string },
): Promise<{ url: string } | { member: true; tierName: string }> {
  const { t, offer } = await offerForLink(env, tierId, holdId, token);
  if (!offer) throw new AppError(410, OFFER_GONE);
  const db = getDb(env);
  const user = await db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, offer.userId), columns: { id: true, email: true } });
  if (!user) throw new AppError(410, OFFER_GONE);
  if (t.pricing === "free") {
    await joinFreeTier(env, { id: user.id }, t.id);
    return { member: true, tierName: t.name };
  }
  const r = await startTierCheckout(env, { id: user.id, email: user.email, isAdmin: false }, t.id, input, opts.origin);
  if (r.alreadyMember) return { url: r.url };
  const c = await db.query.checkouts.findFirst({ where: (x, { and, eq }) => and(eq(x.userId, user.id), eq(x.url, r.url)) });
  if (c)
    await insertGuestCheckout(env, {
      sessionId: c.sessionId,
      tokenHash: await hashAccountToken(opts.guestToken),
      productId: null,
      tierId: t.id,
      creatorId: t.creatorId,
      buyerId: user.id,
      status: "open",
      createdAt: nowSeconds(),
    }).catch(() => undefined); // the same checkout reopened: this browser already sees it
  return { url: r.url };
}
