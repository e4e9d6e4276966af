import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { deliver, emulator, eventsMatching, payCheckout, postAll } from "~/test/stripe";
import { makeTier, membership, subscribe, subscribeAndPay } from "~/test/money";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { seats } from "./seats.server";
import { HOLD_GRACE_SECONDS } from "../../../workers/durable-objects/tier-seats";

describe("tiers: saving syncs Stripe prices", () => {
  it("creates a product and prices; a new amount makes a new price and archives the old one", async () => {
    const c = await makeSeller(env);
    const cookie = await c.cookie();
    const t = await makeTier(cookie);
    expect(t.stripe_product_id).toMatch(/^prod_/);
    const old = String(t.stripe_monthly_price_id);
    const res = await postForm(
      `/dashboard/tiers/${t.id}`,
      { name: String(t.name), pricing: "fixed", currency: "usd", monthly: "7", annual: "50" },
      { cookie },
    );
    expect(res.status).toBe(200);
    const after = await env.DB.prepare(
      "SELECT stripe_monthly_price_id AS m, stripe_annual_price_id AS a, monthly_amount AS amt FROM tiers WHERE id=?",
    )
      .bind(t.id)
      .first<{ m: string; a: string; amt: number }>();
    expect(after!.m).not.toBe(old);
    expect(after!.a).toBe(t.stripe_annual_price_id);
    expect(after!.amt).toBe(700);
    expect((await getStripe(env).prices.retrieve(old)).active).toBe(false);
    expect((await getStripe(env).prices.retrieve(after!.m)).unit_amount).toBe(700);
    // Validation: paid tier needs a price; caps are positive whole numbers.
    expect((await postForm("/dashboard/tiers/new", { name: "X", pricing: "fixed", currency: "usd" }, { cookie })).status).toBe(422);
    expect(
      (
        await postForm(
          "/dashboard/tiers/new",
          { name: "X", pricing: "fixed", currency: "usd", monthly: "5", maxSubscribers: "0" },
          { cookie },
        )
      ).status,
    ).toBe(422);
    // Someone else can't edit it.
    const other = await makeCreator(env);
    expect(
      (await postForm(`/dashboard/tiers/${t.id}`, { name: "Mine now", pricing: "free", currency: "usd" }, { cookie: await other.cookie() }))
        .status,
    ).toBe(403);
  });
});

