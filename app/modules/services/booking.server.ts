/**
 * Booking services. The creator's CreatorCalendar Durable Object decides every slot: choosing one
 * places a hold that lives exactly as long as the Checkout Session (`expires_at`), the verified
 * payment confirms it (through the Stripe event queue), and a payment that arrives after the slot
 * was given to someone else is refunded in full with an email saying why. Free sessions are
 * confirmed at once. Paid bookings record gross / fee / net like product orders.
 */
import { attributionFor, claimMetadata, recordServiceCommissions } from "~/modules/affiliates/service.server";
import {
  attachDiscountSession,
  couponFor,
  quoteDiscount,
  giveBackFreeUse,
  redeemDiscount,
  redeemDiscountStatement,
  releaseDiscount,
  reserveDiscount,
  type DiscountQuote,
} from "~/modules/growth/discounts.server";
import { assertFreeOrderAllowed } from "~/modules/identity/rate-limit.server";
import { emitCreatorEvent } from "~/modules/webhooks/emit.server";
import { and, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { getDb } from "~/lib/db.server";
import { AppError, conflict, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { platformFee, split } from "~/lib/money";
import { renderMarkdown } from "~/lib/markdown.server";
import { alreadyRefunded, getStripe, type Stripe } from "~/lib/stripe.server";
import type { Viewer } from "~/modules/identity/auth.server";
import { mediaUrl } from "~/modules/media/service.server";
import { queueTxEmail } from "~/modules/email/transactional.server";
import { checkouts, payoutAccounts } from "~/modules/payments/schema";
import { creators } from "~/modules/storefronts/schema";
import { availabilityRules, bareRange, calendar, rangeFor, rulesOf } from "./calendar.server";
import { availability, bookings, servicePacks, services, type IntakeQuestion } from "./schema";
import { presentService, usesCalendar, type ServiceRow } from "./service.server";
import { generateSlots, groupByDay, isOffered, longLabel, shortLabel, type AvailabilityRules, type Slot } from "./slots";
import { isValidTimeZone, zonedToUtc } from "./zones";
import { FREE_CHANGE_HOURS, changeWindowOf } from "./policy";
import { addToCalendarLinks } from "./ics.server";

/** Checkout Sessions (and so slot holds) last 31 minutes: Stripe's minimum is 30 (as for products). */
export const BOOKING_CHECKOUT_TTL_SECONDS = 31 * 60;
/** How far ahead the service page lists slots. */
export const LISTED_DAYS = 14;

export class SlotTakenError extends AppError {
  constructor(reason: "taken" | "day_full") {
    super(
      409,
      reason === "day_full"
        ? "That day just filled up. Please choose another day."
        : "Someone just booked that time. Please choose another one.",
      { start: "That time is no longer available." },
    );
  }
}

async function sellerAccount(env: Env, creatorId: string): Promise<string | null> {
  const a = await getDb(env).query.payoutAccounts.findFirst({ where: eq(payoutAccounts.creatorId, creatorId) });
  return a?.chargesEnabled ? a.stripeAccountId : null;
}

/** A published service of a visible creator (drafts for their owner), or null. */
export async function findService(env: Env, handle: string, slug: string, viewer: Viewer | null) {
  const db = getDb(env);
  const creator = await db.query.creators.findFirst({ where: eq(creators.handle, handle.toLowerCase()) });
  if (!creator || creator.hiddenAt !== null) return null;
  const s = await db.query.services.findFirst({
    where: and(eq(services.creatorId, creator.userId), eq(services.slug, slug.toLowerCase())),
  });
  if (!s) return null;
  if (s.status !== "published" && viewer?.id !== s.creatorId) return null;
  return { creator, s };
}

/** The lengths (minutes) an hourly service offers: its shortest booking up to the most hours, by its step. */
export function lengthsOf(s: ServiceRow): number[] {
  if (s.pricing !== "hourly") return [s.durationMinutes];
  const out: number[] = [];
  for (let m = s.durationMinutes; m <= (s.maxHours ?? 1) * 60; m += s.hourStepMinutes ?? 60) out.push(m);
  return out;
}

/** Price of a booking in minor units: hourly is rate × hours (rounded half up), else the service price. */
export function bookingPrice(s: ServiceRow, minutes: number): number {
  if (s.pricing === "hourly") return Math.floor((s.priceAmount * minutes + 30) / 60);
  return s.priceAmount;
}

/**
 * The computed slots of a (service, length, rules), the same for every visitor: reused for up to
 * `SLOT_CACHE_MS` while the creator's calendar keeps the same version (any hold, booking, move or
 * release changes it) and no live hold has lapsed since. Per isolate; a miss recomputes.
 */
const SLOT_CACHE_MS = 15_000;
const slotCache = new Map<string, { version: string; validUntil: number; slots: Slot[] }>();

/**
 * Open slots for the next `LISTED_DAYS` days, or [] without availability: one calendar call (which
 * sends the busy ranges only when they changed since the cached list), the slot list computed once
 * per calendar version. Slots that fell inside the minimum notice since are dropped on every read.
 */
export async function openSlots(env: Env, s: ServiceRow, rules: AvailabilityRules | null, minutes: number, now = Date.now()) {
  if (!rules || !usesCalendar(s)) return [];
  const until = now + LISTED_DAYS * 86_400_000;
  const key = `${s.creatorId}|${minutes}|${JSON.stringify(rules)}`;
  const hit = slotCache.get(key);
  const fresh = hit && hit.validUntil > now ? hit : null;
  const snap = await calendar(env, s.creatorId).snapshot(now - 86_400_000, until + 86_400_000 + SLOT_CACHE_MS, fresh?.version ?? null);
  const earliest = now + rules.minNoticeMinutes * 60_000;
  if (fresh && snap.busy === null) return fresh.slots.filter((x) => x.start >= earliest && x.start < until);
  const slots = generateSlots(rules, minutes, { now, busy: snap.busy ?? [], until: until + SLOT_CACHE_MS });
  if (slotCache.size > 500) slotCache.clear();
  slotCache.set(key, { version: snap.version, validUntil: Math.min(now + SLOT_CACHE_MS, snap.lapsesAt ?? Infinity), slots });
  return slots.filter((x) => x.start < until);
}

/** Everything `/@handle/services/:slug` shows. */
export async function getServicePage(
  env: Env,
  handle: string,
  slug: string,
  viewer: Viewer | null,
  opts: { tz?: string | null; minutes?: string | null; reschedule?: string | null } = {},
) {
  // One D1 round trip for what every visitor needs: creator, service, availability rules, payouts.
  const [row] = await getDb(env)
    .select({ creator: creators, s: services, rules: availability, chargesEnabled: payoutAccounts.chargesEnabled })
    .from(services)
    .innerJoin(creators, eq(creators.userId, services.creatorId))
    .leftJoin(availability, eq(availability.creatorId, services.creatorId))
    .leftJoin(payoutAccounts, eq(payoutAccounts.creatorId, services.creatorId))
    .where(and(eq(creators.handle, handle.toLowerCase()), eq(services.slug, slug.toLowerCase())))
    .limit(1);
  if (!row || row.creator.hiddenAt !== null) return null;
  if (row.s.status !== "published" && viewer?.id !== row.s.creatorId) return null;
  const { creator, s } = row;
  const rules = row.rules ? rulesOf(row.rules) : null;
  const seller = !!row.chargesEnabled;
  const [moving, packs] = await Promise.all([
    bookingToMove(env, viewer, opts.reschedule ?? null, s.id),
    viewer && s.pricing === "pack" ? activePacks(env, viewer.id, s.id) : Promise.resolve([]),
  ]);
  const lengths = lengthsOf(s);
  const minutes = moving?.minutes || (lengths.includes(Number(opts.minutes)) ? Number(opts.minutes) : lengths[0]);
  const zone = isValidTimeZone(opts.tz) ? opts.tz : (rules?.timeZone ?? "UTC");
  // A pack's page lists times only to someone holding sessions of it.
  const listSlots = usesCalendar(s) && (s.pricing !== "pack" || packs.length > 0 || !!moving);
  const slots = listSlots ? await openSlots(env, s, rules, minutes) : [];
  return {
    creator: { handle: creator.handle, displayName: creator.displayName, avatarUrl: mediaUrl(creator.avatarKey) },
    service: { ...presentService(s, !!seller), descriptionHtml: renderMarkdown(s.descriptionMarkdown), intake: s.intake },
    location: locationLabel(s),
    zone,
    creatorZone: rules?.timeZone ?? null,
    lengths: lengths.map((m) => ({
      minutes: m,
      label: m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`,
      price: bookingPrice(s, m),
    })),
    minutes,
    days: groupByDay(slots, zone),
    packs: packs.map((p) => ({ id: p.id, left: p.sessionsTotal - p.sessionsUsed, expiresAt: p.expiresAt })),
    isOwner: viewer?.id === s.creatorId,
    hasAvailability: !!rules,
    /** The creator's change policy (hours before a session), shown before paying. */
    changeWindowHours: changeWindowOf(rules),
    /** Reschedule mode: the booking being moved and its current time in the shown zone. */
    moving: moving ? { id: moving.id, current: longLabel(moving.startAt * 1000, zone) } : null,
  };
}

function locationLabel(s: ServiceRow): string {
  switch (s.locationKind) {
    case "video":
      return "Video call (link in your confirmation)";
    case "phone":
      return "Phone call";
    case "in_person":
      return `In person: ${s.locationDetail ?? ""}`;
    default:
      return "Details sent after booking";
  }
}

/** A buyer's answers, checked against the service's questions (required, length, choices). */
export function parseAnswers(questions: IntakeQuestion[], raw: Record<string, unknown>) {
  const out: { label: string; answer: string }[] = [];
  for (const q of questions) {
    const answer = String(raw[`answer_${q.id}`] ?? "").trim();
    const field = `answer_${q.id}`;
    if (!answer) {
      if (q.required) throw unprocessable(`Please answer “${q.label}”.`, { [field]: "This question needs an answer." });
      continue;
    }
    const max = q.kind === "long" ? 5000 : 300;
    if (answer.length > max) throw unprocessable(`Keep your answer to “${q.label}” under ${max} characters.`, { [field]: "Too long." });
    if (q.kind === "choice" && !q.choices.includes(answer))
      throw unprocessable(`Choose one of the options for “${q.label}”.`, { [field]: "Choose an option." });
    out.push({ label: q.label, answer });
  }
  return out;
}

export type BookResult = { url: string; bookingId?: string; sessionId?: string };

/**
 * Books a service for the viewer. Calendar services take a slot (`start`: ISO instant or ms): a
 * free one is confirmed at once, a paid one is held for its Checkout Session. A fixed package or a
 * pack purchase goes straight to Checkout; a pack holder's booking redeems one of its sessions.
 */
export async function bookService(
  env: Env,
  viewer: Viewer,
  handle: string,
  slug: string,
  input: Record<string, unknown>,
  origin: string,
  opts: { cookie?: string | null; ip?: string } = {},
): Promise<BookResult> {
  const found = await findService(env, handle, slug, viewer);
  if (!found || found.s.status !== "published") throw notFound("That service isn't available.");
  const { creator, s } = found;
  if (s.creatorId === viewer.id) throw conflict("You can't book your own service.");
  const answers = parseAnswers(s.intake, input);
  const tz = isValidTimeZone(input.tz) ? String(input.tz) : null;
  const backUrl = `/@${creator.handle}/services/${s.slug}`;

  // No native slot: a fixed package, a pack purchase, or link mode (the time is picked on Calendly / Cal.com after paying).
  const code = String(input.code ?? "").trim();
  if (s.pricing === "fixed_package" || s.schedulingUrl || (s.pricing === "pack" && input.intent === "buy-pack")) {
    return startCheckout(env, viewer, s, creator, {
      answers,
      tz,
      minutes: null,
      start: null,
      origin,
      backUrl,
      cookie: opts.cookie,
      code,
      ip: opts.ip,
    });
  }
  const { start, end, minutes, range } = await chosenSlot(env, s, input);

  if (s.pricing === "pack")
    return redeemPack(env, viewer, s, { start, end, minutes, range, answers, tz, packId: String(input.packId ?? "") });
  if (bookingPrice(s, minutes) === 0) return bookFree(env, viewer, s, { start, end, minutes, range, answers, tz });
  return startCheckout(env, viewer, s, creator, {
    answers,
    tz,
    minutes,
    start,
    origin,
    backUrl,
    range,
    cookie: opts.cookie,
    code,
    ip: opts.ip,
  });
}

/** The slot a booking form chose: a length the service offers and a time its rules offer now (the calendar then decides whether it is free). */
export async function chosenSlot(env: Env, s: ServiceRow, input: Record<string, unknown>) {
  const rules = await availabilityRules(env, s.creatorId);
  if (!rules) throw conflict("This creator isn't taking bookings right now.");
  const minutes = Number(input.minutes ?? s.durationMinutes);
  if (!lengthsOf(s).includes(minutes)) throw unprocessable("Choose one of the lengths offered.", { minutes: "Choose a length." });
  const startRaw = String(input.start ?? "");
  const start = /^\d+$/.test(startRaw) ? Number(startRaw) : Date.parse(startRaw);
  if (!Number.isFinite(start)) throw unprocessable("Choose a time.", { start: "Choose a time." });
  if (!isOffered(rules, minutes, start, Date.now()))
    throw unprocessable("That time isn't offered. Please choose one from the list.", { start: "Not an offered time." });
  const end = start + minutes * 60_000;
  return { start, end, minutes, range: rangeFor(rules, start, end) };
}

type SlotInput = {
  start: number;
  end: number;
  minutes: number;
  range: ReturnType<typeof rangeFor>;
  answers: { label: string; answer: string }[];
  tz: string | null;
};

/** A free session: the calendar confirms it directly (no hold needed), then the booking row is written. */
async function bookFree(env: Env, viewer: Viewer, s: ServiceRow, x: SlotInput): Promise<BookResult> {
  const holdId = `bk_${newId(16)}`;
  const cal = calendar(env, s.creatorId);
  const r = await cal.confirm(holdId, x.range);
  if (!r.ok) throw new SlotTakenError(r.reason);
  const id = newId();
  const t = nowSeconds();
  try {
    await getDb(env)
      .insert(bookings)
      .values({
        id,
        serviceId: s.id,
        creatorId: s.creatorId,
        buyerId: viewer.id,
        startAt: Math.floor(x.start / 1000),
        endAt: Math.floor(x.end / 1000),
        holdId,
        status: "confirmed",
        currency: s.currency,
        minutes: x.minutes,
        answers: x.answers,
        buyerTimeZone: x.tz,
        createdAt: t,
        updatedAt: t,
      });
  } catch (e) {
    await cal.release(holdId); // no booking row, no slot taken
    throw e;
  }
  await afterConfirmed(env, id, s.creatorId);
  return { url: `/library/bookings?booked=${id}`, bookingId: id };
}

/** Redeems one session of the viewer's pack: one conditional UPDATE takes it, the calendar then takes the slot. */
async function redeemPack(env: Env, viewer: Viewer, s: ServiceRow, x: SlotInput & { packId: string }): Promise<BookResult> {
  const db = getDb(env);
  const t = nowSeconds();
  const [taken] = await db
    .update(servicePacks)
    .set({ sessionsUsed: sql`${servicePacks.sessionsUsed} + 1` })
    .where(
      and(
        eq(servicePacks.id, x.packId),
        eq(servicePacks.buyerId, viewer.id),
        eq(servicePacks.serviceId, s.id),
        eq(servicePacks.status, "active"),
        gt(servicePacks.expiresAt, t),
        sql`${servicePacks.sessionsUsed} < ${servicePacks.sessionsTotal}`,
      ),
    )
    .returning({ id: servicePacks.id });
  if (!taken) throw conflict("That pack has no sessions left (or has expired).", { packId: "No sessions left." });
  const giveBack = () =>
    db
      .update(servicePacks)
      .set({ sessionsUsed: sql`${servicePacks.sessionsUsed} - 1` })
      .where(eq(servicePacks.id, x.packId));
  const holdId = `bk_${newId(16)}`;
  const cal = calendar(env, s.creatorId);
  const r = await cal.confirm(holdId, x.range);
  if (!r.ok) {
    await giveBack();
    throw new SlotTakenError(r.reason);
  }
  const id = newId();
  try {
    await db.insert(bookings).values({
      id,
      serviceId: s.id,
      creatorId: s.creatorId,
      buyerId: viewer.id,
      startAt: Math.floor(x.start / 1000),
      endAt: Math.floor(x.end / 1000),
      holdId,
      packId: x.packId,
      status: "confirmed",
      currency: s.currency,
      minutes: x.minutes,
      answers: x.answers,
      buyerTimeZone: x.tz,
      createdAt: t,
      updatedAt: t,
    });
  } catch (e) {
    await cal.release(holdId);
    await giveBack();
    throw e;
  }
  await afterConfirmed(env, id, s.creatorId);
  return { url: `/library/bookings?booked=${id}`, bookingId: id };
}

/**
 * A paid booking (slot held until the session expires), a fixed package or a pack: one Checkout
 * Session with the creator's account as destination and the 8% application fee.
 */
export async function startCheckout(
  env: Env,
  viewer: Viewer,
  s: ServiceRow,
  creator: typeof creators.$inferSelect,
  x: {
    answers: { label: string; answer: string }[];
    tz: string | null;
    minutes: number | null;
    start: number | null;
    origin: string;
    backUrl: string;
    range?: ReturnType<typeof rangeFor>;
    cookie?: string | null;
    /** A discount code (growth module, D114): the fee is 8% of what is charged. */
    code?: string;
    /** Booked as a guest (D131): `viewer` is the account of the email they gave; nobody is signed in. */
    guest?: { name: string };
    /** For the rate limit of bookings a code makes free (D138). */
    ip?: string;
  },
): Promise<BookResult> {
  const accountId = await sellerAccount(env, s.creatorId);
  if (!accountId) throw conflict("This service is coming soon: the creator is still setting up payouts.");
  const db = getDb(env);
  const t = nowSeconds();
  const expiresAt = t + BOOKING_CHECKOUT_TTL_SECONDS;
  const subtotal = x.minutes === null ? s.priceAmount : bookingPrice(s, x.minutes);
  const quote = x.code
    ? await quoteDiscount(env, x.code, { kind: "service", id: s.id, creatorId: s.creatorId, currency: s.currency }, viewer.id, subtotal)
    : null;
  const amount = quote ? quote.total : subtotal;
  if (quote && amount === 0) return bookFreeWithCode(env, viewer, s, { ...x, quote });
  const isPack = s.pricing === "pack";
  const id = newId();
  const holdId = x.start !== null ? `bk_${newId(16)}` : null;
  const cal = calendar(env, s.creatorId);
  if (holdId && x.range) {
    const r = await cal.hold(holdId, x.range, expiresAt);
    if (!r.ok) throw new SlotTakenError(r.reason);
  }
  let redemptionId: string | null = null;
  const undo = async () => {
    if (redemptionId) await releaseDiscount(env, redemptionId);
    if (holdId) await cal.release(holdId);
    await db.batch([db.delete(bookings).where(eq(bookings.id, id)), db.delete(servicePacks).where(eq(servicePacks.id, id))]);
  };
  try {
    if (isPack) await db.insert(servicePacks).values(packRow(s, viewer.id, id, t, "pending"));
    else
      await db
        .insert(bookings)
        .values({ ...bookingRow(s, viewer.id, id, t, x, holdId, "pending"), guest: !!x.guest, guestName: x.guest?.name ?? null });
    // An affiliate's last click within the program's window (affiliates module, decision 0110).
    const claim = await attributionFor(env, {
      buyerId: viewer.id,
      creatorId: s.creatorId,
      kind: "service",
      itemId: s.id,
      cookieHeader: x.cookie ?? null,
    });
    const meta = {
      kind: "service",
      service_id: s.id,
      ...(isPack ? { pack_id: id } : { booking_id: id }),
      buyer_id: viewer.id,
      creator_id: s.creatorId,
      ...(x.guest ? { guest: "1" } : {}),
      ...claimMetadata(claim),
    };
    const when = x.start !== null ? ` — ${longLabel(x.start, x.tz ?? "UTC")}` : "";
    const coupon = quote ? await couponFor(env, quote.code) : null;
    // The code's use is held exactly as long as the session (409 when used up).
    if (quote)
      redemptionId = await reserveDiscount(env, quote, {
        buyerId: viewer.id,
        productId: s.id,
        kind: "service",
        currency: s.currency,
        expiresAt,
      });
    const session = await getStripe(env).checkout.sessions.create({
      ...(coupon ? { discounts: [{ coupon }] } : {}),
      mode: "payment",
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: s.currency,
            unit_amount: subtotal,
            product_data: { name: `${s.title}${when}`, metadata: { service_id: s.id } },
          },
        },
      ],
      payment_intent_data: {
        application_fee_amount: platformFee(amount),
        transfer_data: { destination: accountId },
        metadata: meta,
        description: `${s.title} with ${creator.displayName} on All Thrive`,
      },
      customer_email: viewer.email,
      client_reference_id: viewer.id,
      metadata: meta,
      expires_at: expiresAt,
      success_url: `${x.origin}/checkout/return?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${x.origin}${x.backUrl}?checkout=canceled`,
    });
    if (session.amount_total !== amount) {
      await getStripe(env)
        .checkout.sessions.expire(session.id)
        .catch(() => undefined);
      throw new Error(`checkout ${session.id}: Stripe's total ${session.amount_total} differs from the quoted ${amount}`);
    }
    if (redemptionId) await attachDiscountSession(env, redemptionId, session.id);
    await db.batch([
      isPack
        ? db.update(servicePacks).set({ checkoutSessionId: session.id }).where(eq(servicePacks.id, id))
        : db.update(bookings).set({ checkoutSessionId: session.id }).where(eq(bookings.id, id)),
      db.insert(checkouts).values({
        sessionId: session.id,
        kind: "service",
        userId: viewer.id,
        creatorId: s.creatorId,
        holdId,
        status: "open",
        url: session.url,
        expiresAt,
        createdAt: t,
      }),
    ]);
    return { url: session.url!, bookingId: id, sessionId: session.id };
  } catch (e) {
    await undo();
    throw e;
  }
}

/** A session pack's row as bought (pending until paid, active when a code made it free). */
function packRow(s: ServiceRow, buyerId: string, id: string, t: number, status: "pending" | "active") {
  return {
    id,
    serviceId: s.id,
    creatorId: s.creatorId,
    buyerId,
    sessionsTotal: s.packSessions ?? 1,
    expiresAt: t + (s.packExpiryDays ?? 90) * 86_400,
    status,
    currency: s.currency,
    createdAt: t,
  };
}

/** A booking's row as chosen on the service page (its time, length, answers), paid or made free by a code. */
function bookingRow(
  s: ServiceRow,
  buyerId: string,
  id: string,
  t: number,
  x: { start: number | null; minutes: number | null; answers: { label: string; answer: string }[]; tz: string | null },
  holdId: string | null,
  status: "pending" | "confirmed",
) {
  return {
    id,
    serviceId: s.id,
    creatorId: s.creatorId,
    buyerId,
    startAt: x.start === null ? null : Math.floor(x.start / 1000),
    endAt: x.start === null || x.minutes === null ? null : Math.floor(x.start / 1000) + x.minutes * 60,
    holdId,
    status,
    currency: s.currency,
    minutes: x.minutes,
    answers: x.answers,
    buyerTimeZone: x.tz,
    createdAt: t,
    updatedAt: t,
  };
}

/**
 * A code that makes a booking, package or pack free (D138): no Checkout. Rate-limited like a free
 * product order (per email and IP); the code's use is taken by the same single-statement
 * reservation as a paid one (exact under its cap); a time is taken by the calendar directly, as for
 * a free session (no hold to lapse). The booking or pack is confirmed at $0 — no fee, no payment —
 * and both sides get the usual emails (the booking's with its .ics).
 */
async function bookFreeWithCode(
  env: Env,
  viewer: Viewer,
  s: ServiceRow,
  x: {
    answers: { label: string; answer: string }[];
    tz: string | null;
    minutes: number | null;
    start: number | null;
    range?: ReturnType<typeof rangeFor>;
    ip?: string;
    quote: DiscountQuote;
  },
): Promise<BookResult> {
  await assertFreeOrderAllowed(env, viewer.email, x.ip ?? "local");
  const db = getDb(env);
  const id = newId();
  const t = nowSeconds();
  const isPack = s.pricing === "pack";
  const redemptionId = await reserveDiscount(env, x.quote, {
    buyerId: viewer.id,
    productId: s.id,
    kind: "service",
    currency: s.currency,
    expiresAt: t + 60,
  });
  const holdId = x.start !== null && x.range ? `bk_${newId(16)}` : null;
  const cal = calendar(env, s.creatorId);
  if (holdId && x.range) {
    const r = await cal.confirm(holdId, x.range);
    if (!r.ok) {
      await releaseDiscount(env, redemptionId);
      throw new SlotTakenError(r.reason);
    }
  }
  try {
    if (isPack) await db.insert(servicePacks).values(packRow(s, viewer.id, id, t, "active"));
    else
      await db.insert(bookings).values({
        ...bookingRow(s, viewer.id, id, t, x, holdId, "confirmed"),
        dueAt: s.pricing === "fixed_package" ? t + (s.deliveryDays ?? 1) * 86_400 : null,
      });
  } catch (e) {
    if (holdId) await cal.release(holdId); // no row, no slot taken
    await releaseDiscount(env, redemptionId);
    throw e;
  }
  await redeemDiscount(env, redemptionId, `free_${id}`);
  if (isPack) await queueTxEmail(env, "booking_confirmed", `pack-confirmed:${id}`, { packId: id });
  else await afterConfirmed(env, id, s.creatorId);
  return { url: `/library/bookings?booked=${id}`, bookingId: id };
}

// ---------------------------------------------------------------- Stripe events (from the payments consumer)

const idOf = (x: string | { id: string } | null | undefined) => (typeof x === "string" ? x : (x?.id ?? null));

/**
 * `checkout.session.completed` of a service checkout. Idempotent: a booking already confirmed or
 * refunded is left alone. The calendar confirms the hold; if the hold lapsed and the time was given
 * to someone else meanwhile, the payment is refunded in full (fee and transfer returned) and the
 * buyer is emailed why.
 */
export async function applyServiceCheckoutCompleted(env: Env, session: Stripe.Checkout.Session): Promise<"processed" | "ignored"> {
  const meta = session.metadata ?? {};
  if (session.payment_status !== "paid") return "ignored";
  const db = getDb(env);
  const money = split(session.amount_total ?? 0);
  const paymentIntentId = idOf(session.payment_intent as string | null);
  await db.batch([
    db.update(checkouts).set({ status: "complete" }).where(eq(checkouts.sessionId, session.id)),
    // A discount code's use (D114): paid, so it counts (a full refund gives it back).
    redeemDiscountStatement(db, session.id, meta.buyer_id ?? ""),
  ]);
  if (meta.pack_id) {
    const [p] = await db
      .update(servicePacks)
      .set({ status: "active", paymentIntentId, ...money })
      .where(and(eq(servicePacks.id, meta.pack_id), inArray(servicePacks.status, ["pending", "expired"])))
      .returning({ id: servicePacks.id });
    if (p) await queueTxEmail(env, "booking_confirmed", `pack-confirmed:${p.id}`, { packId: p.id });
    await recordServiceCommissions(env, meta);
    return "processed";
  }
  if (!meta.booking_id) return "ignored";
  const b = await db.query.bookings.findFirst({ where: eq(bookings.id, meta.booking_id) });
  if (!b) throw new Error(`booking ${meta.booking_id} of ${session.id} not found`);
  if (b.status === "confirmed" || b.status === "refunded" || b.status === "delivered" || b.status === "canceled") return "processed";
  const s = await db.query.services.findFirst({ where: eq(services.id, b.serviceId) });
  if (b.startAt !== null && b.endAt !== null && b.holdId) {
    const rules = await availabilityRules(env, b.creatorId);
    const range = rules ? rangeFor(rules, b.startAt * 1000, b.endAt * 1000) : bareRange(b.startAt * 1000, b.endAt * 1000);
    const r = await calendar(env, b.creatorId).confirm(b.holdId, range);
    if (!r.ok) {
      await refundLatePayment(env, b.id, paymentIntentId, money);
      return "processed";
    }
  }
  const t = nowSeconds();
  const dueAt = s?.pricing === "fixed_package" ? t + (s.deliveryDays ?? 1) * 86_400 : null;
  await db
    .update(bookings)
    .set({ status: "confirmed", paymentIntentId, ...money, dueAt, updatedAt: t })
    .where(and(eq(bookings.id, b.id), inArray(bookings.status, ["pending", "expired"])));
  await afterConfirmed(env, b.id, b.creatorId);
  await recordServiceCommissions(env, meta);
  return "processed";
}

/** The refund columns of a payment the app refunded in full itself (fee and transfer returned); `syncCharge` later records what Stripe says. */
const fullyRefunded = (m: { gross: number; fee: number; net: number }, t: number) => ({
  amountRefunded: sql<number>`MAX(${bookings.amountRefunded}, ${m.gross})`,
  feeRefunded: sql<number>`MAX(${bookings.feeRefunded}, ${m.fee})`,
  transferReversed: sql<number>`MAX(${bookings.transferReversed}, ${m.net})`,
  refundedAt: sql<number>`COALESCE(${bookings.refundedAt}, ${t})`,
});

async function refundLatePayment(
  env: Env,
  bookingId: string,
  paymentIntentId: string | null,
  money: { gross: number; fee: number; net: number },
) {
  if (paymentIntentId) {
    await getStripe(env)
      .refunds.create(
        { payment_intent: paymentIntentId, refund_application_fee: true, reverse_transfer: true, metadata: { booking_id: bookingId } },
        { idempotencyKey: `slot-taken-refund-${bookingId}` },
      )
      .catch((e: unknown) => {
        if (!alreadyRefunded(e)) throw e;
      });
  }
  const t = nowSeconds();
  await getDb(env)
    .update(bookings)
    .set({
      status: "refunded",
      refundReason: "slot_taken",
      paymentIntentId,
      ...money,
      ...(paymentIntentId ? fullyRefunded(money, t) : {}),
      updatedAt: t,
    })
    .where(eq(bookings.id, bookingId));
  await queueTxEmail(env, "booking_refunded", `booking-refunded:${bookingId}`, { bookingId });
}

/**
 * A refund of a service payment, as Stripe reports it on the charge (made by the app, or by the
 * creator or platform in Stripe's dashboard): the amounts are mirrored onto the booking or pack (they
 * only grow, so an older read never shrinks them). A full refund of a confirmed booking makes it
 * `refunded` and frees its time if it hasn't started; a fully refunded pack can't be redeemed any more.
 * Returns whether the payment was a service payment.
 */
export async function mirrorServiceRefund(
  env: Env,
  paymentIntentId: string,
  x: { refunded: number; feeRefunded: number; transferReversed: number; full: boolean },
): Promise<boolean> {
  const db = getDb(env);
  const t = nowSeconds();
  const grow = (col: SQLiteColumn, v: number) => sql<number>`MAX(${col}, ${v})`;
  const [b] = await db
    .update(bookings)
    .set({
      amountRefunded: grow(bookings.amountRefunded, x.refunded),
      feeRefunded: grow(bookings.feeRefunded, x.feeRefunded),
      transferReversed: grow(bookings.transferReversed, x.transferReversed),
      refundedAt: sql`COALESCE(${bookings.refundedAt}, ${t})`,
    })
    .where(eq(bookings.paymentIntentId, paymentIntentId))
    .returning();
  if (!b) {
    const [p] = await db
      .update(servicePacks)
      .set({
        amountRefunded: grow(servicePacks.amountRefunded, x.refunded),
        feeRefunded: grow(servicePacks.feeRefunded, x.feeRefunded),
        transferReversed: grow(servicePacks.transferReversed, x.transferReversed),
        refundedAt: sql`COALESCE(${servicePacks.refundedAt}, ${t})`,
        ...(x.full ? { status: "refunded" } : {}),
      })
      .where(eq(servicePacks.paymentIntentId, paymentIntentId))
      .returning({ id: servicePacks.id });
    return !!p;
  }
  if (!x.full) return true;
  // Fully refunded: a booking still confirmed (or delivered) becomes refunded; one already canceled keeps its status.
  const [won] = await db
    .update(bookings)
    .set({
      status: "refunded",
      refundReason: sql`COALESCE(${bookings.refundReason}, 'refunded_in_stripe')`,
      sequence: sql`${bookings.sequence} + 1`,
      updatedAt: t,
    })
    .where(and(eq(bookings.id, b.id), inArray(bookings.status, ["confirmed", "delivered"])))
    .returning({ id: bookings.id });
  if (!won) return true;
  if (b.holdId && b.startAt !== null && b.startAt > t) {
    await calendar(env, b.creatorId).release(b.holdId);
    await db
      .update(creators)
      .set({ version: sql`${creators.version} + 1` })
      .where(eq(creators.userId, b.creatorId));
  }
  await queueTxEmail(env, "booking_canceled", `booking-refunded-stripe:${b.id}:buyer`, { bookingId: b.id, to: "buyer", refunded: true });
  await queueTxEmail(env, "booking_canceled", `booking-refunded-stripe:${b.id}:creator`, {
    bookingId: b.id,
    to: "creator",
    refunded: true,
  });
  return true;
}

/** `checkout.session.expired` of a service checkout: the hold goes back at once. */
export async function applyServiceCheckoutExpired(env: Env, session: Stripe.Checkout.Session): Promise<"processed" | "ignored"> {
  const meta = session.metadata ?? {};
  const db = getDb(env);
  const t = nowSeconds();
  await db
    .update(checkouts)
    .set({ status: "expired" })
    .where(and(eq(checkouts.sessionId, session.id), eq(checkouts.status, "open")));
  if (meta.pack_id) {
    await db
      .update(servicePacks)
      .set({ status: "expired" })
      .where(and(eq(servicePacks.id, meta.pack_id), eq(servicePacks.status, "pending")));
    return "processed";
  }
  const b = meta.booking_id ? await db.query.bookings.findFirst({ where: eq(bookings.id, meta.booking_id) }) : null;
  if (!b) return "ignored";
  if (b.status === "pending") {
    if (b.holdId) await calendar(env, b.creatorId).release(b.holdId);
    await db
      .update(bookings)
      .set({ status: "expired", updatedAt: t })
      .where(and(eq(bookings.id, b.id), eq(bookings.status, "pending")));
  }
  return "processed";
}

/** Confirmation side effects: the storefront's "next available" moves; both sides are emailed once. */
export async function afterConfirmed(env: Env, bookingId: string, creatorId: string) {
  await getDb(env)
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, creatorId));
  await queueTxEmail(env, "booking_confirmed", `booking-confirmed:${bookingId}`, { bookingId });
  await queueTxEmail(env, "booking_new", `booking-new:${bookingId}`, { bookingId });
  // Creators' webhooks: the payload is read from the booking's current row when it is sent.
  await emitCreatorEvent(env, creatorId, "booking.created", { booking: { id: bookingId } }, bookingId);
}

// ---------------------------------------------------------------- lists

function presentBooking(b: typeof bookings.$inferSelect, s: { title: string; slug: string; pricing: string } | null, zone: string) {
  return {
    id: b.id,
    title: s?.title ?? "Service",
    pricing: s?.pricing ?? "per_session",
    status: b.status,
    startAt: b.startAt,
    when: b.startAt !== null ? longLabel(b.startAt * 1000, zone) : null,
    due: b.dueAt !== null ? longLabel(b.dueAt * 1000, zone) : null,
    minutes: b.minutes,
    gross: b.gross,
    currency: b.currency,
    answers: b.answers,
    refundReason: b.refundReason,
    fromPack: b.packId !== null,
  };
}

/** The buyer's bookings and packs, for `/library/bookings`: upcoming first, then the rest. */
export async function buyerBookings(env: Env, viewer: Viewer, zone?: string | null) {
  const db = getDb(env);
  const [rows, packs] = await Promise.all([
    db
      .select({
        b: bookings,
        s: { title: services.title, slug: services.slug, pricing: services.pricing, schedulingUrl: services.schedulingUrl },
        handle: creators.handle,
        name: creators.displayName,
        windowHours: availability.changeWindowHours,
      })
      .from(bookings)
      .innerJoin(services, eq(services.id, bookings.serviceId))
      .leftJoin(creators, eq(creators.userId, bookings.creatorId))
      .leftJoin(availability, eq(availability.creatorId, bookings.creatorId))
      .where(and(eq(bookings.buyerId, viewer.id), inArray(bookings.status, ["confirmed", "delivered", "refunded", "canceled"])))
      .orderBy(desc(bookings.createdAt))
      .limit(200),
    db
      .select({ p: servicePacks, title: services.title, slug: services.slug, handle: creators.handle })
      .from(servicePacks)
      .innerJoin(services, eq(services.id, servicePacks.serviceId))
      .leftJoin(creators, eq(creators.userId, servicePacks.creatorId))
      .where(and(eq(servicePacks.buyerId, viewer.id), eq(servicePacks.status, "active"))),
  ]);
  const now = nowSeconds();
  const list = rows.map((r) => {
    const z = isValidTimeZone(zone) ? zone : (r.b.buyerTimeZone ?? "UTC");
    const windowHours = r.windowHours ?? FREE_CHANGE_HOURS;
    return {
      ...presentBooking(r.b, r.s, z),
      creatorName: r.name ?? "",
      serviceUrl: r.handle ? `/@${r.handle}/services/${r.s.slug}` : null,
      upcoming: r.b.status === "confirmed" && (r.b.endAt === null || r.b.endAt > now),
      /** A session not started yet can be canceled (refunded until the creator's window before) and, until then, moved. */
      canCancel: r.b.status === "confirmed" && r.b.startAt !== null && r.b.startAt > now && !r.s.schedulingUrl,
      freeChange: r.b.status === "confirmed" && r.b.startAt !== null && r.b.startAt - now >= windowHours * 3600 && !r.s.schedulingUrl,
      windowHours,
      icsUrl: r.b.startAt !== null ? `/library/bookings/${r.b.id}.ics` : null,
      /** Link mode: the creator's Calendly / Cal.com page with the buyer's name and email filled in. */
      schedulingLink: r.b.status === "confirmed" && r.s.schedulingUrl ? prefilledSchedulingUrl(r.s.schedulingUrl, viewer.email) : null,
      deliveredAt: r.b.deliveredAt,
      deliveryUrl: r.b.status === "delivered" ? r.b.deliveryUrl : null,
      deliveryNote: r.b.status === "delivered" ? r.b.deliveryNote : null,
      calendarLinks:
        r.b.status === "confirmed" && r.b.startAt !== null && r.b.endAt !== null
          ? addToCalendarLinks(`${r.s.title} with ${r.name ?? ""}`, r.b.startAt, r.b.endAt)
          : null,
    };
  });
  list.sort((a, b) => Number(b.upcoming) - Number(a.upcoming) || (a.upcoming ? (a.startAt ?? 0) - (b.startAt ?? 0) : 0));
  return {
    bookings: list,
    packs: packs.map((r) => ({
      id: r.p.id,
      title: r.title,
      left: r.p.sessionsTotal - r.p.sessionsUsed,
      total: r.p.sessionsTotal,
      expires: longLabel(r.p.expiresAt * 1000, zone && isValidTimeZone(zone) ? zone : "UTC"),
      expired: r.p.expiresAt <= now,
      bookUrl: r.handle ? `/@${r.handle}/services/${r.slug}` : null,
    })),
  };
}

/** The creator's bookings (upcoming and past, with intake answers), in their own zone. */
export async function creatorBookings(env: Env, viewer: Viewer) {
  const db = getDb(env);
  const handle = (await db.query.creators.findFirst({ where: eq(creators.userId, viewer.id), columns: { handle: true } }))?.handle ?? "";
  const rules = await availabilityRules(env, viewer.id);
  const zone = rules?.timeZone ?? "UTC";
  const rows = await db
    .select({
      b: bookings,
      s: { title: services.title, slug: services.slug, pricing: services.pricing, schedulingUrl: services.schedulingUrl },
    })
    .from(bookings)
    .innerJoin(services, eq(services.id, bookings.serviceId))
    .where(and(eq(bookings.creatorId, viewer.id), inArray(bookings.status, ["confirmed", "delivered", "refunded", "canceled"])))
    .orderBy(desc(bookings.startAt))
    .limit(300);
  const now = nowSeconds();
  const all = rows.map((r) => ({
    ...presentBooking(r.b, r.s, zone),
    upcoming: r.b.status === "confirmed" && (r.b.endAt === null || r.b.endAt > now),
    canCancel: r.b.status === "confirmed" && (r.b.startAt === null || r.b.startAt > now),
    deliverable: r.b.status === "confirmed" && r.s.pricing === "fixed_package",
    /** Link mode: paid, waiting for the creator to record the time the buyer picked on their scheduling page. */
    needsTime: r.b.status === "confirmed" && !!r.s.schedulingUrl && r.b.startAt === null,
    /** A fixed package past its due date and not delivered yet. */
    overdue: r.b.status === "confirmed" && r.s.pricing === "fixed_package" && r.b.dueAt !== null && r.b.dueAt < now,
    moveUrl:
      r.b.status === "confirmed" && r.b.startAt !== null && r.b.startAt > now && !r.s.schedulingUrl
        ? `/@${handle}/services/${r.s.slug}?reschedule=${r.b.id}`
        : null,
  }));
  return { zone, upcoming: all.filter((b) => b.upcoming).reverse(), past: all.filter((b) => !b.upcoming) };
}

async function activePacks(env: Env, buyerId: string, serviceId: string) {
  return getDb(env)
    .select()
    .from(servicePacks)
    .where(
      and(
        eq(servicePacks.buyerId, buyerId),
        eq(servicePacks.serviceId, serviceId),
        eq(servicePacks.status, "active"),
        gt(servicePacks.expiresAt, nowSeconds()),
        sql`${servicePacks.sessionsUsed} < ${servicePacks.sessionsTotal}`,
      ),
    );
}

/** Storefront cards: published services with "next available" (one calendar read per service kind length). */
export async function storefrontServices(env: Env, creatorId: string, sellable: boolean) {
  const rows = await getDb(env)
    .select()
    .from(services)
    .where(and(eq(services.creatorId, creatorId), eq(services.status, "published")))
    .orderBy(desc(services.createdAt));
  if (!rows.length) return [];
  const rules = await availabilityRules(env, creatorId);
  const now = Date.now();
  const busy =
    rules && rows.some((s) => usesCalendar(s))
      ? await calendar(env, creatorId).busy(now - 86_400_000, now + (LISTED_DAYS + 1) * 86_400_000)
      : [];
  return rows.map((s) => {
    const next =
      rules && usesCalendar(s)
        ? generateSlots(rules, s.durationMinutes, { now, busy, until: now + LISTED_DAYS * 86_400_000 })[0]
        : undefined;
    return {
      ...presentService(s, sellable),
      /** ISO instant of the next open slot (shown in the visitor's zone by the browser), or null. */
      nextAvailable: next ? new Date(next.start).toISOString() : null,
      nextAvailableLabel: next && rules ? shortLabel(next.start, rules.timeZone) : null,
      creatorZone: rules?.timeZone ?? null,
    };
  });
}

// ---------------------------------------------------------------- cancel & reschedule

export { FREE_CHANGE_HOURS };

async function bookingForChange(env: Env, viewer: Viewer, bookingId: string) {
  const b = await getDb(env).query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  const isBuyer = b?.buyerId === viewer.id;
  const isCreator = b?.creatorId === viewer.id || (!!b && viewer.isAdmin);
  if (!b || (!isBuyer && !isCreator)) throw notFound("That booking isn't yours.");
  if (b.status !== "confirmed") throw conflict("Only an upcoming confirmed booking can be changed.");
  // No time here (a fixed package not delivered yet, or a link-mode session, even with its time recorded): only its creator cancels it (refunded in full).
  if (b.startAt === null || b.endAt === null || !b.holdId || b.holdId.startsWith("lk_")) {
    if (!isCreator || isBuyer) throw conflict("Ask the creator to cancel this one: it has no time booked here.");
    return { b, isCreator: true, early: false, timed: false, windowHours: FREE_CHANGE_HOURS };
  }
  if (b.startAt <= nowSeconds()) throw conflict("This session has already started.");
  const windowHours = changeWindowOf(await availabilityRules(env, b.creatorId));
  const early = b.startAt - nowSeconds() >= windowHours * 3600;
  return { b, isCreator: isCreator && !isBuyer, early, timed: true, windowHours };
}

/**
 * Cancels a booking. By the creator: always, with a full refund (a pack session goes back). By the
 * buyer: until the creator's change window (default `FREE_CHANGE_HOURS`) before the start with a full refund (pack session back); later,
 * the time is freed but nothing is refunded. One conditional UPDATE decides (a concurrent second
 * cancel finds nothing to cancel), then the calendar frees the slot and both sides are emailed.
 */
export async function cancelBooking(env: Env, viewer: Viewer, bookingId: string) {
  const { b, isCreator, early } = await bookingForChange(env, viewer, bookingId);
  const refund = isCreator || early;
  const db = getDb(env);
  const t = nowSeconds();
  const [won] = await db
    .update(bookings)
    .set({
      status: "canceled",
      refundReason: isCreator ? "canceled_by_creator" : "canceled_by_buyer",
      sequence: sql`${bookings.sequence} + 1`,
      updatedAt: t,
    })
    .where(and(eq(bookings.id, b.id), eq(bookings.status, "confirmed")))
    .returning({ id: bookings.id });
  if (!won) throw conflict("This booking was already changed.");
  if (b.holdId) await calendar(env, b.creatorId).release(b.holdId);
  if (refund && b.packId)
    await db
      .update(servicePacks)
      .set({ sessionsUsed: sql`MAX(${servicePacks.sessionsUsed} - 1, 0)` })
      .where(eq(servicePacks.id, b.packId));
  // A booking a code made free (D138): a cancellation that would have refunded gives the code's use back.
  if (refund && !b.packId && b.gross === 0) await giveBackFreeUse(env, `free_${b.id}`);
  if (refund && b.paymentIntentId && b.gross > 0) {
    await getStripe(env)
      .refunds.create(
        { payment_intent: b.paymentIntentId, refund_application_fee: true, reverse_transfer: true, metadata: { booking_id: b.id } },
        { idempotencyKey: `cancel-refund-${b.id}` },
      )
      .catch((e: unknown) => {
        if (!alreadyRefunded(e)) throw e;
      });
    await db.update(bookings).set(fullyRefunded(b, t)).where(eq(bookings.id, b.id));
  }
  await db
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, b.creatorId));
  await queueTxEmail(env, "booking_canceled", `booking-canceled:${b.id}:buyer`, {
    bookingId: b.id,
    to: "buyer",
    refunded: refund && b.gross > 0,
  });
  await queueTxEmail(env, "booking_canceled", `booking-canceled:${b.id}:creator`, {
    bookingId: b.id,
    to: "creator",
    refunded: refund && b.gross > 0,
  });
  await emitCreatorEvent(
    env,
    b.creatorId,
    "booking.canceled",
    { booking: { id: b.id }, canceled_by: isCreator ? "creator" : "customer", refunded: refund && b.gross > 0 },
    b.id,
  );
  return { refunded: refund && b.gross > 0, sessionReturned: refund && !!b.packId };
}

