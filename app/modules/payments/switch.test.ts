/**
 * One paid membership per person per creator, with upgrades and downgrades (D65, D66). Through the
 * real Worker (tier page, switch action, webhooks via the queue consumer), the real stripe SDK and
 * the emulator's proration; amounts are checked to the cent against the emulator's invoices.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { platformFee } from "~/lib/money";
import { app, postForm } from "~/test/http";
import { makeTier, subscribe, subscribeAndPay } from "~/test/money";
import { deliver, emulator, eventsMatching, payCheckout, postAll } from "~/test/stripe";
import { makeSeller, makeUser } from "~/modules/demo/factories.server";
import { seats } from "~/modules/tiers/seats.server";

const DAY = 86_400;
const text = async (res: Response) => (await res.text()).replace(/&#x27;/g, "'");

type Row = {
  id: string;
  tierId: string;
  status: string;
  amount: number;
  interval: string;
  sub: string;
  endReason: string | null;
  pendingTierId: string | null;
  pendingAt: number | null;
};
const rows = (userId: string) =>
  env.DB.prepare(
    "SELECT id, tier_id AS tierId, status, amount, interval, stripe_subscription_id AS sub, end_reason AS endReason, pending_tier_id AS pendingTierId, pending_at AS pendingAt FROM memberships WHERE user_id=? ORDER BY created_at, stripe_subscription_id",
  )
    .bind(userId)
    .all<Row>()
    .then((r) => r.results);
const live = async (userId: string) => (await rows(userId)).filter((r) => ["active", "trialing", "past_due"].includes(r.status));
const invoicesOf = (sub: string) =>
  env.DB.prepare("SELECT id, tier_id AS tierId, gross, fee, net, status FROM invoices WHERE stripe_subscription_id=? ORDER BY paid_at, id")
    .bind(sub)
    .all<{ id: string; tierId: string; gross: number; fee: number; net: number; status: string }>()
    .then((r) => r.results);

/** A creator with a $5/month tier A (uncapped unless told) and a $12/month · $100/year tier B. */
async function creatorWithTiers(opts: { capA?: string; capB?: string } = {}) {
  const seller = await makeSeller(env);
  const cookie = await seller.cookie();
  const a = await makeTier(cookie, { monthly: "5", annual: "50", maxSubscribers: opts.capA ?? "" });
  const b = await makeTier(cookie, { monthly: "12", annual: "100", maxSubscribers: opts.capB ?? "" });
  return { seller, a: String(a.id), b: String(b.id) };
}

async function memberOf(tierId: string, interval = "month") {
  const user = await makeUser(env);
  const cookie = await user.cookie();
  await subscribeAndPay(tierId, cookie, { interval });
  await deliver(user.id);
  const [m] = await live(user.id);
  expect(m.tierId).toBe(tierId);
  return { user, cookie, sub: m.sub };
}

/** Pretends `days` of the member's current period have passed (the emulator shifts the period back). */
const age = (sub: string, days: number) => emulator(`/_emulator/subscriptions/${sub}/age`, { seconds: days * DAY + 4321 });

/** The preview's proration date from the tier page's switch form for this interval. */
function prorationDateIn(html: string, interval: string) {
  const form = html.split('name="interval" value="' + interval + '"')[1] ?? "";
  const m = /name="prorationDate" value="(\d+)"/.exec(form);
  return m ? Number(m[1]) : null;
}

/** Stripe's proration (and the emulator's): unused time credited, remaining time charged, each line rounded. */
async function expectedUpgrade(sub: string, fromAmount: number, toAmount: number, t: number, intervalChange = false) {
  const s = await getStripe(env).subscriptions.retrieve(sub);
  const { current_period_start: start, current_period_end: end } = s.items.data[0];
  const f = (end - t) / (end - start);
  return intervalChange ? toAmount - Math.round(fromAmount * f) : Math.round(toAmount * f) - Math.round(fromAmount * f);
}

const switchTo = (tierId: string, cookie: string, fields: Record<string, string>) =>
  postForm(`/tiers/${tierId}`, { intent: "switch", ...fields }, { cookie });