describe("subscription lifecycle", () => {
  it("subscribe → renew → payment failure → recovery → cancel at period end → resume → canceled", async () => {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "3" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const sessionId = await subscribeAndPay(String(t.id), cookie);
    expect(await (await app(`/checkout/return?session_id=${sessionId}`, { cookie })).text()).toContain("Processing…");
    await deliver(buyer.id);
    expect(await (await app(`/checkout/return?session_id=${sessionId}`, { cookie })).text()).toContain("Ready");
    let m = (await membership(buyer.id, String(t.id)))!;
    expect(m).toMatchObject({ status: "active", amount: 500, interval: "month", cancelAtPeriodEnd: 0 });
    expect((await seats(env, String(t.id)).status()).members).toBe(1);
    const inv = await env.DB.prepare("SELECT gross, fee, net FROM invoices WHERE stripe_subscription_id=?").bind(m.sub).all();
    expect(inv.results).toEqual([{ gross: 500, fee: 40, net: 460 }]);
    const sub = await getStripe(env).subscriptions.retrieve(m.sub);
    expect(sub.application_fee_percent).toBe(8);

    const firstEnd = m.periodEnd;
    await emulator(`/_emulator/subscriptions/${m.sub}/renew`, {});
    await deliver(buyer.id);
    m = (await membership(buyer.id, String(t.id)))!;
    expect(m.status).toBe("active");
    expect(m.periodEnd).toBeGreaterThan(firstEnd);

    await emulator(`/_emulator/subscriptions/${m.sub}/fail_payment`, {});
    await deliver(buyer.id);
    expect((await membership(buyer.id, String(t.id)))!.status).toBe("past_due");
    expect(await (await app("/library", { cookie })).text()).toContain("Your last payment failed");
    expect((await seats(env, String(t.id)).status()).members).toBe(1); // past_due keeps the seat

    await emulator(`/_emulator/subscriptions/${m.sub}/renew`, {});
    await deliver(buyer.id);
    expect((await membership(buyer.id, String(t.id)))!.status).toBe("active");
    const invoices = await env.DB.prepare("SELECT COUNT(*) AS n FROM invoices WHERE stripe_subscription_id=? AND status='paid'")
      .bind(m.sub)
      .first<{ n: number }>();
    expect(invoices!.n).toBe(3);

    const mid = (await env.DB.prepare("SELECT id FROM memberships WHERE stripe_subscription_id=?").bind(m.sub).first<{ id: string }>())!.id;
    expect((await postForm("/library", { intent: "cancel", membershipId: mid }, { cookie })).status).toBe(200);
    expect((await membership(buyer.id, String(t.id)))!.cancelAtPeriodEnd).toBe(1);
    expect((await postForm("/library", { intent: "resume", membershipId: mid }, { cookie })).status).toBe(200);
    expect((await membership(buyer.id, String(t.id)))!.cancelAtPeriodEnd).toBe(0);
    // Someone else can't touch it.
    const other = await makeUser(env);
    expect((await postForm("/library", { intent: "cancel", membershipId: mid }, { cookie: await other.cookie() })).status).toBe(404);
    // Billing portal opens for the member.
    const portal = await postForm("/library", { intent: "portal", membershipId: mid }, { cookie });
    expect(portal.status).toBe(302);
    expect(portal.headers.get("Location")).toContain("/billing/portal/");

    await emulator(`/_emulator/subscriptions/${m.sub}/cancel`, {});
    await deliver(buyer.id);
    expect((await membership(buyer.id, String(t.id)))!.status).toBe("canceled");
    expect((await seats(env, String(t.id)).status()).members).toBe(0);
    const dash = await (await app("/dashboard", { cookie: await c.cookie() })).text();
    expect(dash).toContain("$15.00"); // 3 paid invoices gross
    expect(dash).toContain("$1.20"); // 8%
    expect(dash).toContain("$13.80");
  });

  it("pay-what-you-want enforces the minimum and charges what the member chose", async () => {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { pricing: "pwyw", minimum: "3", monthly: "", annual: "" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const low = await subscribe(String(t.id), cookie, { amount: "2.50" });
    expect(low.status).toBe(422);
    expect(await low.text()).toContain("minimum is $3.00");
    await subscribeAndPay(String(t.id), cookie, { amount: "7.50" });
    await deliver(buyer.id);
    expect(await membership(buyer.id, String(t.id))).toMatchObject({ status: "active", amount: 750 });
  });

  it("free tiers need no Stripe and respect their cap", async () => {
    const c = await makeCreator(env);
    const t = await makeTier(await c.cookie(), { pricing: "free", monthly: "", annual: "", maxSubscribers: "1" });
    const a = await makeUser(env);
    const b = await makeUser(env);
    expect((await subscribe(String(t.id), await a.cookie(), {})).headers.get("Location")).toBe("/library?joined=1");
    const full = await subscribe(String(t.id), await b.cookie(), {});
    expect(full.status).toBe(409);
    expect(await full.text()).toContain("waitlist");
  });
});

describe("capacity: exact caps under concurrency", () => {
  it("200 concurrent reserves against a cap of 20 → exactly 20 seats; confirmations never exceed the cap; expiries return seats", async () => {
    const tierId = `cap-${crypto.randomUUID()}`;
    const stub = seats(env, tierId);
    await stub.configure(tierId, 20);
    const exp = Math.floor(Date.now() / 1000) + 31 * 60;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => stub.reserve({ holdId: `h${i}`, userId: `u${i}`, expiresAt: exp })),
    );
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(20);
    expect(results.filter((r) => !r.ok && r.reason === "full")).toHaveLength(180);
    expect((await stub.status()).seatsLeft).toBe(0);

    // 10 of the 20 checkouts expire (checkout.session.expired, some delivered twice), 10 pay (each confirmed
    // twice), and 30 late payers whose holds never existed try to confirm — all at once.
    const holders = ok.map((r) => (r.ok ? r.holdId : ""));
    const calls: Promise<unknown>[] = [];
    holders.slice(0, 10).forEach((h) => calls.push(stub.release({ holdId: h }), stub.release({ holdId: h })));
    holders.slice(10).forEach((h, i) => {
      const sub = `sub_${h}`;
      calls.push(
        stub.confirm({ holdId: h, subscriptionId: sub, userId: `u-${i}` }),
        stub.confirm({ holdId: h, subscriptionId: sub, userId: `u-${i}` }),
      );
    });
    const late = Array.from({ length: 30 }, (_, i) => stub.confirm({ holdId: null, subscriptionId: `sub_late_${i}`, userId: `late${i}` }));
    const lateResults = await Promise.all([...late, ...calls.sort(() => Math.random() - 0.5)]).then(
      (r) => r.slice(0, 30) as { ok: boolean }[],
    );
    const s = await stub.status();
    expect(s.members).toBeLessThanOrEqual(20);
    expect(s.members + s.holds).toBeLessThanOrEqual(20);
    // The 10 paid holds are members; the 10 released seats went to at most 10 late payers.
    expect(s.members).toBe(10 + lateResults.filter((r) => r.ok).length);
    expect(lateResults.filter((r) => r.ok).length).toBe(10);
    expect((await stub.memberIds()).filter((x) => x.startsWith("sub_h"))).toHaveLength(10);

    // A member cancels: the seat returns. Ending twice is harmless.
    const someone = (await stub.memberIds())[0];
    await Promise.all([stub.end(someone), stub.end(someone)]);
    expect((await stub.status()).seatsLeft).toBe(1);
    // A confirm for an ended subscription never comes back.
    expect(await stub.confirm({ holdId: null, subscriptionId: someone, userId: "x" })).toEqual({ ok: false, reason: "ended" });
  });

  it("the alarm sweeps holds whose checkout expired (after the grace period)", async () => {
    const tierId = `sweep-${crypto.randomUUID()}`;
    const stub = seats(env, tierId);
    await stub.configure(tierId, 2);
    const past = Math.floor(Date.now() / 1000) - HOLD_GRACE_SECONDS - 5;
    expect((await stub.reserve({ holdId: "old1", userId: "a", expiresAt: past })).ok).toBe(true);
    expect((await stub.reserve({ holdId: "new1", userId: "b", expiresAt: past + HOLD_GRACE_SECONDS + 3600 })).ok).toBe(true);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const s = await stub.status();
    expect(s.holds).toBe(1);
    expect(s.seatsLeft).toBe(1);
  });

  it("a sweep that frees seats moves the creator's storefront cache key ('seats left' is on the page)", async () => {
    const c = await makeCreator(env);
    const tierId = `t_sweep_${c.handle}`;
    await env.DB.prepare(
      "INSERT INTO tiers (id, creator_id, name, description, benefits, pricing, currency, max_subscribers, status, position, created_at, updated_at) VALUES (?, ?, 'Inner', '', '[]', 'free', 'usd', 2, 'active', 0, 1, 1)",
    )
      .bind(tierId, c.id)
      .run();
    const stub = seats(env, tierId);
    await stub.configure(tierId, 2);
    const past = Math.floor(Date.now() / 1000) - HOLD_GRACE_SECONDS - 5;
    expect((await stub.reserve({ holdId: "lapsed", userId: "a", expiresAt: past })).ok).toBe(true);
    const version = () => env.DB.prepare("SELECT version AS v FROM creators WHERE user_id = ?").bind(c.id).first<number>("v");
    const before = await version();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.status()).seatsLeft).toBe(2);
    expect(await version()).toBeGreaterThan(before!);
  });
});