/**
 * Moves a booking to another offered time: the calendar takes the new time before it frees the old
 * one (`move`), so the booking is never lost and never doubled; the row then follows, guarded by its
 * old hold id (a concurrent change of the same booking makes this one undo its move).
 */
export async function rescheduleBooking(env: Env, viewer: Viewer, bookingId: string, rawStart: string) {
  const { b, isCreator, early, timed, windowHours } = await bookingForChange(env, viewer, bookingId);
  if (!timed) throw conflict("This booking has no time here to move.");
  if (!isCreator && !early)
    throw conflict(
      `This creator's policy allows moving a session until ${windowHours} hours before it starts, so this one can't be moved any more. You can still cancel (not refunded).`,
    );
  const rules = await availabilityRules(env, b.creatorId);
  if (!rules) throw conflict("This creator isn't taking bookings right now.");
  const start = /^\d+$/.test(rawStart) ? Number(rawStart) : Date.parse(rawStart);
  const minutes = b.minutes ?? Math.round((b.endAt! - b.startAt!) / 60);
  if (!Number.isFinite(start) || !isOffered(rules, minutes, start, Date.now()))
    throw unprocessable("That time isn't offered. Please choose one from the list.", { start: "Not an offered time." });
  const end = start + minutes * 60_000;
  const newHold = `bk_${newId(16)}`;
  const cal = calendar(env, b.creatorId);
  const moved = await cal.move(b.holdId!, newHold, rangeFor(rules, start, end));
  if (!moved.ok) {
    if (moved.reason === "gone") throw conflict("This booking was already changed.");
    throw new SlotTakenError(moved.reason);
  }
  const [row] = await getDb(env)
    .update(bookings)
    .set({
      startAt: Math.floor(start / 1000),
      endAt: Math.floor(end / 1000),
      holdId: newHold,
      sequence: sql`${bookings.sequence} + 1`,
      updatedAt: nowSeconds(),
    })
    .where(and(eq(bookings.id, b.id), eq(bookings.holdId, b.holdId!), eq(bookings.status, "confirmed")))
    .returning({ id: bookings.id });
  if (!row) {
    await cal.release(newHold);
    throw conflict("This booking was already changed.");
  }
  await getDb(env)
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, b.creatorId));
  await queueTxEmail(env, "booking_confirmed", `booking-confirmed:${b.id}:${newHold}`, { bookingId: b.id, moved: true });
  await queueTxEmail(env, "booking_new", `booking-new:${b.id}:${newHold}`, { bookingId: b.id, moved: true });
  await emitCreatorEvent(
    env,
    b.creatorId,
    "booking.rescheduled",
    { booking: { id: b.id }, previous: { start_at: b.startAt, end_at: b.endAt } },
    `${b.id}:${newHold}`,
  );
  return { id: b.id };
}

