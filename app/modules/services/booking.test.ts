import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { waitForMail } from "~/test/mail";
import { deliver, eventsMatching, payCheckout, postAll, sessionIdFrom } from "~/test/stripe";
import { earnings } from "~/modules/payments/dashboard.server";
import { OPEN_ALL_DAY, createService, sellerWithService, setAvailability } from "~/test/services";
import { makeSeller, makeUser } from "~/modules/demo/factories.server";
import { bareRange, calendar } from "./calendar.server";
import { bookService, openSlots } from "./booking.server";
import { availabilityRules } from "./calendar.server";

type Booking = {
  id: string;
  status: string;
  gross: number;
  fee: number;
  net: number;
  hold_id: string;
  refund_reason: string | null;
  start_at: number;
};
const bookingsOf = async (buyerId: string) =>
  (await env.DB.prepare("SELECT * FROM bookings WHERE buyer_id = ? ORDER BY created_at").bind(buyerId).all<Booking>()).results;

/** The first open slot of a service (ISO) as the page lists it. */
async function firstSlot(creatorId: string, serviceId: string, skip = 0) {
  const s = (await env.DB.prepare("SELECT * FROM services WHERE id = ?").bind(serviceId).first<Record<string, unknown>>())!;
  const rules = await availabilityRules(env, creatorId);
  const slots = await openSlots(
    env,
    { ...s, pricing: s.pricing, creatorId, durationMinutes: Number(s.duration_minutes) } as never,
    rules,
    Number(s.duration_minutes),
  );
  return new Date(slots[skip].start).toISOString();
}

describe("CreatorCalendar durable object", () => {
  it("200 concurrent holds on one slot: exactly one wins; expiry (alarm) frees it", async () => {
    const creatorId = `cal-${crypto.randomUUID()}`;
    const cal = calendar(env, creatorId);
    const start = Date.now() + 86_400_000;
    const range = bareRange(start, start + 30 * 60_000);
    const t = Math.floor(Date.now() / 1000);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => cal.hold(`h${i}`, range, t + 600)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "taken")).toHaveLength(199);
    // An overlapping range (any service of this creator) is taken too; an adjacent one is free.
    expect(await cal.hold("overlap", bareRange(start + 15 * 60_000, start + 45 * 60_000), t + 600)).toEqual({ ok: false, reason: "taken" });
    expect((await cal.hold("next", bareRange(start + 30 * 60_000, start + 60 * 60_000), t + 600)).ok).toBe(true);

    // An expired hold stops counting at once and is swept by the alarm.
    const cal2 = calendar(env, `cal-${crypto.randomUUID()}`);
    expect((await cal2.hold("lapsed", range, t - 1)).ok).toBe(true);
    expect(await runDurableObjectAlarm(cal2)).toBe(true);
    expect(await cal2.list()).toEqual([]);
    expect((await cal2.hold("fresh", range, t + 600)).ok).toBe(true);
    // Confirm is idempotent; a lapsed hold is confirmed only if nobody took the range meanwhile.
    expect(await cal2.confirm("fresh", range)).toEqual({ ok: true, already: false });
    expect(await cal2.confirm("fresh", range)).toEqual({ ok: true, already: true });
    expect(await cal2.confirm("late", range)).toEqual({ ok: false, reason: "taken" });
    // Buffers are part of the blocked range; the daily maximum counts the creator-local day.
    const buffered = {
      ...bareRange(start + 2 * 3600_000, start + 2.5 * 3600_000),
      blockStart: start + 1.75 * 3600_000,
      blockEnd: start + 2.75 * 3600_000,
    };
    expect((await cal2.hold("b1", buffered, t + 600)).ok).toBe(true);
    expect((await cal2.hold("b2", bareRange(start + 2.5 * 3600_000, start + 3 * 3600_000), t + 600)).ok).toBe(false);
    const capped = { ...bareRange(start + 5 * 3600_000, start + 5.5 * 3600_000), day: "2099-01-01", dailyMax: 1 };
    expect((await cal2.hold("d1", capped, t + 600)).ok).toBe(true);
    expect(
      await cal2.hold(
        "d2",
        {
          ...capped,
          start: capped.start + 3600_000,
          end: capped.end + 3600_000,
          blockStart: capped.blockStart + 3600_000,
          blockEnd: capped.blockEnd + 3600_000,
        },
        t + 600,
      ),
    ).toEqual({
      ok: false,
      reason: "day_full",
    });
  });

  it("move takes the new range before freeing the old one; concurrent moves never lose or double the booking", async () => {
    const cal = calendar(env, `cal-${crypto.randomUUID()}`);
    const base = Date.now() + 86_400_000;
    const r = (h: number) => bareRange(base + h * 3600_000, base + h * 3600_000 + 30 * 60_000);
    expect((await cal.confirm("b", r(0))).ok).toBe(true);
    expect((await cal.confirm("other", r(2))).ok).toBe(true);
    expect(await cal.move("b", "b2", r(2))).toEqual({ ok: false, reason: "taken" });
    const moves = await Promise.all([cal.move("b", "m1", r(4)), cal.move("b", "m2", r(4)), cal.move("b", "m3", r(6))]);
    expect(moves.filter((m) => m.ok)).toHaveLength(1);
    const blocks = await cal.list();
    expect(blocks.map((x) => x.status)).toEqual(["confirmed", "confirmed"]);
    expect(blocks.some((x) => x.holdId === "other")).toBe(true);
  });
});