describe("waitlist order", () => {
  it("a seat freed by a lapsed hold goes to the waitlist before anyone new; an unused offer passes to the next person", async () => {
    const tierId = `wl-${crypto.randomUUID()}`;
    const stub = seats(env, tierId);
    await stub.configure(tierId, 1);
    // A hold whose checkout (plus grace) ends two seconds from now.
    const soon = Math.floor(Date.now() / 1000) - HOLD_GRACE_SECONDS + 2;
    expect((await stub.reserve({ holdId: "lapsing", userId: "a", expiresAt: soon })).ok).toBe(true);
    expect(await stub.joinWaitlist("w1")).toEqual({ position: 1, offered: false });
    expect(await stub.joinWaitlist("w2")).toEqual({ position: 2, offered: false });
    await new Promise((r) => setTimeout(r, 3500));
    // Someone new arrives after the hold lapsed: the seat is offered to w1, not taken by the newcomer.
    const newcomer = await stub.reserve({ holdId: "n", userId: "newcomer", expiresAt: Math.floor(Date.now() / 1000) + 1800 });
    expect(newcomer).toMatchObject({ ok: false, reason: "full" });
    expect((await stub.status("w1")).offerExpiresAt).toBeGreaterThan(Date.now() / 1000);
    expect((await stub.status("w2")).waitlistPosition).toBe(1);
    // w1 takes it: the offer becomes their checkout hold.
    const w1 = await stub.reserve({ holdId: "w1h", userId: "w1", expiresAt: Math.floor(Date.now() / 1000) + 1800 });
    expect(w1).toMatchObject({ ok: true, fromOffer: true });
    // w1 abandons: released → offered to w2.
    await stub.release({ holdId: "w1h" });
    expect((await stub.status("w2")).offerExpiresAt).toBeGreaterThan(Date.now() / 1000);
  });
});