/**
 * Link mode: the creator records the time the buyer picked on their Calendly / Cal.com page
 * (`local` is "YYYY-MM-DDTHH:MM" in the creator's zone). The time is then taken on the creator's
 * calendar like any booking (buffers and daily maximum included), so native services can't be
 * booked over it; the booking gets an .ics, reminders and the time in both lists. Creator only,
 * once; a clash with another booking is refused (409) and nothing is written.
 */
export async function recordLinkModeTime(env: Env, viewer: Viewer, bookingId: string, local: string) {
  const db = getDb(env);
  const b = await db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  if (!b || (b.creatorId !== viewer.id && !viewer.isAdmin)) throw notFound("That booking isn't yours.");
  const s = await db.query.services.findFirst({ where: eq(services.id, b.serviceId) });
  if (!s?.schedulingUrl || b.status !== "confirmed") throw conflict("Only a paid Calendly / Cal.com booking takes a recorded time.");
  if (b.startAt !== null) throw conflict("This booking already has its time.");
  const rules = await availabilityRules(env, b.creatorId);
  const zone = rules?.timeZone ?? "UTC";
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local.trim());
  const start = m ? zonedToUtc({ year: +m[1], month: +m[2], day: +m[3] }, +m[4] * 60 + +m[5], zone) : null;
  if (start === null) throw unprocessable("Enter the date and time they picked.", { meetingAt: "Enter a date and time." });
  if (start <= Date.now()) throw unprocessable("That time has passed.", { meetingAt: "Choose a time ahead." });
  const end = start + (b.minutes ?? s.durationMinutes) * 60_000;
  const holdId = `lk_${newId(16)}`;
  const cal = calendar(env, b.creatorId);
  const r = await cal.confirm(holdId, rules ? rangeFor(rules, start, end) : bareRange(start, end));
  if (!r.ok)
    throw conflict(
      r.reason === "day_full"
        ? "That day is already at your daily maximum of bookings."
        : "That time overlaps another booking on your calendar.",
      { meetingAt: "Clashes with another booking." },
    );
  const t = nowSeconds();
  const [row] = await db
    .update(bookings)
    .set({ startAt: Math.floor(start / 1000), endAt: Math.floor(end / 1000), holdId, updatedAt: t })
    .where(and(eq(bookings.id, b.id), sql`${bookings.startAt} IS NULL`, eq(bookings.status, "confirmed")))
    .returning({ id: bookings.id });
  if (!row) {
    await cal.release(holdId);
    throw conflict("This booking was already changed.");
  }
  await db
    .update(creators)
    .set({ version: sql`${creators.version} + 1` })
    .where(eq(creators.userId, b.creatorId));
}

