/**
 * Booking a service as a guest (D131): the slot is held like any booking (one winner per slot),
 * paid bookings go through Checkout with the email given and are confirmed by the webhook, free
 * ones only from the emailed link; the guest manages the booking through a signed link; nothing
 * tells a guest whether the email already has an account.
 */
import { env } from "cloudflare:workers";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm, sessionCookie } from "~/test/http";
import { waitForMail } from "~/test/mail";
import { deliver, payCheckout, sessionIdFrom } from "~/test/stripe";
import { sellerWithService } from "~/test/services";
import { makeUser } from "~/modules/demo/factories.server";
import { availabilityRules, calendar } from "./calendar.server";
import { openSlots } from "./booking.server";

const newEmail = () => `guest-${crypto.randomUUID().slice(0, 8)}@example.test`;
const ip = () => ({ "CF-Connecting-IP": `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` });
const guestCookieOf = (res: Response) => (res.headers.getSetCookie?.() ?? []).find((c) => c.startsWith("at_guest="))?.split(";")[0] ?? null;

/** An open slot (ISO), `skip` places into the list, at least `hoursAhead` from now. */
async function firstSlot(creatorId: string, serviceId: string, skip = 0, hoursAhead = 0) {
  const s = (await env.DB.prepare("SELECT * FROM services WHERE id = ?").bind(serviceId).first<Record<string, unknown>>())!;
  const rules = await availabilityRules(env, creatorId);
  const slots = (await openSlots(env, { ...s, creatorId, durationMinutes: Number(s.duration_minutes) } as never, rules, 30)).filter(
    (x) => x.start > Date.now() + hoursAhead * 3600_000,
  );
  return new Date(slots[skip].start).toISOString();
}

type Row = { id: string; status: string; gross: number; guest: number; guest_name: string | null; buyer_id: string };
const bookingsOfService = async (serviceId: string) =>
  (await env.DB.prepare("SELECT * FROM bookings WHERE service_id = ? ORDER BY created_at").bind(serviceId).all<Row>()).results;
const manageLinkIn = (text: string) => /https?:\/\/[^\s]*(\/bookings\/[^/\s]+\/manage\/[A-Za-z0-9_-]{43})/.exec(text)?.[1] ?? null;

