/**
 * Booking a service as a guest (D131). A visitor who isn't signed in picks a slot and gives a name
 * and an email. The slot is held by the creator's calendar object exactly as for members (one winner
 * per slot). A paid booking goes through Checkout with that email fixed (`customer_email`) and is
 * confirmed by the same verified webhook as every booking; a free one is confirmed only from a
 * single-use link emailed to that address (double opt-in, like guest free tiers, D125). The booking
 * belongs to the account of the email (an existing one, or a new one with no password, D71) and
 * nobody is signed in; the guest sees, cancels and moves it through a signed link in their emails.
 * Every answer and every piece of work is the same whether or not the email has an account.
 */
import * as v from "valibot";
import { and, eq, gt, isNull } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, notFound, tooManyRequests, AppError } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { publicUrl } from "~/lib/public-url";
import { parseOrThrow } from "~/lib/validation";
import { enqueueAccountEmail } from "~/modules/email/service.server";
import { guestBookingConfirmEmail } from "~/modules/email/templates.server";
import { bookingManagePath, verifyBookingManageToken } from "~/modules/email/tokens.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { hit } from "~/modules/identity/rate-limit.server";
import { accountForGuestEmail } from "~/modules/identity/service.server";
import { users } from "~/modules/identity/schema";
import { Email } from "~/modules/identity/validation";
import { hashAccountToken, looksLikeAccountToken, newAccountToken } from "~/modules/identity/tokens.server";
import { guestCheckouts } from "~/modules/payments/schema";
import { creators } from "~/modules/storefronts/schema";
import {
  afterConfirmed,
  bookingPrice,
  cancelBooking,
  chosenSlot,
  findService,
  openSlots,
  parseAnswers,
  rescheduleBooking,
  SlotTakenError,
  startCheckout,
} from "./booking.server";
import { availabilityRules, bareRange, calendar, rangeFor } from "./calendar.server";
import { changeWindowOf } from "./policy";
import { bookings, guestBookingRequests, services } from "./schema";
import { groupByDay, longLabel } from "./slots";
import { isValidTimeZone } from "./zones";
import { addToCalendarLinks, bookingIcs } from "./ics.server";

/** How long a free guest booking's confirmation link works — and so how long its slot is held. */
export const GUEST_BOOKING_CONFIRM_TTL_SECONDS = 60 * 60;
/** Guest booking attempts a person (by email) and a network address (by IP) may make per hour. */
export const GUEST_BOOKING_LIMITS = { perEmail: 5, perIp: 20, windowSeconds: 60 * 60 } as const;

const GuestInput = v.object({
  name: v.pipe(
    v.string("Enter your name."),
    v.trim(),
    v.nonEmpty("Enter your name."),
    v.maxLength(100, "Keep your name under 100 characters."),
  ),
  email: Email,
});

export type GuestBookResult = { url: string; sessionId?: string } | { url: null; message: string; email: string };

async function limit(env: Env, email: string, ip: string) {
  const db = getDb(env);
  const w = GUEST_BOOKING_LIMITS.windowSeconds;
  const [byEmail, byIp] = await Promise.all([hit(db, `guest-book:email:${email}`, w), hit(db, `guest-book:ip:${ip}`, w)]);
  const over = byEmail.count > GUEST_BOOKING_LIMITS.perEmail ? byEmail : byIp.count > GUEST_BOOKING_LIMITS.perIp ? byIp : null;
  if (over) {
    const retry = Math.max(1, over.resetAt - nowSeconds());
    throw tooManyRequests(`That's a lot of booking attempts. Try again in ${Math.ceil(retry / 60)} minutes.`, retry);
  }
}

/**
 * A guest books a service. Paid: the slot is held and Checkout opens with the email given (the
 * booking is for that email's account, confirmed by the webhook). Free: the slot is held for an
 * hour and a confirmation link is emailed; nothing is booked until it is used. A session pack's
 * sessions are redeemed signed in (the pack itself can be bought as a guest).
 */