/** The booking a reschedule page is about (its owner only), or null. */
export async function bookingToMove(env: Env, viewer: Viewer | null, bookingId: string | null, serviceId: string) {
  if (!viewer || !bookingId) return null;
  const b = await getDb(env).query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  if (
    !b ||
    b.serviceId !== serviceId ||
    (b.buyerId !== viewer.id && b.creatorId !== viewer.id) ||
    b.status !== "confirmed" ||
    b.startAt === null
  )
    return null;
  return { id: b.id, minutes: b.minutes ?? 0, startAt: b.startAt };
}

/**
 * The creator's Calendly / Cal.com page with the buyer's name and email pre-filled (both read
 * `name` and `email` query parameters). The booking made there is not synchronised back.
 */
export function prefilledSchedulingUrl(url: string, email: string): string {
  const u = new URL(url);
  u.searchParams.set("email", email);
  u.searchParams.set("name", email.split("@")[0]);
  return u.toString();
}

/**
 * The creator marks a fixed package delivered, optionally with an https link to the deliverable
 * (their own storage: the buyer sees the link in their library) and a note. Creator (or admin)
 * only; once. The buyer gets a "delivered" email with the link and the note.
 */
export async function markDelivered(env: Env, viewer: Viewer, bookingId: string, rawUrl: string, rawNote = "") {
  const db = getDb(env);
  const b = await db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  if (!b || (b.creatorId !== viewer.id && !viewer.isAdmin)) throw notFound("That order isn't yours.");
  const s = await db.query.services.findFirst({ where: eq(services.id, b.serviceId) });
  if (s?.pricing !== "fixed_package") throw unprocessable("Only fixed packages are delivered.");
  let url: string | null = null;
  if (rawUrl.trim()) {
    try {
      const u = new URL(rawUrl.trim());
      if (u.protocol === "https:") url = u.toString();
    } catch {
      url = null;
    }
    if (!url) throw unprocessable("The delivery link must be a full https:// address.", { deliveryUrl: "Use an https:// link." });
  }
  const note = rawNote.trim();
  if (note.length > 2000) throw unprocessable("Keep the note under 2,000 characters.", { deliveryNote: "Too long." });
  const t = nowSeconds();
  const [row] = await db
    .update(bookings)
    .set({ status: "delivered", deliveredAt: t, deliveryUrl: url, deliveryNote: note || null, updatedAt: t })
    .where(and(eq(bookings.id, b.id), eq(bookings.status, "confirmed")))
    .returning({ id: bookings.id });
  if (!row) throw conflict("This order isn't waiting for delivery.");
  await queueTxEmail(env, "booking_delivered", `booking-delivered:${b.id}`, { bookingId: b.id });
}