describe("booking a service", () => {
  it("paid per-session booking: held during Checkout, confirmed by the webhook, gross/fee/net recorded, both sides emailed", async () => {
    const { seller, slug } = await sellerWithService({ price: "50", q0Label: "Your GitHub", q0Required: "on" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const serviceId = (await env.DB.prepare("SELECT id FROM services WHERE slug = ?").bind(slug).first<string>("id"))!;
    const start = await firstSlot(seller.id, serviceId);
    // A required intake answer is enforced (422, nothing held).
    const missing = await postForm(`/@${seller.handle}/services/${slug}`, { start, minutes: "30", tz: "Asia/Kolkata" }, { cookie });
    expect(missing.status).toBe(422);
    expect(await calendar(env, seller.id).list()).toEqual([]);

    const res = await postForm(
      `/@${seller.handle}/services/${slug}`,
      { start, minutes: "30", tz: "Asia/Kolkata", answer_q0: "octocat" },
      { cookie },
    );
    expect(res.status).toBe(303);
    const checkoutUrl = res.headers.get("Location")!;
    expect(checkoutUrl).toContain("/checkout/pay/cs_");
    const sessionId = sessionIdFrom(checkoutUrl);
    const session = await getStripe(env).checkout.sessions.retrieve(sessionId, { expand: ["payment_intent"] });
    const [held] = await calendar(env, seller.id).list();
    expect(held).toMatchObject({ status: "hold", expiresAt: session.expires_at, start: Date.parse(start) });
    // Someone else can't take the held slot.
    const other = await makeUser(env);
    const clash = await postForm(
      `/@${seller.handle}/services/${slug}`,
      { start, minutes: "30", answer_q0: "x" },
      { cookie: await other.cookie() },
    );
    expect(clash.status).toBe(409);
    expect(await clash.text()).toContain("Someone just booked that time");

    expect((await payCheckout(checkoutUrl)).status).toBe(303);
    await deliver(buyer.id);
    const [b] = await bookingsOf(buyer.id);
    expect(b).toMatchObject({ status: "confirmed", gross: 5000, fee: 400, net: 4600 });
    expect((await calendar(env, seller.id).list())[0].status).toBe("confirmed");
    const pi = await getStripe(env).paymentIntents.retrieve(
      String((await getStripe(env).checkout.sessions.retrieve(sessionId)).payment_intent),
    );
    expect(pi.application_fee_amount).toBe(400);
    expect(await (await app(`/checkout/return?session_id=${sessionId}`, { cookie })).text()).toContain("You&#x27;re booked");
    // Redelivery changes nothing.
    await deliver(buyer.id);
    expect(await bookingsOf(buyer.id)).toHaveLength(1);
    const mail = await waitForMail(buyer.email, "Booked:");
    expect(mail.text).toMatch(/IST|GMT\+5:30/);
    const alert = await waitForMail(seller.email, "New booking:");
    expect(alert.text).toContain("octocat");
    // Both carry the .ics as an attachment (not only a link): it parses and holds the booked instant.
    for (const m of [mail, alert]) {
      expect(m.attachments).toHaveLength(1);
      expect(m.attachments[0]).toMatchObject({ filename: "invite.ics", contentType: expect.stringContaining("text/calendar") });
      const ev = new ICAL.Event(new ICAL.Component(ICAL.parse(m.attachments[0].content)).getFirstSubcomponent("vevent")!);
      expect(ev.startDate.toJSDate().getTime()).toBe(Date.parse(start));
    }
    // The buyer's library and the creator's dashboard list it.
    expect(await (await app("/library/bookings", { cookie })).text()).toContain("Upcoming");
    expect(await (await app("/dashboard/services", { cookie: await seller.cookie() })).text()).toContain("octocat");
  });

  it("a payment that arrives after the hold lapsed and the slot was taken is refunded in full, with an email saying why", async () => {
    const { seller, slug, id: serviceId } = await sellerWithService({ price: "80" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const start = await firstSlot(seller.id, serviceId);
    const res = await postForm(`/@${seller.handle}/services/${slug}`, { start, minutes: "30", tz: "Europe/London" }, { cookie });
    const checkoutUrl = res.headers.get("Location")!;
    const [mine] = await bookingsOf(buyer.id);
    // The hold lapses (as on expiry) and another person books the same time.
    await calendar(env, seller.id).release(mine.hold_id);
    const t = Date.parse(start);
    expect((await calendar(env, seller.id).confirm("someone-else", bareRange(t, t + 30 * 60_000))).ok).toBe(true);
    expect((await payCheckout(checkoutUrl)).status).toBe(303);
    await deliver(buyer.id);
    const [b] = await bookingsOf(buyer.id);
    expect(b).toMatchObject({ status: "refunded", refund_reason: "slot_taken", gross: 8000 });
    const session = await getStripe(env).checkout.sessions.retrieve(sessionIdFrom(checkoutUrl));
    const refunds = await getStripe(env).refunds.list({ payment_intent: String(session.payment_intent) });
    expect(refunds.data.reduce((s, r) => s + r.amount, 0)).toBe(8000);
    const mail = await waitForMail(buyer.email, "Refunded:");
    expect(mail.text).toContain("someone else booked it");
    expect(await (await app(`/checkout/return?session_id=${session.id}`, { cookie })).text()).toContain("Refunded — that time was taken");
    // Only the other booking holds the time.
    expect((await calendar(env, seller.id).list()).map((x) => x.holdId)).toEqual(["someone-else"]);
  });

  it("an expired checkout releases the hold (webhook), and the alarm marks a swept hold's booking expired", async () => {
    const { seller, slug, id: serviceId } = await sellerWithService({ price: "30" });
    const buyer = await makeUser(env);
    const start = await firstSlot(seller.id, serviceId);
    const res = await postForm(`/@${seller.handle}/services/${slug}`, { start, minutes: "30" }, { cookie: await buyer.cookie() });
    const sessionId = sessionIdFrom(res.headers.get("Location")!);
    await getStripe(env).checkout.sessions.expire(sessionId);
    await deliver(buyer.id);
    expect((await bookingsOf(buyer.id))[0].status).toBe("expired");
    expect(await calendar(env, seller.id).list()).toEqual([]);

    // A hold whose time ran out without any webhook: the alarm sweeps it and expires its booking row.
    const buyer2 = await makeUser(env);
    await postForm(`/@${seller.handle}/services/${slug}`, { start, minutes: "30" }, { cookie: await buyer2.cookie() });
    const [b2] = await bookingsOf(buyer2.id);
    const t = Date.parse(start);
    await calendar(env, seller.id).release(b2.hold_id);
    expect((await calendar(env, seller.id).hold(b2.hold_id, bareRange(t, t + 30 * 60_000), Math.floor(Date.now() / 1000) - 1)).ok).toBe(
      true,
    );
    expect(await runDurableObjectAlarm(calendar(env, seller.id))).toBe(true);
    expect((await bookingsOf(buyer2.id))[0].status).toBe("expired");
  });

  it("the cached slot list follows the calendar: a new hold removes its slot at once, a release brings it back", async () => {
    const { seller, id: serviceId } = await sellerWithService({ price: "0" });
    const first = await firstSlot(seller.id, serviceId); // computed and cached
    expect(await firstSlot(seller.id, serviceId)).toBe(first); // served from the cache
    const t = Date.parse(first);
    const cal = calendar(env, seller.id);
    expect((await cal.hold("cache-hold", bareRange(t, t + 30 * 60_000), Math.floor(Date.now() / 1000) + 600)).ok).toBe(true);
    expect(await firstSlot(seller.id, serviceId)).not.toBe(first);
    await cal.release("cache-hold");
    expect(await firstSlot(seller.id, serviceId)).toBe(first);
  });

  it("20 people booking one free slot at once: exactly one booking, the others are told it's gone", async () => {
    const { seller, slug, id: serviceId } = await sellerWithService({ price: "0", durationMinutes: "15" });
    const start = await firstSlot(seller.id, serviceId);
    const buyers = await Promise.all(Array.from({ length: 20 }, () => makeUser(env)));
    const outcomes = await Promise.allSettled(
      buyers.map((b) => bookService(env, b.viewer, seller.handle, slug, { start, minutes: "15" }, "http://localhost:8787")),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(lost).toHaveLength(19);
    expect(lost.every((o) => o.reason.status === 409)).toBe(true);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM bookings WHERE service_id = ? AND status = 'confirmed'")
      .bind(serviceId)
      .first<number>("n");
    expect(n).toBe(1);
    // The slot no longer shows.
    expect(await firstSlot(seller.id, serviceId)).not.toBe(start);
  });

  it("session packs: bought through Checkout, redeemed one booking at a time, never overdrawn", async () => {
    const {
      seller,
      slug,
      id: serviceId,
    } = await sellerWithService({ pricing: "pack", price: "120", packSessions: "2", packExpiryDays: "30" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const res = await postForm(`/@${seller.handle}/services/${slug}`, { intent: "buy-pack" }, { cookie });
    expect(res.status).toBe(303);
    expect((await payCheckout(res.headers.get("Location")!)).status).toBe(303);
    await deliver(buyer.id);
    const pack = (await env.DB.prepare("SELECT * FROM service_packs WHERE buyer_id = ?").bind(buyer.id).first<Record<string, unknown>>())!;
    expect(pack).toMatchObject({ status: "active", sessions_total: 2, sessions_used: 0, gross: 12000, fee: 960, net: 11040 });
    const slots = [
      await firstSlot(seller.id, serviceId, 0),
      await firstSlot(seller.id, serviceId, 2),
      await firstSlot(seller.id, serviceId, 4),
    ];
    const tries = await Promise.allSettled(
      slots.map((start) =>
        bookService(env, buyer.viewer, seller.handle, slug, { start, minutes: "30", packId: String(pack.id) }, "http://x"),
      ),
    );
    expect(tries.filter((t) => t.status === "fulfilled")).toHaveLength(2);
    expect(await env.DB.prepare("SELECT sessions_used AS n FROM service_packs WHERE id = ?").bind(pack.id).first<number>("n")).toBe(2);
    expect((await bookingsOf(buyer.id)).filter((b) => b.status === "confirmed")).toHaveLength(2);
    expect(await (await app("/library/bookings", { cookie })).text()).toContain("0 of 2 sessions left");
  });

  it("fixed package: paid without a slot, gets a due date; the storefront shows real service cards", async () => {
    const { seller, slug } = await sellerWithService({
      pricing: "fixed_package",
      price: "900",
      deliveryDays: "5",
      locationKind: "after_booking",
      title: "App audit",
    });
    const buyer = await makeUser(env);
    const res = await postForm(`/@${seller.handle}/services/${slug}`, {}, { cookie: await buyer.cookie() });
    expect(res.status).toBe(303);
    await payCheckout(res.headers.get("Location")!);
    await deliver(buyer.id);
    const b = (await env.DB.prepare("SELECT * FROM bookings WHERE buyer_id = ?").bind(buyer.id).first<Record<string, number | null>>())!;
    expect(b).toMatchObject({ status: "confirmed", start_at: null, gross: 90000, fee: 7200, net: 82800 });
    expect(Number(b.due_at) - Number(b.updated_at)).toBe(5 * 86_400);
    const page = await (await app(`/@${seller.handle}`)).text();
    expect(page).toContain("App audit");
    expect(page).toContain("$900.00");
    expect(page).toContain("Delivered in 5 days");
  });
});

describe("cancel and reschedule", () => {
  async function paidBooking(skip: number, availability: Record<string, string> = {}) {
    const ctx = await sellerWithService({ price: "40" }, availability);
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const start = await firstSlot(ctx.seller.id, ctx.id, skip);
    const res = await postForm(`/@${ctx.seller.handle}/services/${ctx.slug}`, { start, minutes: "30" }, { cookie });
    await payCheckout(res.headers.get("Location")!);
    await deliver(buyer.id);
    const [b] = await bookingsOf(buyer.id);
    expect(b.status).toBe("confirmed");
    return { ...ctx, buyer, cookie, booking: b, start, sessionId: sessionIdFrom(res.headers.get("Location")!) };
  }
  const refunded = async (sessionId: string) => {
    const pi = String((await getStripe(env).checkout.sessions.retrieve(sessionId)).payment_intent);
    return (await getStripe(env).refunds.list({ payment_intent: pi })).data.reduce((s, r) => s + r.amount, 0);
  };

  it("the buyer cancels early (full refund, slot freed); late (no refund); the creator always refunds; strangers can't", async () => {
    // 120 slots of 30 min ahead = 60 h away: inside the free-change window.
    const early = await paidBooking(120);
    const stranger = await makeUser(env);
    expect((await postForm("/library/bookings", { bookingId: early.booking.id }, { cookie: await stranger.cookie() })).status).toBe(404);
    const res = await postForm("/library/bookings", { bookingId: early.booking.id }, { cookie: early.cookie });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("refunded in full");
    expect((await bookingsOf(early.buyer.id))[0]).toMatchObject({ status: "canceled", refund_reason: "canceled_by_buyer" });
    expect(await refunded(early.sessionId)).toBe(4000);
    expect(await calendar(env, early.seller.id).list()).toEqual([]);
    expect(await postForm("/library/bookings", { bookingId: early.booking.id }, { cookie: early.cookie }).then((r) => r.status)).toBe(409);
    await waitForMail(early.seller.email, "Canceled:");

    const late = await paidBooking(2); // about an hour away
    expect(await (await postForm("/library/bookings", { bookingId: late.booking.id }, { cookie: late.cookie })).text()).not.toContain(
      "refunded",
    );
    expect(await refunded(late.sessionId)).toBe(0);
    expect(await calendar(env, late.seller.id).list()).toEqual([]);

    const byCreator = await paidBooking(2);
    const r = await postForm("/dashboard/services", { bookingId: byCreator.booking.id }, { cookie: await byCreator.seller.cookie() });
    expect(await r.text()).toContain("refunded in full");
    expect((await bookingsOf(byCreator.buyer.id))[0]).toMatchObject({ status: "canceled", refund_reason: "canceled_by_creator" });
    expect(await refunded(byCreator.sessionId)).toBe(4000);
    await waitForMail(byCreator.buyer.email, "Canceled:");
  });

  it("the creator's change window (here 72 h) is shown before paying and enforced: inside it, no move and no refund", async () => {
    const b = await paidBooking(120, { changeWindowHours: "72" }); // ~60 h away: inside a 72 h window
    const page = await (await app(`/@${b.seller.handle}/services/${b.slug}`, { cookie: b.cookie })).text();
    expect(page).toContain("until 3 days before the session");
    const tooLong = await postForm(
      "/dashboard/availability",
      { ...OPEN_ALL_DAY, changeWindowHours: "9999" },
      { cookie: await b.seller.cookie() },
    );
    expect(tooLong.status).toBe(422);
    const move = await postForm(
      `/@${b.seller.handle}/services/${b.slug}`,
      { intent: "reschedule", bookingId: b.booking.id, start: await firstSlot(b.seller.id, b.id, 140) },
      { cookie: b.cookie },
    );
    expect(move.status).toBe(409);
    expect(await move.text()).toContain("until 72 hours before it starts");
    expect(await (await app("/library/bookings", { cookie: b.cookie })).text()).toContain("Less than 72 hours to go");
    const cancel = await postForm("/library/bookings", { bookingId: b.booking.id }, { cookie: b.cookie });
    expect(cancel.status).toBe(200);
    expect(await cancel.text()).not.toContain("refunded in full");
    expect(await refunded(b.sessionId)).toBe(0);
    expect(await calendar(env, b.seller.id).list()).toEqual([]);
  });

  it("concurrent reschedules of one booking: exactly one moves it, never lost, never doubled; the old time is freed", async () => {
    const b = await paidBooking(120);
    const targets = await Promise.all([130, 132, 134, 136, 138].map((i) => firstSlot(b.seller.id, b.id, i)));
    const tries = await Promise.allSettled(
      targets.map((t) =>
        postForm(
          `/@${b.seller.handle}/services/${b.slug}`,
          { intent: "reschedule", bookingId: b.booking.id, start: t },
          { cookie: b.cookie },
        ),
      ),
    );
    const statuses = tries.map((t) => (t.status === "fulfilled" ? t.value.status : 500));
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(4);
    const [after] = await bookingsOf(b.buyer.id);
    expect(after.status).toBe("confirmed");
    const blocks = await calendar(env, b.seller.id).list();
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({ holdId: after.hold_id, start: after.start_at * 1000 });
    expect(targets.map(Date.parse)).toContain(after.start_at * 1000);
    // The old time is open again; the new one is taken for others.
    const other = await makeUser(env);
    const take = await postForm(
      `/@${b.seller.handle}/services/${b.slug}`,
      { start: new Date(after.start_at * 1000).toISOString(), minutes: "30" },
      { cookie: await other.cookie() },
    );
    expect(take.status).toBe(409);
    const old = await postForm(
      `/@${b.seller.handle}/services/${b.slug}`,
      { start: b.start, minutes: "30" },
      { cookie: await other.cookie() },
    );
    expect(old.status).toBe(303);
    await waitForMail(b.buyer.email, "Moved:");
  });

  it("refunds made in Stripe's dashboard are mirrored: partial keeps the booking, full frees the time; earnings and CSV show services", async () => {
    const b = await paidBooking(120);
    const stripe = getStripe(env);
    const pi = String((await stripe.checkout.sessions.retrieve(b.sessionId)).payment_intent);
    const usd = async () => (await earnings(env, b.seller.id)).byCurrency.find((c) => c.currency === "usd")!;
    expect(await usd()).toMatchObject({ gross: 4000, fee: 320, net: 3680, services: 4000, sales: 1 });
    // Partial refund the way Stripe's dashboard makes it (no fee refund, no transfer reversal).
    await stripe.refunds.create({ payment_intent: pi, amount: 1000 });
    await deliver(b.buyer.id, pi);
    const row = async () =>
      (await env.DB.prepare("SELECT * FROM bookings WHERE id = ?").bind(b.booking.id).first<Record<string, unknown>>())!;
    expect(await row()).toMatchObject({ status: "confirmed", amount_refunded: 1000 });
    expect(await usd()).toMatchObject({ gross: 3000, services: 3000, refunded: 1000, platformFunded: 1000 });
    expect((await calendar(env, b.seller.id).list()).map((x) => x.holdId)).toEqual([b.booking.hold_id]);
    // The rest: fully refunded → refunded, the upcoming time is free again, both sides told.
    await stripe.refunds.create({ payment_intent: pi });
    await deliver(b.buyer.id, pi);
    expect(await row()).toMatchObject({ status: "refunded", amount_refunded: 4000, refund_reason: "refunded_in_stripe" });
    expect(await calendar(env, b.seller.id).list()).toEqual([]);
    expect(await usd()).toMatchObject({ gross: 0, services: 0, refunded: 4000, sales: 0 });
    await waitForMail(b.buyer.email, "Canceled:");
    // Redelivery changes nothing.
    await postAll(await eventsMatching(pi));
    expect(await row()).toMatchObject({ status: "refunded", amount_refunded: 4000 });
    // The CSV export lists the booking with gross / fee / net and what was refunded; only for its creator.
    const csv = await (await app("/dashboard/earnings.csv", { cookie: await b.seller.cookie() })).text();
    expect(csv).toContain('"service booking"');
    expect(csv).toMatch(/"USD","40\.00","3\.20","36\.80","40\.00"/);
    expect(await (await app("/dashboard/earnings.csv", { cookie: b.cookie })).text()).not.toContain("service booking");
  });

  it("a canceled pack session comes back to the pack", async () => {
    const {
      seller,
      slug,
      id: serviceId,
    } = await sellerWithService({ pricing: "pack", price: "90", packSessions: "2", packExpiryDays: "30" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const res = await postForm(`/@${seller.handle}/services/${slug}`, { intent: "buy-pack" }, { cookie });
    await payCheckout(res.headers.get("Location")!);
    await deliver(buyer.id);
    const packId = (await env.DB.prepare("SELECT id FROM service_packs WHERE buyer_id = ?").bind(buyer.id).first<string>("id"))!;
    const start = await firstSlot(seller.id, serviceId, 120);
    const { bookingId } = await bookService(env, buyer.viewer, seller.handle, slug, { start, minutes: "30", packId }, "http://x");
    const used = () => env.DB.prepare("SELECT sessions_used AS n FROM service_packs WHERE id = ?").bind(packId).first<number>("n");
    expect(await used()).toBe(1);
    expect(await (await postForm("/library/bookings", { bookingId: bookingId! }, { cookie })).text()).toContain("back in your pack");
    expect(await used()).toBe(0);
  });

  it(".ics: parses, carries the right instants and a stable UID; a move raises SEQUENCE, a cancellation is METHOD:CANCEL", async () => {
    const b = await paidBooking(120);
    const read = async () => {
      const res = await app(`/library/bookings/${b.booking.id}.ics`, { cookie: b.cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Type")).toContain("text/calendar");
      const cal = new ICAL.Component(ICAL.parse(await res.text()));
      const ev = new ICAL.Event(cal.getFirstSubcomponent("vevent")!);
      return {
        method: cal.getFirstPropertyValue("method"),
        uid: ev.uid,
        seq: ev.sequence,
        start: ev.startDate.toJSDate().getTime(),
        end: ev.endDate.toJSDate().getTime(),
        status: cal.getFirstSubcomponent("vevent")!.getFirstPropertyValue("status"),
      };
    };
    const first = await read();
    expect(first).toMatchObject({
      uid: `booking-${b.booking.id}@allthrive.app`,
      seq: 0,
      start: Date.parse(b.start),
      end: Date.parse(b.start) + 30 * 60_000,
      status: "CONFIRMED",
    });
    // Others get nothing.
    const stranger = await makeUser(env);
    expect((await app(`/library/bookings/${b.booking.id}.ics`, { cookie: await stranger.cookie() })).status).toBe(404);
    // Moved: same UID, higher SEQUENCE, new instants.
    const target = await firstSlot(b.seller.id, b.id, 140);
    expect(
      (
        await postForm(
          `/@${b.seller.handle}/services/${b.slug}`,
          { intent: "reschedule", bookingId: b.booking.id, start: target },
          { cookie: b.cookie },
        )
      ).status,
    ).toBe(303);
    const moved = await read();
    expect(moved).toMatchObject({ uid: first.uid, seq: 1, start: Date.parse(target) });
    // The move and cancel emails carry the updated .ics as an attachment (same UID, its SEQUENCE / METHOD).
    const attached = (m: { attachments: { content: string }[] }) => {
      const cal = new ICAL.Component(ICAL.parse(m.attachments[0].content));
      const ev = new ICAL.Event(cal.getFirstSubcomponent("vevent")!);
      return { method: cal.getFirstPropertyValue("method"), uid: ev.uid, seq: ev.sequence, start: ev.startDate.toJSDate().getTime() };
    };
    expect(attached(await waitForMail(b.buyer.email, "Moved:"))).toMatchObject({ uid: first.uid, seq: 1, start: Date.parse(target) });
    // Canceled: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE higher again.
    await postForm("/library/bookings", { bookingId: b.booking.id }, { cookie: b.cookie });
    const canceled = await read();
    expect(canceled).toMatchObject({ uid: first.uid, seq: 2, method: "CANCEL", status: "CANCELLED" });
    expect(attached(await waitForMail(b.seller.email, "Canceled:"))).toMatchObject({ uid: first.uid, seq: 2, method: "CANCEL" });
  });
});

describe("Calendly / Cal.com link mode and fixed-package delivery", () => {
  it("link mode: only https Calendly/Cal.com pages on paid sessions; pay first, then the prefilled link", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const bad = async (fields: Record<string, string>) => {
      const res = await postForm(
        "/dashboard/services/new",
        {
          title: "Call",
          slug: `c-${crypto.randomUUID().slice(0, 6)}`,
          durationMinutes: "30",
          locationKind: "video",
          pricing: "per_session",
          price: "90",
          currency: "usd",
          ...fields,
        },
        { cookie },
      );
      expect(res.status).toBe(422);
    };
    await bad({ schedulingUrl: "http://calendly.com/maya/30min" });
    await bad({ schedulingUrl: "https://calendly.com.evil.example/maya" });
    await bad({ schedulingUrl: "https://calendly.com/maya", price: "0" });
    await bad({ schedulingUrl: "https://cal.com/maya", pricing: "pack", packSessions: "3", packExpiryDays: "30" });
    // No availability needed: the time is picked on the creator's own page.
    const s = await createService(cookie, { schedulingUrl: "https://cal.com/maya/intro" });
    expect((await postForm(`/dashboard/services/${s.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
    const buyer = await makeUser(env);
    const bcookie = await buyer.cookie();
    const res = await postForm(`/@${seller.handle}/services/${s.slug}`, {}, { cookie: bcookie });
    expect(res.status).toBe(303);
    await payCheckout(res.headers.get("Location")!);
    await deliver(buyer.id);
    const [b] = await bookingsOf(buyer.id);
    expect(b).toMatchObject({ status: "confirmed", start_at: null, gross: 5000, fee: 400 });
    const page = await (await app("/library/bookings", { cookie: bcookie })).text();
    expect(page).toContain(`https://cal.com/maya/intro?email=${encodeURIComponent(buyer.email)}`);
    expect((await waitForMail(buyer.email, "Booked:")).text).toContain("https://cal.com/maya/intro?email=");
    // The creator records the time the buyer picked there: it then blocks their native calendar (every service).
    await setAvailability(cookie); // open all day, in UTC
    const native = await createService(cookie, {});
    expect((await postForm(`/dashboard/services/${native.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
    const slot = await firstSlot(seller.id, native.id, 50);
    const record = (meetingAt: string, c = cookie) =>
      postForm("/dashboard/services", { intent: "record-time", bookingId: b.id, meetingAt }, { cookie: c });
    expect((await record("")).status).toBe(422);
    expect((await record(slot.slice(0, 16), bcookie)).status).toBe(404);
    expect((await record(slot.slice(0, 16))).status).toBe(200); // the creator's zone is UTC here
    expect((await bookingsOf(buyer.id))[0].start_at * 1000).toBe(Date.parse(slot));
    expect((await record(slot.slice(0, 16))).status).toBe(409);
    const other = await makeUser(env);
    const clash = await postForm(
      `/@${seller.handle}/services/${native.slug}`,
      { start: slot, minutes: "30" },
      { cookie: await other.cookie() },
    );
    expect(clash.status).toBe(409);
    // The buyer can't cancel a link-mode booking here; the creator can, with a full refund (the time is freed).
    expect((await postForm("/library/bookings", { bookingId: b.id }, { cookie: bcookie })).status).toBe(409);
    const canceled = await postForm("/dashboard/services", { bookingId: b.id }, { cookie });
    expect(await canceled.text()).toContain("refunded in full");
    expect((await bookingsOf(buyer.id))[0].status).toBe("canceled");
    expect(await calendar(env, seller.id).list()).toEqual([]);
  });

  it("fixed package: the creator marks it delivered (https link), once; the buyer sees it; nobody else can", async () => {
    const { seller, slug } = await sellerWithService({
      pricing: "fixed_package",
      price: "300",
      deliveryDays: "3",
      locationKind: "after_booking",
    });
    const buyer = await makeUser(env);
    const bcookie = await buyer.cookie();
    const res = await postForm(`/@${seller.handle}/services/${slug}`, {}, { cookie: bcookie });
    await payCheckout(res.headers.get("Location")!);
    await deliver(buyer.id);
    const [b] = await bookingsOf(buyer.id);
    // Past its due date and not delivered: flagged on the creator's list.
    const scookie = await seller.cookie();
    expect(await (await app("/dashboard/services", { cookie: scookie })).text()).not.toContain('data-testid="overdue"');
    await env.DB.prepare("UPDATE bookings SET due_at = unixepoch() - 60 WHERE id = ?").bind(b.id).run();
    expect(await (await app("/dashboard/services", { cookie: scookie })).text()).toContain('data-testid="overdue"');
    const other = await makeSeller(env);
    expect((await postForm("/dashboard/services", { intent: "deliver", bookingId: b.id }, { cookie: await other.cookie() })).status).toBe(
      404,
    );
    expect(
      (await postForm("/dashboard/services", { intent: "deliver", bookingId: b.id, deliveryUrl: "ftp://x" }, { cookie: scookie })).status,
    ).toBe(422);
    const ok = await postForm(
      "/dashboard/services",
      { intent: "deliver", bookingId: b.id, deliveryUrl: "https://files.example.com/audit.pdf", deliveryNote: "Findings on page 2." },
      { cookie: scookie },
    );
    expect(ok.status).toBe(200);
    const delivered = await waitForMail(buyer.email, "Delivered:");
    expect(delivered.text).toContain("https://files.example.com/audit.pdf");
    expect(delivered.text).toContain("Findings on page 2.");
    expect(await (await app("/dashboard/services", { cookie: scookie })).text()).not.toContain('data-testid="overdue"');
    expect((await postForm("/dashboard/services", { intent: "deliver", bookingId: b.id }, { cookie: scookie })).status).toBe(409);
    const page = await (await app("/library/bookings", { cookie: bcookie })).text();
    expect(page).toContain("https://files.example.com/audit.pdf");
    expect(page).toContain("Delivered.");
  });
});

describe("reminders", () => {
  it("a confirmed booking gets 24 h and 1 h reminders, sent once by the calendar's alarm to both sides; a move replaces them", async () => {
    const { seller, slug, id: serviceId } = await sellerWithService({ price: "0" });
    const buyer = await makeUser(env);
    const start = await firstSlot(seller.id, serviceId, 120);
    const { bookingId } = await bookService(
      env,
      buyer.viewer,
      seller.handle,
      slug,
      { start, minutes: "30", tz: "Asia/Kolkata" },
      "http://x",
    );
    const [b] = await bookingsOf(buyer.id);
    const cal = calendar(env, seller.id);
    expect(await cal.reminders()).toEqual([
      { holdId: b.hold_id, kind: "24h", at: Date.parse(start) - 24 * 3600_000 },
      { holdId: b.hold_id, kind: "1h", at: Date.parse(start) - 3600_000 },
    ]);
    // Moving it: the old reminders go, new ones follow the new time.
    const target = await firstSlot(seller.id, serviceId, 130);
    expect(
      (
        await postForm(
          `/@${seller.handle}/services/${slug}`,
          { intent: "reschedule", bookingId: bookingId!, start: target },
          { cookie: await buyer.cookie() },
        )
      ).status,
    ).toBe(303);
    const [moved] = await bookingsOf(buyer.id);
    expect((await cal.reminders()).map((r) => [r.holdId, r.at])).toEqual([
      [moved.hold_id, Date.parse(target) - 24 * 3600_000],
      [moved.hold_id, Date.parse(target) - 3600_000],
    ]);
    // Make the 24 h reminder due (the only way to skip a day in a test), then let the alarm run twice.
    await runInDurableObject(cal, (_o, state: DurableObjectState) => {
      state.storage.sql.exec("UPDATE reminders SET at_ms = 0 WHERE kind = '24h'");
    });
    expect(await runDurableObjectAlarm(cal)).toBe(true);
    await runDurableObjectAlarm(cal);
    const mail = await waitForMail(buyer.email, "Reminder:");
    expect(mail.subject).toContain("tomorrow");
    expect(mail.text).toMatch(/GMT\+5:30|IST/);
    await waitForMail(seller.email, "Reminder:");
    expect((await cal.reminders()).map((r) => r.kind)).toEqual(["1h"]);
    const sent = await env.DB.prepare("SELECT COUNT(*) AS n FROM dev_mailbox WHERE to_address = ? AND subject LIKE 'Reminder:%'")
      .bind(buyer.email)
      .first<number>("n");
    expect(sent).toBe(1);
  });
});