export async function bookServiceAsGuest(
  env: Env,
  handle: string,
  slug: string,
  input: Record<string, unknown>,
  origin: string,
  opts: { ip: string; token: string; cookie?: string | null },
): Promise<GuestBookResult> {
  const found = await findService(env, handle, slug, null);
  if (!found || found.s.status !== "published") throw notFound("That service isn't available.");
  const { creator, s } = found;
  const { name, email } = parseOrThrow(GuestInput, input);
  const answers = parseAnswers(s.intake, input);
  const tz = isValidTimeZone(input.tz) ? String(input.tz) : null;
  const backUrl = `/@${creator.handle}/services/${s.slug}`;
  const buyPack = s.pricing === "pack" && input.intent === "buy-pack";
  if (s.pricing === "pack" && !buyPack) throw new AppError(401, "Sign in to book with your pack.");
  const noSlot = s.pricing === "fixed_package" || !!s.schedulingUrl || buyPack;
  const slot = noSlot ? null : await chosenSlot(env, s, input);
  await limit(env, email, opts.ip);
  if (slot && bookingPrice(s, slot.minutes) === 0)
    return requestFreeBooking(env, s, creator.displayName, { name, email, answers, tz, ...slot });
  // Paid: the booking is the email's account's from the start (D71: the same two statements whether
  // or not it exists); Checkout is opened with that email, so the receipt and the booking go there.
  const account = await accountForGuestEmail(env, email);
  const buyer: Viewer = { id: account.id, email: account.email, isAdmin: false };
  const r = await startCheckout(env, buyer, s, creator, {
    answers,
    tz,
    minutes: slot?.minutes ?? null,
    start: slot?.start ?? null,
    origin,
    backUrl,
    range: slot?.range,
    cookie: opts.cookie,
    guest: { name },
  });
  // Only this browser (its `at_guest` token) sees the thank-you page of this checkout.
  // (Written here, not through payments' queries: payments' webhook path imports this module.)
  await getDb(env)
    .insert(guestCheckouts)
    .values({
      sessionId: r.sessionId!,
      tokenHash: await hashAccountToken(opts.token),
      productId: null,
      creatorId: s.creatorId,
      buyerId: account.id,
      status: "open",
      createdAt: nowSeconds(),
    });
  return { url: r.url, sessionId: r.sessionId };
}

async function requestFreeBooking(
  env: Env,
  s: typeof services.$inferSelect,
  creatorName: string,
  x: {
    name: string;
    email: string;
    answers: { label: string; answer: string }[];
    tz: string | null;
    start: number;
    end: number;
    minutes: number;
    range: ReturnType<typeof rangeFor>;
  },
): Promise<GuestBookResult> {
  const now = nowSeconds();
  const expiresAt = now + GUEST_BOOKING_CONFIRM_TTL_SECONDS;
  const holdId = `bk_${newId(16)}`;
  const cal = calendar(env, s.creatorId);
  const held = await cal.hold(holdId, x.range, expiresAt);
  if (!held.ok) throw new SlotTakenError(held.reason);
  const token = newAccountToken();
  const tokenHash = await hashAccountToken(token);
  try {
    await getDb(env)
      .insert(guestBookingRequests)
      .values({
        tokenHash,
        email: x.email,
        name: x.name,
        serviceId: s.id,
        creatorId: s.creatorId,
        holdId,
        startAt: Math.floor(x.start / 1000),
        endAt: Math.floor(x.end / 1000),
        minutes: x.minutes,
        answers: x.answers,
        buyerTimeZone: x.tz,
        expiresAt,
        createdAt: now,
      });
  } catch (e) {
    await cal.release(holdId);
    throw e;
  }
  const when = longLabel(x.start, x.tz ?? "UTC");
  const mail = guestBookingConfirmEmail({
    serviceTitle: s.title,
    creatorName,
    when,
    confirmUrl: publicUrl(env, `/bookings/confirm/${token}`),
  });
  await enqueueAccountEmail(env, {
    key: `guest-book:${tokenHash.slice(0, 32)}`,
    kind: "guest_booking_confirm",
    userId: null,
    to: x.email,
    ...mail,
  });
  return {
    url: null,
    email: x.email,
    message: `Almost done: we've sent a link to ${x.email}. Open it within an hour to confirm ${when} — the time is held for you until then.`,
  };
}