describe("full tiers: 409, waitlist and offers", () => {
  it("a full tier answers 409 with a waitlist offer; a released seat is offered to the next person", async () => {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "1" });
    const tierId = String(t.id);
    const a = await makeUser(env);
    const b = await makeUser(env);
    const ac = await a.cookie();
    const bc = await b.cookie();
    const tierPage = await (await app(`/tiers/${tierId}`)).text();
    expect(tierPage.match(/data-testid="seats"[^<]*/)?.[0]).toContain("1 of 1 seat left");
    const started = await subscribe(tierId, ac);
    expect(started.status).toBe(302);
    const sessionId = started.headers.get("Location")!.split("/checkout/pay/")[1];
    // Same person clicking again goes back to the same open checkout (no second seat).
    expect((await subscribe(tierId, ac)).headers.get("Location")).toContain(sessionId);

    const full = await subscribe(tierId, bc);
    expect(full.status).toBe(409);
    expect(await full.text()).toContain("Join the waitlist");
    const joined = await postForm(`/tiers/${tierId}`, { intent: "waitlist" }, { cookie: bc });
    const joinedPage = (await joined.text()).replace(/<script[\s\S]*?<\/script>/g, ""); // what the page shows
    expect(joinedPage).toMatch(/number (<!-- -->)?1(<!-- -->)? on the waitlist/);
    expect(joinedPage.match(/hold the next free seat/g)).toHaveLength(1); // said once, not twice

    // A abandons checkout → checkout.session.expired → seat released → offered to B.
    const session = await getStripe(env).checkout.sessions.retrieve(sessionId);
    expect(session.expires_at - session.created).toBeGreaterThanOrEqual(30 * 60);
    await emulator(`/_emulator/checkout/${sessionId}/expire`, {});
    await deliver(a.id, sessionId);
    const status = await seats(env, tierId).status(b.id);
    expect(status.offerExpiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(await (await app("/library", { cookie: bc })).text()).toContain("A seat opened up");
    // Nobody else can take the held seat…
    const c3 = await makeUser(env);
    expect((await subscribe(tierId, await c3.cookie())).status).toBe(409);
    // …but B can.
    await subscribeAndPay(tierId, bc);
    await deliver(b.id);
    expect((await membership(b.id, tierId))!.status).toBe("active");
    expect((await seats(env, tierId).status()).members).toBe(1);
  });

  it("a payment that lands after its hold lapsed on a full tier is canceled and refunded, never over the cap", async () => {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "1" });
    const tierId = String(t.id);
    const a = await makeUser(env);
    const b = await makeUser(env);
    const res = await subscribe(tierId, await a.cookie());
    const aUrl = res.headers.get("Location")!;
    const aHold = (await env.DB.prepare("SELECT hold_id FROM checkouts WHERE session_id=?")
      .bind(aUrl.split("/checkout/pay/")[1])
      .first<{ hold_id: string }>())!.hold_id;
    await seats(env, tierId).release({ holdId: aHold }); // the hold lapsed (e.g. swept) while A was still paying
    await subscribeAndPay(tierId, await b.cookie());
    await deliver(b.id);
    await payCheckout(aUrl);
    await deliver(a.id);
    expect((await membership(b.id, tierId))!.status).toBe("active");
    const am = (await membership(a.id, tierId))!;
    expect(am.status).toBe("canceled");
    expect(am.note).toContain("refunded");
    expect((await seats(env, tierId).status()).members).toBe(1);
  });
});