describe("upgrade: at once, with proration", () => {
  it("shows the prorated amount, charges exactly that, moves the seat and records the money", async () => {
    const { a, b } = await creatorWithTiers({ capA: "3", capB: "3" });
    const { user, cookie, sub } = await memberOf(a);
    await age(sub, 11);

    const page = await text(await app(`/tiers/${b}`, { cookie }));
    expect(page).toContain("Switch to this tier");
    expect(page).toContain("You can hold one paid tier per creator");
    const t = prorationDateIn(page, "month")!;
    expect(t).toBeGreaterThan(0);
    const expected = await expectedUpgrade(sub, 500, 1200, t);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(700);
    const label = `$${(expected / 100).toFixed(2)}`;
    expect(page).toContain(`pay ${label} now`);

    const res = await switchTo(b, cookie, { interval: "month", prorationDate: String(t) });
    expect(res.status).toBe(200);
    expect(await text(res)).toContain(`We charged ${label} for the rest of this period`);

    // Stripe: one subscription, new price, a paid proration invoice of exactly the previewed amount.
    const s = await getStripe(env).subscriptions.retrieve(sub);
    expect(s.items.data).toHaveLength(1);
    expect(s.items.data[0].price.unit_amount).toBe(1200);
    expect(s.metadata.tier_id).toBe(b);
    const inv = await getStripe(env).invoices.retrieve(String(s.latest_invoice));
    expect(inv.billing_reason).toBe("subscription_update");
    expect(inv.amount_paid).toBe(expected);
    expect(inv.lines.data.map((l) => l.amount).reduce((x, y) => x + y, 0)).toBe(expected);

    // D1 and seats moved already (before any webhook).
    let [m] = await live(user.id);
    expect(m).toMatchObject({ tierId: b, amount: 1200, interval: "month", sub });
    expect((await rows(user.id)).length).toBe(1);
    expect((await seats(env, a).status()).members).toBe(0);
    expect((await seats(env, b).status()).members).toBe(1);
    expect((await seats(env, b).status()).holds).toBe(0);

    // Webhooks (subscription.updated, invoice.paid with proration lines) record the money once.
    await deliver(user.id, sub);
    const recorded = await invoicesOf(sub);
    expect(recorded.map((r) => r.gross)).toEqual([500, expected]);
    expect(recorded[1]).toMatchObject({ tierId: b, gross: expected, fee: platformFee(expected), net: expected - platformFee(expected) });

    // Redelivered, duplicated and shuffled: the same state.
    const all = await eventsMatching(sub);
    await postAll([...all].reverse().concat(all));
    [m] = await live(user.id);
    expect(m).toMatchObject({ tierId: b, amount: 1200, sub });
    expect(await invoicesOf(sub)).toEqual(recorded);
    expect((await seats(env, a).status()).members).toBe(0);
    expect((await seats(env, b).status()).members).toBe(1);
    expect(await seats(env, b).memberIds()).toHaveLength(1);

    // The library shows the current tier.
    const lib = await text(await app("/library", { cookie }));
    expect(lib).toContain("$12.00 / month");
  });

  it("monthly → annual of the same tier (an upgrade here) resets the period and charges the year less the unused month", async () => {
    const seller = await makeSeller(env);
    const b = String((await makeTier(await seller.cookie(), { monthly: "5", annual: "100" })).id);
    const { user, cookie, sub } = await memberOf(b);
    await age(sub, 9);
    const page = await text(await app(`/tiers/${b}`, { cookie }));
    expect(page).toContain("Switch to annual");
    const t = prorationDateIn(page, "year")!;
    expect(t).toBeGreaterThan(0);
    const expected = await expectedUpgrade(sub, 500, 10000, t, true);
    expect(page).toContain(`pay $${(expected / 100).toFixed(2)} now`);
    const res = await switchTo(b, cookie, { interval: "year", prorationDate: String(t) });
    expect(res.status).toBe(200);
    const s = await getStripe(env).subscriptions.retrieve(sub);
    expect(s.items.data[0].current_period_start).toBe(t);
    expect((await getStripe(env).invoices.retrieve(String(s.latest_invoice))).amount_paid).toBe(expected);
    await deliver(user.id, sub);
    const [m] = await live(user.id);
    expect(m).toMatchObject({ tierId: b, amount: 10000, interval: "year" });
    expect((await invoicesOf(sub)).map((r) => r.gross)).toEqual([500, expected]);
    expect((await seats(env, b).status()).members).toBe(1);
    // Back to monthly is a downgrade: at the end of the (new, annual) period.
    const back = await text(await app(`/tiers/${b}`, { cookie }));
    expect(back).toContain("Switch to monthly");
    expect(back).toContain("This takes effect on");
    expect((await switchTo(b, cookie, { interval: "month" })).status).toBe(200);
    expect((await live(user.id))[0]).toMatchObject({ interval: "year", pendingTierId: b });
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(user.id, sub);
    expect((await live(user.id))[0]).toMatchObject({ interval: "month", amount: 500, pendingTierId: null });
    expect(await seats(env, b).status()).toMatchObject({ members: 1, holds: 0 });
  });

  it("refuses a stale preview instead of charging a different amount", async () => {
    const { a, b } = await creatorWithTiers();
    const { cookie } = await memberOf(a);
    const res = await switchTo(b, cookie, { interval: "month", prorationDate: String(Math.floor(Date.now() / 1000) - 3 * 3600) });
    expect(res.status).toBe(409);
    expect(await text(res)).toContain("That price preview has expired");
  });
});