const LINK_INVALID = "This link has expired or was already used. Choose a time again on the service page.";

async function liveRequest(env: Env, token: string | undefined) {
  if (!looksLikeAccountToken(token)) throw notFound(LINK_INVALID);
  const tokenHash = await hashAccountToken(token);
  const db = getDb(env);
  const r = await db.query.guestBookingRequests.findFirst({ where: eq(guestBookingRequests.tokenHash, tokenHash) });
  if (!r || r.usedAt !== null || r.expiresAt <= nowSeconds()) throw notFound(LINK_INVALID);
  const s = await db.query.services.findFirst({ where: eq(services.id, r.serviceId) });
  const c = s ? await db.query.creators.findFirst({ where: eq(creators.userId, s.creatorId) }) : undefined;
  if (!s || s.status !== "published" || !c || c.hiddenAt !== null) throw notFound("That service isn't available any more.");
  return { r, s, c };
}

/** What a free guest booking's link opens: what confirming does (a button: a mail scanner opening the link books nothing). */
export async function guestBookingRequestPage(env: Env, token: string | undefined) {
  const { r, s, c } = await liveRequest(env, token);
  return {
    service: { title: s.title },
    creator: { handle: c.handle, displayName: c.displayName },
    when: longLabel(r.startAt * 1000, r.buyerTimeZone ?? "UTC"),
    name: r.name,
    email: r.email,
  };
}

/**
 * The guest confirmed (proof of the inbox): the link is used up in one conditional UPDATE (a second
 * or concurrent click finds it used), the email's account is found or made, the calendar confirms
 * the held slot (or, if the hold lapsed, takes it only if nobody else did) and the booking is written
 * as confirmed. Returns the booking's manage link.
 */
export async function confirmGuestBooking(env: Env, token: string | undefined): Promise<{ bookingId: string; managePath: string }> {
  const { r, s } = await liveRequest(env, token);
  const db = getDb(env);
  const t = nowSeconds();
  const [spent] = await db
    .update(guestBookingRequests)
    .set({ usedAt: t })
    .where(and(eq(guestBookingRequests.tokenHash, r.tokenHash), isNull(guestBookingRequests.usedAt), gt(guestBookingRequests.expiresAt, t)))
    .returning({ tokenHash: guestBookingRequests.tokenHash });
  if (!spent) throw notFound(LINK_INVALID);
  const account = await accountForGuestEmail(env, r.email);
  const cal = calendar(env, r.creatorId);
  if (account.id === s.creatorId) {
    await cal.release(r.holdId);
    throw conflict("That's your own service — nothing to book.");
  }
  const rules = await availabilityRules(env, r.creatorId);
  const range = rules ? rangeFor(rules, r.startAt * 1000, r.endAt * 1000) : bareRange(r.startAt * 1000, r.endAt * 1000);
  const ok = await cal.confirm(r.holdId, range);
  if (!ok.ok) throw new SlotTakenError(ok.reason);
  const id = newId();
  try {
    await db.batch([
      db.insert(bookings).values({
        id,
        serviceId: s.id,
        creatorId: s.creatorId,
        buyerId: account.id,
        startAt: r.startAt,
        endAt: r.endAt,
        holdId: r.holdId,
        status: "confirmed",
        currency: s.currency,
        minutes: r.minutes,
        answers: r.answers,
        buyerTimeZone: r.buyerTimeZone,
        guest: true,
        guestName: r.name,
        createdAt: t,
        updatedAt: t,
      }),
      db.update(guestBookingRequests).set({ bookingId: id }).where(eq(guestBookingRequests.tokenHash, r.tokenHash)),
    ]);
  } catch (e) {
    await cal.release(r.holdId);
    throw e;
  }
  await afterConfirmed(env, id, s.creatorId);
  return { bookingId: id, managePath: await bookingManagePath(env, id) };
}