describe("webhook delivery order doesn't matter", () => {
  /** Runs the same story for a fresh buyer and returns the recorded events. */
  async function story() {
    const c = await makeSeller(env);
    const t = await makeTier(await c.cookie(), { maxSubscribers: "5" });
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    await subscribeAndPay(String(t.id), cookie);
    const sub = (await eventsMatching(buyer.id)).find((e) => e.event.type === "customer.subscription.created")!.event.data.object
      .id as string;
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await emulator(`/_emulator/subscriptions/${sub}/fail_payment`, {});
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await getStripe(env).subscriptions.update(sub, { cancel_at_period_end: true });
    const events = await eventsMatching(buyer.id);
    return { tierId: String(t.id), buyer, events };
  }
  async function snapshot(userId: string, tierId: string) {
    const m = await env.DB.prepare(
      "SELECT status, amount, interval, cancel_at_period_end AS c FROM memberships WHERE user_id=? AND tier_id=?",
    )
      .bind(userId, tierId)
      .all();
    const i = await env.DB.prepare("SELECT gross, fee, net, status FROM invoices WHERE user_id=? ORDER BY paid_at, gross")
      .bind(userId)
      .all();
    const s = await seats(env, tierId).status();
    return { memberships: m.results, invoices: i.results, seats: { members: s.members, holds: s.holds } };
  }

  it("duplicated, shuffled and replayed deliveries end in the same state as in-order delivery", async () => {
    const inOrder = await story();
    await postAll(inOrder.events);
    const expected = await snapshot(inOrder.buyer.id, inOrder.tierId);
    expect(expected.memberships).toEqual([{ status: "active", amount: 500, interval: "month", c: 1 }]);
    expect(expected.invoices).toHaveLength(3);

    const chaos = await story();
    const shuffled = [...chaos.events, ...chaos.events].sort(() => Math.random() - 0.5);
    await postAll(shuffled);
    expect(await snapshot(chaos.buyer.id, chaos.tierId)).toEqual(expected);
    // Replays of everything (Stripe's "resend") change nothing.
    await postAll([...chaos.events].reverse());
    expect(await snapshot(chaos.buyer.id, chaos.tierId)).toEqual(expected);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM stripe_events WHERE id IN (" + chaos.events.map(() => "?").join(",") + ")")
      .bind(...chaos.events.map((e) => e.event.id))
      .first<{ n: number }>();
    expect(n!.n).toBe(chaos.events.length);
  });
});
