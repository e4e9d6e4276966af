import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { nowSeconds } from "~/lib/ids";
import { app, postForm } from "~/test/http";
import { deliver, emulator, eventsMatching, payCheckout, postAll } from "~/test/stripe";
import { makeTier, publishedProduct, subscribeAndPay } from "~/test/money";
import { sellerWithService } from "~/test/services";
import { completeEmulatorOnboarding, makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import {
  addMonths,
  attributionFor,
  commissionOf,
  payDueCommissions,
  recordReferral,
  referralCodeFor,
  reversedShare,
  settlePaidCommission,
} from "./service.server";

type Row = Record<string, string | number | null>;

/** A page's text as a reader sees it (React puts `<!-- -->` between adjacent text parts). */
const pageText = async (res: Response) => (await res.text()).replace(/<!-- -->/g, "");

const commissionsFor = (userId: string) =>
  env.DB.prepare("SELECT * FROM commissions WHERE beneficiary_id=? ORDER BY created_at, id")
    .bind(userId)
    .all<Row>()
    .then((r) => r.results);

async function startProgram(cookie: string, fields: Record<string, string>, items: string[]) {
  const body = new URLSearchParams({ commissionPercent: "15", cookieDays: "30", recurringMonths: "0", ...fields });
  for (const i of items) body.append("items", i);
  return app("/dashboard/affiliates", { method: "POST", body, cookie });
}

/** Joins the creator's program and returns the affiliate's code. */
async function join(handle: string, cookie: string) {
  const res = await postForm(`/@${handle}/affiliates`, {}, { cookie });
  expect(res.status).toBe(303);
  const row = await env.DB.prepare(
    "SELECT a.code FROM affiliates a JOIN creators c ON c.user_id = a.creator_id JOIN sessions s ON s.user_id = a.user_id WHERE c.handle = ? AND s.id = ?",
  )
    .bind(handle, cookie.split("=")[1])
    .first<{ code: string }>();
  return row!.code;
}

/** Clicks an affiliate link: the redirect drops `via` and sets the signed cookie. Returns the cookie pair. */
async function click(path: string, code: string, cookie = "") {
  const res = await app(`${path}?via=${code}`, { cookie, redirect: "manual" });
  expect(res.status).toBe(302);
  expect(res.headers.get("Location")).toBe(path);
  const set = res.headers.getSetCookie().find((c) => c.startsWith("at_via="));
  return set ? set.split(";")[0] : "";
}

async function buyWith(handle: string, slug: string, productId: string, cookie: string) {
  const res = await postForm(`/@${handle}/products/${slug}`, { productId }, { cookie });
  expect(res.status).toBe(302);
  const url = res.headers.get("Location")!;
  expect((await payCheckout(url)).status).toBe(303);
  return url.split("/checkout/pay/")[1];
}

describe("commission arithmetic", () => {
  it("is integer cents, round half up, on odd amounts; refunds reverse in proportion", () => {
    expect(commissionOf(1839, 15)).toBe(276); // 275.85
    expect(commissionOf(10, 25)).toBe(3); // 2.5 → 3 (half up)
    expect(commissionOf(30, 5)).toBe(2); // 1.5 → 2
    expect(commissionOf(29, 5)).toBe(1); // 1.45 → 1
    expect(commissionOf(1, 50)).toBe(1); // 0.5 → 1
    expect(commissionOf(0, 50)).toBe(0);
    expect(commissionOf(91, 1)).toBe(1);
    expect(() => commissionOf(1.5, 10)).toThrow();
    expect(reversedShare(276, 1999, 500)).toBe(69); // 69.03
    expect(reversedShare(3, 4, 2)).toBe(2); // 1.5 → 2
    expect(reversedShare(276, 1999, 1999)).toBe(276);
    expect(reversedShare(276, 1999, 0)).toBe(0);
    expect(addMonths(Date.UTC(2027, 0, 31) / 1000, 1)).toBe(Date.UTC(2027, 1, 28) / 1000);
  });
});

describe("affiliate programs end to end", () => {
  it("link → cookie → Checkout metadata → commission on the net; partial then full refund reverse it; payout transfers match the ledger", async () => {
    const { seller, cookie: sellerCookie, id, slug } = await publishedProduct("19.99");
    expect((await startProgram(sellerCookie, { commissionPercent: "15" }, [`product:${id}`])).status).toBe(200);
    // The affiliate is a seller too, so they have a connected account to be paid into.
    const affiliate = await makeSeller(env);
    const code = await join(seller.handle, await affiliate.cookie());
    expect(code).toMatch(/^[A-Z0-9]{8}$/);
    // An anonymous click sets the signed cookie; the buyer signs in later in the same browser.
    const via = await click(`/@${seller.handle}/products/${slug}`, code);
    expect(via).toMatch(/^at_via=/);
    // A tampered cookie counts for nothing.
    const tampered = via.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect(
      await attributionFor(env, { buyerId: "x", creatorId: seller.id, kind: "product", itemId: id, cookieHeader: tampered }),
    ).toBeNull();
    const buyer = await makeUser(env);
    const sessionId = await buyWith(seller.handle, slug, id, `${await buyer.cookie()}; ${via}`);
    const session = await getStripe(env).checkout.sessions.retrieve(sessionId);
    expect(session.metadata?.affiliate_id).toBeTruthy();
    await deliver(buyer.id);
    const [c] = await commissionsFor(affiliate.id);
    // 1999 gross, 160 fee, 1839 net; 15% = 275.85 → 276.
    expect(c).toMatchObject({ kind: "affiliate", gross: 1999, base: 1839, percent: 15, amount: 276, reversed: 0, status: "pending" });
    expect(Number(c.available_at)).toBeGreaterThanOrEqual(nowSeconds() + 29 * 86_400);
    // Redelivery changes nothing.
    await deliver(buyer.id);
    expect(await commissionsFor(affiliate.id)).toHaveLength(1);
    // The affiliate sees it; the creator sees the click and the sale.
    const dash = await (await app("/dashboard/affiliate", { cookie: await affiliate.cookie() })).text();
    expect(dash).toContain("$2.76");
    expect(dash).toContain(`?via=${code}`);
    const creatorPage = await (await app("/dashboard/affiliates", { cookie: sellerCookie })).text();
    expect(creatorPage).toContain(code);

    // Partial refund of $5.00: 276 × 500 / 1999 = 69.03 → 69 reversed.
    const pi = String(session.payment_intent);
    await getStripe(env).refunds.create({ payment_intent: pi, amount: 500, reverse_transfer: true, refund_application_fee: true });
    await deliver(buyer.id, pi);
    expect((await commissionsFor(affiliate.id))[0]).toMatchObject({ reversed: 69, status: "pending" });

    // Past the holding period it is paid: one transfer equal to the ledger, taken from the creator's share.
    await env.DB.prepare("UPDATE commissions SET available_at = ? WHERE beneficiary_id = ?")
      .bind(nowSeconds() - 1, affiliate.id)
      .run();
    // Two sweeps at once (the cron and a "pay now") make one transfer; a later sweep finds nothing to pay.
    const both = await Promise.all([payDueCommissions(env, { beneficiaryId: affiliate.id }), payDueCommissions(env)]);
    expect(both[0].paid + both[1].paid).toBeGreaterThanOrEqual(1);
    expect(await payDueCommissions(env, { beneficiaryId: affiliate.id })).toMatchObject({ paid: 0 });
    const acct = await env.DB.prepare("SELECT stripe_account_id AS a FROM payout_accounts WHERE creator_id=?")
      .bind(affiliate.id)
      .first<{ a: string }>();
    const transfers = await getStripe(env).transfers.list({ destination: acct!.a });
    expect(transfers.data).toHaveLength(1);
    const ledger = await commissionsFor(affiliate.id);
    expect(ledger[0]).toMatchObject({ status: "paid" });
    const ledgerPaid = ledger.reduce((s, x) => s + Number(x.amount) - Number(x.reversed), 0);
    expect(ledgerPaid).toBe(207);
    expect(transfers.data.reduce((s, t) => s + t.amount - t.amount_reversed, 0)).toBe(ledgerPaid);
    // The creator's destination transfer gave up exactly the commission (plus the refund's share).
    const charge = await getStripe(env).charges.retrieve(String((await getStripe(env).paymentIntents.retrieve(pi)).latest_charge), {
      expand: ["transfer"],
    });
    const reversals = await getStripe(env).transfers.listReversals(
      typeof charge.transfer === "string" ? charge.transfer : charge.transfer!.id,
    );
    expect(reversals.data.filter((r) => r.metadata?.commission_id === ledger[0].id).map((r) => r.amount)).toEqual([207]);

    // The rest refunded after the payout: the commission is fully reversed, clawed back from the payout transfer.
    await getStripe(env).refunds.create({ payment_intent: pi });
    await deliver(buyer.id, pi);
    const after = await commissionsFor(affiliate.id);
    expect(after[0]).toMatchObject({ reversed: 276, status: "paid" });
    const t2 = await getStripe(env).transfers.list({ destination: acct!.a });
    expect(t2.data.reduce((s, t) => s + t.amount - t.amount_reversed, 0)).toBe(0);
    expect(after.reduce((s, x) => s + Number(x.amount) - Number(x.reversed), 0)).toBe(0);
  });

  it("refuses self-referral and counts nothing after the window; a full refund before payout ends reversed", async () => {
    const { seller, cookie: sellerCookie, id, slug } = await publishedProduct("9.99");
    await startProgram(sellerCookie, { commissionPercent: "50", cookieDays: "7" }, [`product:${id}`]);
    // The creator can't join their own program.
    expect((await postForm(`/@${seller.handle}/affiliates`, {}, { cookie: sellerCookie })).status).toBe(409);
    const affiliate = await makeUser(env);
    const ac = await affiliate.cookie();
    const code = await join(seller.handle, ac);
    // The affiliate buying through their own link earns nothing.
    const own = await click(`/@${seller.handle}/products/${slug}`, code, ac);
    await buyWith(seller.handle, slug, id, `${ac}; ${own}`);
    await deliver(affiliate.id);
    expect(await commissionsFor(affiliate.id)).toHaveLength(0);

    // A signed-in buyer's click is kept on their account (no cookie needed) — until the window passes.
    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    await click(`/@${seller.handle}/products/${slug}`, code, bc);
    const q = { buyerId: buyer.id, creatorId: seller.id, kind: "product" as const, itemId: id, cookieHeader: null };
    expect(await attributionFor(env, q)).not.toBeNull();
    await env.DB.prepare("UPDATE affiliate_attributions SET clicked_at = ? WHERE user_id = ?")
      .bind(nowSeconds() - 8 * 86_400, buyer.id)
      .run();
    expect(await attributionFor(env, q)).toBeNull();
    await buyWith(seller.handle, slug, id, bc);
    await deliver(buyer.id);
    expect(await commissionsFor(affiliate.id)).toHaveLength(0);

    // Within the window: 999 − 80 = 919 net, 50% = 459.5 → 460. Refunded in full before payout → reversed.
    const buyer2 = await makeUser(env);
    const b2 = await buyer2.cookie();
    await click(`/@${seller.handle}/products/${slug}`, code, b2);
    const s2 = await buyWith(seller.handle, slug, id, b2);
    await deliver(buyer2.id);
    expect((await commissionsFor(affiliate.id))[0]).toMatchObject({ base: 919, amount: 460, status: "pending" });
    const pi = String((await getStripe(env).checkout.sessions.retrieve(s2)).payment_intent);
    await getStripe(env).refunds.create({ payment_intent: pi });
    await deliver(buyer2.id, pi);
    expect((await commissionsFor(affiliate.id))[0]).toMatchObject({ reversed: 460, status: "reversed" });
    // A guest (no account) is attributed by the cookie alone; paying with the affiliate's own email is self-referral.
    const guestVia = await click(`/@${seller.handle}/products/${slug}`, code);
    for (const email of [affiliate.email, `guest-${crypto.randomUUID().slice(0, 8)}@example.test`]) {
      const start = await postForm(`/@${seller.handle}/products/${slug}`, { productId: id }, { cookie: guestVia });
      expect(start.status).toBe(303);
      const url = start.headers.get("Location")!;
      expect((await getStripe(env).checkout.sessions.retrieve(url.split("/checkout/pay/")[1])).metadata?.affiliate_id).toBeTruthy();
      expect((await payCheckout(url, { email })).status).toBe(303);
      await deliver(url.split("/checkout/pay/")[1]);
    }
    expect((await commissionsFor(affiliate.id)).map((c) => c.amount)).toEqual([460, 460]);
    // A removed affiliate's link no longer attributes.
    const aff = await env.DB.prepare("SELECT id FROM affiliates WHERE code=?").bind(code).first<{ id: string }>();
    expect((await postForm("/dashboard/affiliates", { intent: "remove", affiliateId: aff!.id }, { cookie: sellerCookie })).status).toBe(
      200,
    );
    const buyer3 = await makeUser(env);
    const b3 = await buyer3.cookie();
    expect(await click(`/@${seller.handle}/products/${slug}`, code, b3)).toBe("");
  });

  it("an affiliate without a storefront sets up payouts from their affiliate page and is paid; others can't open a payout account", async () => {
    const { seller, cookie: sellerCookie, id, slug } = await publishedProduct("12.00");
    await startProgram(sellerCookie, { commissionPercent: "20" }, [`product:${id}`]);
    // Someone who neither sells nor earns gets a clear 403, and no account is made.
    const stranger = await makeUser(env);
    const refused = await postForm("/dashboard/payouts", {}, { cookie: await stranger.cookie() });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("join a creator");
    const noAccount = await env.DB.prepare("SELECT COUNT(*) AS n FROM payout_accounts WHERE creator_id=?")
      .bind(stranger.id)
      .first<{ n: number }>();
    expect(noAccount!.n).toBe(0);

    const affiliate = await makeUser(env);
    const ac = await affiliate.cookie();
    const code = await join(seller.handle, ac);
    // The affiliate page offers the set-up (no storefront needed); the button starts Stripe onboarding.
    expect(await pageText(await app("/dashboard/affiliate", { cookie: ac }))).toContain("Set up payouts");
    const start = await postForm("/dashboard/payouts", {}, { cookie: ac });
    expect(start.status).toBe(302);
    const acctId = await completeEmulatorOnboarding(env, affiliate.viewer);
    const back = await app("/dashboard/payouts/return", { cookie: ac });
    expect(back.headers.get("Location")).toMatch(/^\/dashboard\/affiliate\?payouts=/);

    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    await click(`/@${seller.handle}/products/${slug}`, code, bc);
    await buyWith(seller.handle, slug, id, bc);
    await deliver(buyer.id);
    // 1200 gross, 96 fee, 1104 net; 20% = 220.8 → 221.
    expect((await commissionsFor(affiliate.id))[0]).toMatchObject({ base: 1104, amount: 221 });
    await env.DB.prepare("UPDATE commissions SET available_at = ? WHERE beneficiary_id = ?")
      .bind(nowSeconds() - 1, affiliate.id)
      .run();
    expect(await payDueCommissions(env, { beneficiaryId: affiliate.id })).toMatchObject({ paid: 1 });
    const transfers = await getStripe(env).transfers.list({ destination: acctId });
    expect(transfers.data.map((t) => t.amount)).toEqual([221]);
    expect((await commissionsFor(affiliate.id))[0]).toMatchObject({ status: "paid" });
  });

  it("subscription renewals earn for the program's recurring months, then stop", async () => {
    const seller = await makeSeller(env);
    const sc = await seller.cookie();
    const tier = await makeTier(sc);
    await startProgram(sc, { commissionPercent: "10", recurringMonths: "2" }, [`tier:${tier.id}`]);
    expect(await pageText(await app(`/tiers/${tier.id}`))).toContain("Earn 10% by sharing");
    const other = await makeTier(sc);
    expect(await pageText(await app(`/tiers/${other.id}`))).not.toContain("by sharing");
    const affiliate = await makeUser(env);
    const code = await join(seller.handle, await affiliate.cookie());
    const member = await makeUser(env);
    const mc = await member.cookie();
    const via = await click(`/tiers/${tier.id}`, code, mc);
    await subscribeAndPay(String(tier.id), `${mc}; ${via}`);
    await deliver(member.id);
    // $5: fee 40, net 460, 10% = 46.
    expect((await commissionsFor(affiliate.id)).map((c) => c.amount)).toEqual([46]);
    const sub = (await env.DB.prepare("SELECT stripe_subscription_id AS s FROM memberships WHERE user_id=?")
      .bind(member.id)
      .first<{ s: string }>())!.s;
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(member.id);
    expect((await commissionsFor(affiliate.id)).map((c) => c.amount)).toEqual([46, 46]);
    // Past the recurring period (the first invoice moved back three months): renewals earn nothing.
    await env.DB.prepare(
      "UPDATE invoices SET paid_at = paid_at - ? WHERE stripe_subscription_id = ? AND paid_at = (SELECT MIN(paid_at) FROM invoices WHERE stripe_subscription_id = ?)",
    )
      .bind(92 * 86_400, sub, sub)
      .run();
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(member.id);
    expect(await commissionsFor(affiliate.id)).toHaveLength(2);

    // Guests join through the link too (no account; Checkout collects the email): credited once the
    // email's account is known — and not when that email is the affiliate's own.
    const guestVia = await click(`/tiers/${tier.id}`, code);
    for (const email of [affiliate.email, `guest-${crypto.randomUUID().slice(0, 8)}@example.test`]) {
      const start = await postForm(`/tiers/${tier.id}`, { intent: "subscribe", interval: "month" }, { cookie: guestVia });
      expect(start.status).toBe(303);
      const url = start.headers.get("Location")!;
      const session = await getStripe(env).checkout.sessions.retrieve(url.split("/checkout/pay/")[1]);
      expect(session.metadata?.affiliate_id).toBeTruthy();
      expect((await payCheckout(url, { email })).status).toBe(303);
      await deliver(String((await getStripe(env).checkout.sessions.retrieve(session.id)).subscription));
    }
    const guestRows = (await commissionsFor(affiliate.id)).slice(2);
    expect(guestRows.map((c) => [c.source_type, c.amount])).toEqual([["invoice", 46]]);
  });
});

describe("refunds keep every party exact to the cent", () => {
  it("partial before payout, partial after, two partials then full, full after: creator, affiliate and platform reconcile with Stripe", async () => {
    const stripe = getStripe(env);
    const { seller, cookie: sellerCookie, id, slug } = await publishedProduct("19.99");
    await startProgram(sellerCookie, { commissionPercent: "15" }, [`product:${id}`]);
    const affiliate = await makeSeller(env);
    const code = await join(seller.handle, await affiliate.cookie());
    const account = async (userId: string) =>
      (await env.DB.prepare("SELECT stripe_account_id AS a FROM payout_accounts WHERE creator_id=?").bind(userId).first<{ a: string }>())!
        .a;
    const [creatorAcct, affiliateAcct] = [await account(seller.id), await account(affiliate.id)];
    // Four sales through the link (1999 gross, 160 fee, 1839 net, commission 276 each).
    const pis: string[] = [];
    for (let i = 0; i < 4; i++) {
      const buyer = await makeUser(env);
      const bc = await buyer.cookie();
      await click(`/@${seller.handle}/products/${slug}`, code, bc);
      const sid = await buyWith(seller.handle, slug, id, bc);
      await deliver(buyer.id);
      pis.push(String((await stripe.checkout.sessions.retrieve(sid)).payment_intent));
    }
    const held = (list: { amount: number; amount_reversed: number }[]) => list.reduce((s, t) => s + t.amount - t.amount_reversed, 0);
    /** Every party's money as Stripe holds it, against what the ledger says each should keep. */
    async function reconcile() {
      let gross = 0;
      let refunded = 0;
      let feeKept = 0;
      for (const pi of pis) {
        const charge = await stripe.charges.retrieve(String((await stripe.paymentIntents.retrieve(pi)).latest_charge), {
          expand: ["application_fee"],
        });
        const fee = charge.application_fee as { amount: number; amount_refunded: number };
        gross += charge.amount;
        refunded += charge.amount_refunded;
        feeKept += fee.amount - fee.amount_refunded;
      }
      const ledger = await commissionsFor(affiliate.id);
      const commissionPaid = ledger.filter((c) => c.status === "paid").reduce((s, c) => s + Number(c.amount) - Number(c.reversed), 0);
      const creator = held((await stripe.transfers.list({ destination: creatorAcct, limit: 100 })).data);
      const aff = held((await stripe.transfers.list({ destination: affiliateAcct, limit: 100 })).data);
      const platform = gross - refunded - creator - aff;
      expect({ affiliate: aff, creator, platform }).toEqual({
        affiliate: commissionPaid,
        creator: gross - refunded - feeKept - commissionPaid,
        platform: feeKept,
      });
      return { gross, refunded, creator, affiliate: aff, platform };
    }
    const refund = async (pi: string, amount?: number) => {
      await stripe.refunds.create({ payment_intent: pi, amount, reverse_transfer: true, refund_application_fee: true });
      await deliver(pi);
    };
    const figures: Record<string, unknown> = { sold: await reconcile() };
    // 1. A partial refund before payout: the ledger reverses 69 of 276; the payout takes 207 from the creator.
    await refund(pis[0], 500);
    await env.DB.prepare("UPDATE commissions SET available_at = ? WHERE beneficiary_id = ?")
      .bind(nowSeconds() - 1, affiliate.id)
      .run();
    expect(await payDueCommissions(env, { beneficiaryId: affiliate.id })).toMatchObject({ paid: 1 });
    figures.partialBeforePayout = await reconcile();
    // 2. A partial refund after payout: 69 clawed back from the affiliate, 69 made good to the creator.
    await refund(pis[1], 500);
    figures.partialAfterPayout = await reconcile();
    // 3. Two partials, then the rest (Stripe then reverses only what is left of the creator's transfer).
    await refund(pis[2], 500);
    await refund(pis[2], 700);
    figures.twoPartials = await reconcile();
    await refund(pis[2]);
    figures.thenFull = await reconcile();
    // 4. A full refund after payout.
    await refund(pis[3]);
    figures.fullAfterPayout = await reconcile();
    const ledger = await commissionsFor(affiliate.id);
    expect(ledger.map((c) => [Number(c.amount), Number(c.reversed)])).toEqual([
      [276, 69],
      [276, 69],
      [276, 276],
      [276, 276],
    ]);
    // Redelivered (and re-ordered) refund events and repeated settling move nothing.
    const again = (await eventsMatching(pis[2], pis[1])).filter((e) => e.event.type.startsWith("charge.")).reverse();
    await postAll(again);
    for (const c of ledger) await settlePaidCommission(env, String(c.id));
    figures.redelivered = await reconcile();
    expect(figures.redelivered).toEqual(figures.fullAfterPayout);
    console.log("affiliate refund reconciliation", JSON.stringify(figures));
  });

  it("one settler at a time: a settlement that finds the lease held hands over; concurrent settlers move each cent once", async () => {
    const stripe = getStripe(env);
    const { seller, cookie: sellerCookie, id, slug } = await publishedProduct("19.99");
    await startProgram(sellerCookie, { commissionPercent: "15" }, [`product:${id}`]);
    const affiliate = await makeSeller(env);
    const code = await join(seller.handle, await affiliate.cookie());
    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    await click(`/@${seller.handle}/products/${slug}`, code, bc);
    const sid = await buyWith(seller.handle, slug, id, bc);
    await deliver(buyer.id);
    const pi = String((await stripe.checkout.sessions.retrieve(sid)).payment_intent);
    await env.DB.prepare("UPDATE commissions SET available_at = ? WHERE beneficiary_id = ?")
      .bind(nowSeconds() - 1, affiliate.id)
      .run();
    expect(await payDueCommissions(env, { beneficiaryId: affiliate.id })).toMatchObject({ paid: 1 });
    const [c] = await commissionsFor(affiliate.id);
    const cid = String(c.id);
    const payoutTransfer = String(
      (await env.DB.prepare("SELECT stripe_transfer_id AS t FROM commission_payouts WHERE id=?").bind(c.payout_id).first<{ t: string }>())!
        .t,
    );
    const charge = await stripe.charges.retrieve(String((await stripe.paymentIntents.retrieve(pi)).latest_charge), {
      expand: ["transfer", "application_fee"],
    });
    const destination = (charge.transfer as { id: string }).id;
    /** Every money movement the settlement made, as Stripe shows it. */
    async function moves() {
      const claws = (await stripe.transfers.listReversals(payoutTransfer, { limit: 100 })).data.filter(
        (r) => r.metadata?.commission_id === cid,
      );
      const makeGoods = (await stripe.transfers.list({ transfer_group: `commission-makegood:${cid}`, limit: 100 })).data;
      const fromCreator = (await stripe.transfers.listReversals(destination, { limit: 100 })).data.filter(
        (r) => r.metadata?.commission_id === cid,
      );
      return {
        claws: claws.map((r) => r.amount),
        makeGoods: makeGoods.map((t) => t.amount),
        makeGoodsReversed: makeGoods.reduce((s, t) => s + t.amount_reversed, 0),
        fromCreator: fromCreator.map((r) => r.amount),
      };
    }
    const before = await moves();
    expect(before).toEqual({ claws: [], makeGoods: [], makeGoodsReversed: 0, fromCreator: [276] });
    const lease = () =>
      env.DB.prepare("SELECT settling_until AS until, settle_again AS again, reversed FROM commissions WHERE id=?").bind(cid).first<Row>();

    // 1. Another settler holds the lease: a refund's settlement records the ledger, asks it for another pass, moves nothing.
    await env.DB.prepare("UPDATE commissions SET settling_until = ? WHERE id = ?")
      .bind(nowSeconds() + 60, cid)
      .run();
    await stripe.refunds.create({ payment_intent: pi, amount: 500, reverse_transfer: true, refund_application_fee: true });
    await deliver(pi);
    expect(await lease()).toMatchObject({ again: 1, reversed: 69 });
    expect(await moves()).toEqual(before);

    // 2. That settler died (its lease ran out); a second partial refund lands and three settlers start at
    //    once — the refund's webhook, the payout sweep (which picks up the stranded lease) and a direct call.
    await env.DB.prepare("UPDATE commissions SET settling_until = 1 WHERE id = ?").bind(cid).run();
    await stripe.refunds.create({ payment_intent: pi, amount: 500, reverse_transfer: true, refund_application_fee: true });
    await Promise.all([deliver(pi), payDueCommissions(env, { beneficiaryId: affiliate.id }), settlePaidCommission(env, cid)]);
    expect(await lease()).toMatchObject({ until: 0, again: 0, reversed: 138 });
    const after = await moves();
    // Each cent moved once: no make-good reversed, nothing more taken from the creator than the payout's recovery.
    expect(after.makeGoodsReversed).toBe(0);
    expect(after.fromCreator).toEqual([276]);
    expect(after.claws.reduce((s, a) => s + a, 0)).toBe(138);
    // Balances reconcile to the cent: the affiliate keeps 276 − 138, the creator the rest of their share.
    const now = await stripe.charges.retrieve(charge.id, { expand: ["transfer", "application_fee"] });
    const fee = now.application_fee as { amount: number; amount_refunded: number };
    const t = now.transfer as { amount: number; amount_reversed: number };
    const creator = t.amount - t.amount_reversed + after.makeGoods.reduce((s, a) => s + a, 0);
    const aff = await stripe.transfers.retrieve(payoutTransfer);
    expect({ affiliate: aff.amount - aff.amount_reversed, creator }).toEqual({
      affiliate: 276 - 138,
      creator: now.amount - now.amount_refunded - (fee.amount - fee.amount_refunded) - (276 - 138),
    });
    // Settling again moves nothing.
    await settlePaidCommission(env, cid);
    expect(await moves()).toEqual(after);
    console.log("one settler at a time", JSON.stringify({ before, after }));
  });
});

describe("services through an affiliate link", () => {
  it("a fixed-package booking earns the commission; its refund reverses it", async () => {
    const { seller, cookie, id, slug } = await sellerWithService({
      pricing: "fixed_package",
      price: "90.01",
      deliveryDays: "5",
      locationKind: "after_booking",
    });
    await startProgram(cookie, { commissionPercent: "10" }, [`service:${id}`]);
    const affiliate = await makeUser(env);
    const code = await join(seller.handle, await affiliate.cookie());
    expect(await (await app("/dashboard/affiliate", { cookie: await affiliate.cookie() })).text()).toContain(
      `/services/${slug}?via=${code}`,
    );
    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    await click(`/@${seller.handle}/services/${slug}`, code, bc);
    const res = await postForm(`/@${seller.handle}/services/${slug}`, {}, { cookie: bc });
    expect(res.status).toBe(303);
    const url = res.headers.get("Location")!;
    expect((await payCheckout(url)).status).toBe(303);
    await deliver(buyer.id);
    // 9001 − 720 fee = 8281 net; 10% = 828.1 → 828.
    const [c] = await commissionsFor(affiliate.id);
    expect(c).toMatchObject({ source_type: "booking", base: 8281, amount: 828 });
    const pi = String((await getStripe(env).checkout.sessions.retrieve(url.split("/checkout/pay/")[1])).payment_intent);
    await getStripe(env).refunds.create({ payment_intent: pi, amount: 4500 });
    await deliver(buyer.id, pi);
    // 828 × 4500 / 9001 = 413.95 → 414.
    expect((await commissionsFor(affiliate.id))[0]).toMatchObject({ reversed: 414 });
  });
});

describe("platform referrals", () => {
  it("records the referrer at sign-up and pays 20% of the platform fee on the referred creator's sales", async () => {
    const referrer = await makeCreator(env);
    const code = await referralCodeFor(env, referrer.id);
    expect(await referralCodeFor(env, referrer.id)).toBe(code);
    // /join?ref= carries the code to sign-up, which records it.
    const j = await app(`/join?ref=${code}`, { redirect: "manual" });
    expect(j.headers.get("Location")).toBe(`/signup?ref=${code}`);
    const email = `ref-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const su = await postForm("/signup", { email, password: "correct horse battery", ref: code });
    expect(su.status).toBe(302);
    const signed = await env.DB.prepare(
      "SELECT p.referrer_id AS r FROM platform_referrals p JOIN users u ON u.id = p.referred_id WHERE u.email = ?",
    )
      .bind(email)
      .first<{ r: string }>();
    expect(signed?.r).toBe(referrer.id);
    // Not by a non-creator's code, not oneself, only once.
    const plain = await makeUser(env);
    expect(await recordReferral(env, referrer.id, await referralCodeFor(env, plain.id))).toBe(false);
    expect(await recordReferral(env, referrer.id, code)).toBe(false);

    // A referred seller's sale: fee 160 on 19.99 → 20% = 32 to the referrer.
    const { seller, slug, id } = await publishedProduct("19.99");
    expect(await recordReferral(env, seller.id, code)).toBe(true);
    expect(await recordReferral(env, seller.id, code)).toBe(false);
    const buyer = await makeUser(env);
    await buyWith(seller.handle, slug, id, await buyer.cookie());
    await deliver(buyer.id);
    const [c] = await commissionsFor(referrer.id);
    expect(c).toMatchObject({ kind: "referral", base: 160, percent: 20, amount: 32 });
    const page = await pageText(await app("/dashboard/affiliates", { cookie: await referrer.cookie() }));
    expect(page).toContain(`/join?ref=${code}`);
    expect(page).toContain("2 creators joined through your link");
  });
});

describe("authorisation of every new route", () => {
  it("anonymous, other user, other creator, owner, admin", async () => {
    const { seller, cookie: owner, id } = await publishedProduct();
    const other = await makeCreator(env);
    const oc = await other.cookie();
    const user = await makeUser(env);
    const uc = await user.cookie();
    const unverified = await makeUser(env, { verified: false });
    const admin = await makeUser(env, { isAdmin: true });
    const adc = await admin.cookie();
    // Creator dashboard: anonymous → login; a non-creator → 403; another creator can't pick my product.
    const anon = await app("/dashboard/affiliates", { redirect: "manual" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("Location")).toContain("/login");
    expect((await app("/dashboard/affiliates", { cookie: uc })).status).toBe(403);
    expect((await startProgram(uc, {}, [`product:${id}`])).status).toBe(403);
    expect((await startProgram(oc, {}, [`product:${id}`])).status).toBe(403);
    expect((await startProgram(owner, { commissionPercent: "51" }, [`product:${id}`])).status).toBe(422);
    expect((await startProgram(owner, { commissionPercent: "0" }, [`product:${id}`])).status).toBe(422);
    expect((await startProgram(owner, {}, [])).status).toBe(422);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM affiliate_programs WHERE creator_id=?").bind(seller.id).first("n")).toBe(0);
    // The (cached) storefront invites sharing only while a program is on — the same page for everyone.
    const invite = "Earn 15% by sharing";
    expect(await pageText(await app(`/@${seller.handle}`))).not.toContain("by sharing");
    expect((await startProgram(owner, {}, [`product:${id}`])).status).toBe(200);
    const storefront = await (await app(`/@${seller.handle}`)).text();
    expect(storefront.replace(/<!-- -->/g, "")).toContain(invite);
    expect(storefront).toContain(`href="/@${seller.handle}/affiliates"`);
    expect(storefront).toContain(">become an affiliate</a>");
    expect(storefront).not.toContain(user.email);
    const product = await (
      await app(
        `/@${seller.handle}/products/${String(await env.DB.prepare("SELECT slug FROM products WHERE id=?").bind(id).first("slug"))}`,
      )
    ).text();
    expect(product.replace(/<!-- -->/g, "")).toContain(invite);
    expect((await postForm("/dashboard/affiliates", { intent: "pause" }, { cookie: owner })).status).toBe(200);
    expect(await pageText(await app(`/@${seller.handle}`))).not.toContain("by sharing");
    expect((await startProgram(owner, {}, [`product:${id}`])).status).toBe(200);
    // Joining: anonymous → login; unverified email → 403; the owner → 409; a user → in.
    const j = await postForm(`/@${seller.handle}/affiliates`, {});
    expect(j.status).toBe(302);
    expect((await postForm(`/@${seller.handle}/affiliates`, {}, { cookie: await unverified.cookie() })).status).toBe(403);
    expect((await postForm(`/@${seller.handle}/affiliates`, {}, { cookie: owner })).status).toBe(409);
    expect((await postForm(`/@${seller.handle}/affiliates`, {}, { cookie: uc })).status).toBe(303);
    const aff = await env.DB.prepare("SELECT id, code FROM affiliates WHERE user_id=?").bind(user.id).first<{ id: string; code: string }>();
    // Clicks count unique visitors per link and day: the same visitor twice is one, another is two;
    // every redirect still counts as a click. Both dashboards show visitors.
    const visit = (headers: Record<string, string>) =>
      app(`/@${seller.handle}?via=${aff!.code}`, { headers: { "User-Agent": "TestBrowser/1.0", ...headers } });
    for (const h of [{ "CF-Connecting-IP": "203.0.113.7" }, { "CF-Connecting-IP": "203.0.113.7" }, { "CF-Connecting-IP": "198.51.100.9" }])
      expect((await visit(h)).status).toBe(302);
    const visitor = await makeUser(env);
    const vc = await visitor.cookie();
    for (const ip of ["203.0.113.7", "192.0.2.1"]) expect((await visit({ Cookie: vc, "CF-Connecting-IP": ip })).status).toBe(302);
    expect(await env.DB.prepare("SELECT clicks, unique_clicks AS u FROM affiliates WHERE id=?").bind(aff!.id).first()).toEqual({
      clicks: 5,
      u: 3,
    });
    expect(await pageText(await app("/dashboard/affiliate", { cookie: uc }))).toMatch(/3 visitors(<[^>]+>|\s)*\(5 clicks\)/);
    expect((await (await app("/dashboard/affiliates", { cookie: owner })).text()).replace(/<!-- -->/g, "")).toMatch(
      /data-testid="affiliate-visitors">3 <span[^>]*>\(5\)/,
    );
    // Removing: only the program's creator (others get 404, as if it weren't there); admins aren't creators here.
    for (const c of [oc, uc, adc])
      expect((await postForm("/dashboard/affiliates", { intent: "remove", affiliateId: aff!.id }, { cookie: c })).status).not.toBe(200);
    expect((await postForm("/dashboard/affiliates", { intent: "remove", affiliateId: aff!.id }, { cookie: owner })).status).toBe(200);
    // Affiliate dashboard: anonymous → login; anyone signed in sees their own; "pay everyone" is admin-only.
    expect((await app("/dashboard/affiliate", { redirect: "manual" })).status).toBe(302);
    expect((await app("/dashboard/affiliate", { cookie: uc })).status).toBe(200);
    expect((await postForm("/dashboard/affiliate", { scope: "all" }, { cookie: uc })).status).toBe(403);
    expect((await postForm("/dashboard/affiliate", { scope: "all" }, { cookie: owner })).status).toBe(403);
    expect((await postForm("/dashboard/affiliate", { scope: "mine" }, { cookie: uc })).status).toBe(200);
    expect((await postForm("/dashboard/affiliate", { scope: "all" }, { cookie: adc })).status).toBe(200);
    // The public program page shows nothing private.
    const pub = await pageText(await app(`/@${seller.handle}/affiliates`));
    expect(pub).toContain("15%");
    expect(pub).not.toContain(user.email);
  });
});