describe("booking a service as a guest", () => {
  it("pays through Checkout with the email given: confirmed by the webhook, both emailed (.ics, manage link), managed and canceled with a refund by link", async () => {
    const { seller, slug, id: serviceId } = await sellerWithService({ price: "40", q0Label: "Your goal", q0Required: "on" });
    const email = newEmail();
    const start = await firstSlot(seller.id, serviceId, 0, 48); // outside the 24 h change window: refundable
    const path = `/@${seller.handle}/services/${slug}`;
    // Name and email are required (422, nothing held).
    const bad = await postForm(path, { start, minutes: "30", email: "nope", answer_q0: "x" }, { headers: ip() });
    expect(bad.status).toBe(422);
    expect(await calendar(env, seller.id).list()).toEqual([]);

    const res = await postForm(
      path,
      { start, minutes: "30", tz: "Europe/Berlin", name: "Ada Guest", email, answer_q0: "Ship it" },
      { headers: ip() },
    );
    expect(res.status).toBe(303);
    expect(sessionCookie(res)).toBeUndefined();
    const guest = guestCookieOf(res)!;
    const checkoutUrl = res.headers.get("Location")!;
    const sessionId = sessionIdFrom(checkoutUrl);
    const session = await getStripe(env).checkout.sessions.retrieve(sessionId);
    expect(session.customer_email).toBe(email);
    expect((await calendar(env, seller.id).list())[0]).toMatchObject({ status: "hold", expiresAt: session.expires_at });

    const paid = await payCheckout(checkoutUrl);
    expect(paid.status).toBe(303);
    const ret = new URL(paid.headers.get("Location")!);
    await deliver(sessionId);
    await deliver(sessionId); // redelivery changes nothing
    const rows = await bookingsOfService(serviceId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "confirmed", gross: 4000, guest: 1, guest_name: "Ada Guest" });
    const account = (await env.DB.prepare("SELECT id, guest_at FROM users WHERE email = ?")
      .bind(email)
      .first<{ id: string; guest_at: number }>())!;
    expect(rows[0].buyer_id).toBe(account.id);
    expect(account.guest_at).not.toBeNull();

    // The thank-you page: this browser only.
    const thanks = await (await app(ret.pathname + ret.search, { cookie: guest })).text();
    expect(thanks).toContain("You&#x27;re booked");
    expect((await app(ret.pathname + ret.search)).status).toBe(302);

    const mail = await waitForMail(email, "Booked:");
    expect(mail.attachments).toHaveLength(1);
    const ev = new ICAL.Event(new ICAL.Component(ICAL.parse(mail.attachments[0].content)).getFirstSubcomponent("vevent")!);
    expect(ev.startDate.toJSDate().getTime()).toBe(Date.parse(start));
    expect(mail.text).toContain("/reset-password/");
    const manage = manageLinkIn(mail.text)!;
    expect(manage).toBeTruthy();
    const alert = await waitForMail(seller.email, "New booking:");
    expect(alert.text).toContain(`Ada Guest (${email})`);
    expect(alert.text).toContain("Ship it");

    // The manage link: the booking, its .ics; a forged or mismatched link is a 404.
    const page = await app(manage);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Cancel and get a full refund");
    expect((await app(`${manage}/ics`)).headers.get("Content-Type")).toContain("text/calendar");
    const [, , id, , token] = manage.split("/");
    expect((await app(`/bookings/${id}/manage/${token.slice(0, -2)}xx`)).status).toBe(404);
    expect((await app(`/bookings/${id}x/manage/${token}`)).status).toBe(404);
    expect((await postForm(`/bookings/${id}/manage/${"A".repeat(43)}`, { intent: "cancel" })).status).toBe(404);
    expect((await bookingsOfService(serviceId))[0].status).toBe("confirmed");

    const cancel = await postForm(manage, { intent: "cancel" });
    expect(cancel.status).toBe(200);
    expect(await cancel.text()).toContain("refunded in full");
    expect((await bookingsOfService(serviceId))[0].status).toBe("canceled");
    const refunds = await getStripe(env).refunds.list({
      payment_intent: String((await getStripe(env).checkout.sessions.retrieve(sessionId)).payment_intent),
    });
    expect(refunds.data.reduce((n, r) => n + r.amount, 0)).toBe(4000);
    expect(await calendar(env, seller.id).list()).toEqual([]);
    expect((await postForm(manage, { intent: "cancel" })).status).toBe(409);
    await waitForMail(email, "Canceled:");
  });

  it("a guest and a member choosing the same slot at once: exactly one holds it", async () => {
    const { seller, slug, id: serviceId } = await sellerWithService({ price: "25" });
    const start = await firstSlot(seller.id, serviceId);
    const member = await makeUser(env);
    const path = `/@${seller.handle}/services/${slug}`;
    const [g, m] = await Promise.all([
      postForm(path, { start, minutes: "30", name: "G", email: newEmail() }, { headers: ip() }),
      postForm(path, { start, minutes: "30" }, { cookie: await member.cookie() }),
    ]);
    expect([g.status, m.status].sort()).toEqual([303, 409]);
    expect((await calendar(env, seller.id).list()).filter((x) => x.status === "hold")).toHaveLength(1);
  });

  it("a free session: nothing is booked until the emailed link is confirmed; the answer is the same for an existing account's email", async () => {
    const { seller, slug, id: serviceId } = await sellerWithService({ price: "0" });
    const path = `/@${seller.handle}/services/${slug}`;
    const existing = await makeUser(env);
    const fresh = newEmail();
    const [s1, s2] = [await firstSlot(seller.id, serviceId, 0), await firstSlot(seller.id, serviceId, 1)];
    const a = await postForm(path, { start: s1, minutes: "30", name: "Same Name", email: existing.email }, { headers: ip() });
    const b = await postForm(path, { start: s2, minutes: "30", name: "Same Name", email: fresh }, { headers: ip() });
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    // The same answer (the slot lists differ only by the two held times, so compare what the form says).
    const said = (t: string, e: string) =>
      (/data-testid="guest-booking-sent"[^>]*>([^<]*)</.exec(t)?.[1] ?? "").replaceAll(e, "EMAIL").replace(/ at \d+:\d+ [AP]M/, " at TIME");
    const [ta, tb] = [said(await a.text(), existing.email), said(await b.text(), fresh)];
    expect(ta).toContain("Almost done: we&#x27;ve sent a link to EMAIL");
    expect(ta).toBe(tb);
    // No account for the new address, no booking, but the time is held.
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(fresh).first()).toBeNull();
    expect(await bookingsOfService(serviceId)).toHaveLength(0);
    expect((await calendar(env, seller.id).list()).map((x) => x.status)).toEqual(["hold", "hold"]);

    const mail = await waitForMail(fresh, "Confirm your booking");
    const link = /https?:\/\/[^\s]*(\/bookings\/confirm\/[A-Za-z0-9_-]{43})/.exec(mail.text)![1];
    expect((await app(link)).status).toBe(200); // opening it books nothing
    expect(await bookingsOfService(serviceId)).toHaveLength(0);
    const [one, two] = await Promise.all([postForm(link, {}), postForm(link, {})]);
    expect([one.status, two.status].sort()).toEqual([303, 404]);
    const manage = (one.status === 303 ? one : two).headers.get("Location")!;
    expect(manage).toMatch(/^\/bookings\/[^/]+\/manage\/[A-Za-z0-9_-]{43}\?booked=1$/);
    const rows = await bookingsOfService(serviceId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "confirmed", guest: 1, guest_name: "Same Name", gross: 0 });
    expect(await (await app(manage)).text()).toContain("You&#x27;re booked");
    expect((await app(link)).status).toBe(404);
    await waitForMail(fresh, "Booked:");
    await waitForMail(seller.email, "New booking:");
  });
});