describe("downgrade: at the period end", () => {
  it("says when, holds the new seat, keeps the old tier until the renewal, then moves", async () => {
    const { a, b } = await creatorWithTiers({ capA: "2" });
    const { user, cookie, sub } = await memberOf(b);
    const periodEnd = (await getStripe(env).subscriptions.retrieve(sub)).items.data[0].current_period_end;
    const page = await text(await app(`/tiers/${a}`, { cookie }));
    expect(page).toContain("This takes effect on");
    expect(page).toContain(new Date(periodEnd * 1000).toUTCString().slice(5, 16));

    const res = await switchTo(a, cookie, { interval: "month" });
    expect(res.status).toBe(200);
    expect(await text(res)).toContain("takes effect on");
    let [m] = await live(user.id);
    expect(m).toMatchObject({ tierId: b, amount: 1200, pendingTierId: a, pendingAt: periodEnd });
    expect((await seats(env, a).status()).holds).toBe(1); // the new seat is held already
    expect((await seats(env, b).status()).members).toBe(1);
    const lib = await text(await app("/library", { cookie }));
    expect(lib).toContain("Switching to");
    expect(lib).toContain("Keep my current tier");
    // Nothing was charged.
    await deliver(user.id, sub);
    expect((await invoicesOf(sub)).map((r) => r.gross)).toEqual([1200]);

    // The renewal applies it: new price billed, seat moved, pending cleared.
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(user.id, sub);
    [m] = await live(user.id);
    expect(m).toMatchObject({ tierId: a, amount: 500, pendingTierId: null });
    expect((await invoicesOf(sub)).map((r) => [r.tierId, r.gross])).toEqual([
      [b, 1200],
      [a, 500],
    ]);
    expect(await seats(env, a).status()).toMatchObject({ members: 1, holds: 0 });
    expect((await seats(env, b).status()).members).toBe(0);
  });

  it("a pending downgrade can be withdrawn from the library, giving the held seat back", async () => {
    const { a, b } = await creatorWithTiers({ capA: "1" });
    const { user, cookie, sub } = await memberOf(b);
    expect((await switchTo(a, cookie, { interval: "month" })).status).toBe(200);
    expect((await seats(env, a).status()).seatsLeft).toBe(0);
    const [m] = await live(user.id);
    const res = await postForm("/library", { intent: "keep-tier", membershipId: m.id }, { cookie });
    expect(res.status).toBe(200);
    expect((await seats(env, a).status()).seatsLeft).toBe(1);
    expect((await live(user.id))[0]).toMatchObject({ tierId: b, pendingTierId: null });
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(user.id, sub);
    expect((await live(user.id))[0]).toMatchObject({ tierId: b, amount: 1200 });
  });
});

describe("cancel while a downgrade is pending", () => {
  it("cancel at period end withdraws the pending downgrade first (Stripe refuses it on a scheduled subscription)", async () => {
    const { a, b } = await creatorWithTiers({ capA: "1" });
    const { user, cookie, sub } = await memberOf(b);
    expect((await switchTo(a, cookie, { interval: "month" })).status).toBe(200);
    const [m] = await live(user.id);
    const res = await postForm("/library", { intent: "cancel", membershipId: m.id }, { cookie });
    expect(res.status).toBe(200);
    expect((await seats(env, a).status()).seatsLeft).toBe(1);
    const s = await getStripe(env).subscriptions.retrieve(sub);
    expect(s.cancel_at_period_end).toBe(true);
    expect(s.schedule).toBeNull();
    expect((await live(user.id))[0]).toMatchObject({ tierId: b, pendingTierId: null });
  });
});