// ---------------------------------------------------------------- the guest's manage link

/** The booking a manage link is for, with the buyer acting on it; 404 for a wrong or forged link. */
async function managed(env: Env, bookingId: string | undefined, token: string | undefined) {
  const missing = () => notFound("We couldn't find that booking.");
  if (!bookingId || !token || !(await verifyBookingManageToken(env, bookingId, token))) throw missing();
  const db = getDb(env);
  const b = await db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  if (!b) throw missing();
  const buyer = await db.query.users.findFirst({ where: eq(users.id, b.buyerId), columns: { id: true, email: true } });
  if (!buyer) throw missing();
  const actor: Viewer = { id: buyer.id, email: buyer.email, isAdmin: false };
  return { b, actor };
}

/** Everything the manage page shows: the booking, what may still be done with it, and times to move it to. */
export async function managedBooking(env: Env, bookingId: string | undefined, token: string | undefined, tzRaw?: string | null) {
  const { b } = await managed(env, bookingId, token);
  const db = getDb(env);
  const [s, c, rules] = await Promise.all([
    db.query.services.findFirst({ where: eq(services.id, b.serviceId) }),
    db.query.creators.findFirst({ where: eq(creators.userId, b.creatorId) }),
    availabilityRules(env, b.creatorId),
  ]);
  if (!s || !c) throw notFound("We couldn't find that booking.");
  const zone = isValidTimeZone(tzRaw) ? tzRaw : (b.buyerTimeZone ?? rules?.timeZone ?? "UTC");
  const now = nowSeconds();
  const windowHours = changeWindowOf(rules);
  const timed = b.startAt !== null && b.endAt !== null && !!b.holdId && !b.holdId.startsWith("lk_");
  const upcoming = b.status === "confirmed" && timed && b.startAt! > now;
  const freeChange = upcoming && b.startAt! - now >= windowHours * 3600;
  const minutes = b.minutes ?? (timed ? Math.round((b.endAt! - b.startAt!) / 60) : s.durationMinutes);
  const slots = freeChange ? await openSlots(env, s, rules, minutes) : [];
  return {
    id: b.id,
    title: s.title,
    creator: { handle: c.handle, displayName: c.displayName },
    serviceUrl: `/@${c.handle}/services/${s.slug}`,
    status: b.status,
    when: b.startAt !== null ? longLabel(b.startAt * 1000, zone) : null,
    zone,
    gross: b.gross,
    currency: b.currency,
    name: b.guestName,
    answers: b.answers,
    canCancel: upcoming,
    /** Cancelling now refunds (paid) and moving is allowed: outside the creator's change window. */
    freeChange,
    windowHours,
    refundReason: b.refundReason,
    days: groupByDay(slots, zone),
    calendarLinks: upcoming ? addToCalendarLinks(`${s.title} with ${c.displayName}`, b.startAt!, b.endAt!) : null,
  };
}

/** The guest cancels through their link: the buyer's own rules (refund outside the window) apply. */
export async function cancelManagedBooking(env: Env, bookingId: string | undefined, token: string | undefined) {
  const { b, actor } = await managed(env, bookingId, token);
  return cancelBooking(env, actor, b.id);
}

/** The guest moves their booking through their link (within the creator's window, like a member). */
export async function rescheduleManagedBooking(env: Env, bookingId: string | undefined, token: string | undefined, start: string) {
  const { b, actor } = await managed(env, bookingId, token);
  return rescheduleBooking(env, actor, b.id, start);
}

/** The booking's .ics for the manage link. */
export async function managedBookingIcs(env: Env, bookingId: string | undefined, token: string | undefined) {
  const { b, actor } = await managed(env, bookingId, token);
  return bookingIcs(env, actor, b.id);
}