describe("one paid membership per creator", () => {
  it("a subscribe to another paid tier of the same creator becomes a switch, not a second checkout", async () => {
    const { a, b } = await creatorWithTiers();
    const { user, cookie } = await memberOf(a);
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM checkouts WHERE user_id=?").bind(user.id).first<number>("n");
    const res = await subscribe(b, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`/tiers/${b}?switch=month`);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM checkouts WHERE user_id=?").bind(user.id).first<number>("n");
    expect(after).toBe(before);
    expect(await live(user.id)).toHaveLength(1);
  });

  it("two checkouts for two tiers of one creator, both paid: the first is kept, the second canceled and refunded", async () => {
    const { a, b } = await creatorWithTiers({ capA: "5", capB: "5" });
    const user = await makeUser(env);
    const cookie = await user.cookie();
    const [ra, rb] = await Promise.all([subscribe(a, cookie), subscribe(b, cookie)]);
    expect(ra.status).toBe(302);
    expect(rb.status).toBe(302);
    await payCheckout(ra.headers.get("Location")!);
    await payCheckout(rb.headers.get("Location")!);
    await deliver(user.id);
    const all = await rows(user.id);
    const kept = all.filter((r) => r.status === "active");
    expect(kept).toHaveLength(1);
    const undone = all.find((r) => r.status === "canceled")!;
    expect(undone.endReason).toBe("duplicate");
    const s = await getStripe(env).subscriptions.retrieve(undone.sub);
    expect(s.status).toBe("canceled");
    await deliver(user.id, undone.sub);
    expect((await invoicesOf(undone.sub))[0].status).toBe("refunded");
    const seatsTaken = (await seats(env, a).status()).members + (await seats(env, b).status()).members;
    expect(seatsTaken).toBe(1);
  });

  it("a full tier refuses the switch with the waitlist offer", async () => {
    const { a, b } = await creatorWithTiers({ capB: "1" });
    await memberOf(b);
    const { cookie } = await memberOf(a);
    const page = await text(await app(`/tiers/${b}`, { cookie }));
    expect(page).toContain("Join the waitlist");
    const res = await switchTo(b, cookie, { interval: "month" });
    expect(res.status).toBe(409);
    expect(await text(res)).toContain("This tier is full right now, so you can't switch to it");
  });
});

describe("switches under concurrency", () => {
  it("20 members switching at once into a tier with 5 seats: exactly 5 move, the cap holds", async () => {
    const { a, b } = await creatorWithTiers({ capB: "5" });
    const members = [];
    for (let i = 0; i < 20; i++) members.push(await memberOf(a));
    const res = await Promise.all(members.map((m) => switchTo(b, m.cookie, { interval: "month" })));
    const statuses = res.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    expect(await seats(env, b).status()).toMatchObject({ members: 5, holds: 0, seatsLeft: 0 });
    expect((await seats(env, a).status()).members).toBe(15);
    const tiers = await Promise.all(members.map(async (m) => (await live(m.user.id)).map((r) => r.tierId)));
    expect(tiers.every((t) => t.length === 1)).toBe(true);
    expect(tiers.filter((t) => t[0] === b)).toHaveLength(5);
  }, 120_000);

  it("one person switching five times at once ends with one subscription, one seat", async () => {
    const { a, b } = await creatorWithTiers({ capB: "5" });
    const { user, cookie, sub } = await memberOf(a);
    const res = await Promise.all(Array.from({ length: 5 }, () => switchTo(b, cookie, { interval: "month" })));
    expect(res.filter((r) => r.status === 200)).toHaveLength(1);
    expect(res.filter((r) => r.status === 409)).toHaveLength(4);
    await deliver(user.id, sub);
    expect(await live(user.id)).toHaveLength(1);
    expect((await getStripe(env).subscriptions.retrieve(sub)).items.data).toHaveLength(1);
    expect(await seats(env, b).status()).toMatchObject({ members: 1, holds: 0 });
    expect((await seats(env, a).status()).members).toBe(0);
    const upgrades = (await invoicesOf(sub)).slice(1);
    expect(upgrades).toHaveLength(1);
  });
});
