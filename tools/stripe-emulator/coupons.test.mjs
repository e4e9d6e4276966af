// Coupons and Checkout `discounts` through the real stripe SDK.
//   node --test tools/stripe-emulator/coupons.test.mjs

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import Stripe from "stripe";
import { startEmulator } from "./server.mjs";

let emu;
let stripe;

async function control(path, body) {
  const res = await fetch(`${emu.url}/_emulator/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

async function onboardedAccount() {
  const account = await stripe.accounts.create({
    type: "express",
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
  await control(`accounts/${account.id}/complete_onboarding`);
  return account;
}

const session = (account, coupon, extra = {}) =>
  stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [{ price_data: { currency: "usd", unit_amount: 1999, product_data: { name: "Prompts" } }, quantity: 1 }],
    success_url: "http://localhost:8787/thanks",
    discounts: [{ coupon }],
    payment_intent_data: { application_fee_amount: 128, transfer_data: { destination: account.id } },
    ...extra,
  });

before(async () => {
  emu = await startEmulator({ port: 0, deliveryWaitMs: 2000, retryDelaysMs: [20, 50] });
  stripe = new Stripe("sk_test_emulator", {
    host: "127.0.0.1",
    port: emu.port,
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
  });
});

after(async () => {
  await emu.close();
});

describe("coupons", () => {
  it("creates percent and fixed coupons and validates them", async () => {
    const pct = await stripe.coupons.create({ percent_off: 20, duration: "once", name: "SPRING" });
    assert.equal(pct.object, "coupon");
    assert.equal(pct.percent_off, 20);
    assert.equal(pct.valid, true);
    const fixed = await stripe.coupons.create({ amount_off: 500, currency: "usd", duration: "once" });
    assert.equal((await stripe.coupons.retrieve(fixed.id)).amount_off, 500);
    await assert.rejects(stripe.coupons.create({ percent_off: 120, duration: "once" }), /percent_off/);
    await assert.rejects(stripe.coupons.create({ amount_off: 500, duration: "once" }), /currency/);
    await assert.rejects(stripe.coupons.create({ percent_off: 10, amount_off: 5, currency: "usd" }), /not both/);
    assert.equal((await stripe.coupons.del(fixed.id)).deleted, true);
    await assert.rejects(stripe.coupons.retrieve(fixed.id), /No such coupon/);
  });

  it("applies one coupon to a payment session: subtotal, discount, total, fee checked against the discounted total", async () => {
    const account = await onboardedAccount();
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "once" });
    const s = await session(account, coupon.id);
    assert.equal(s.amount_subtotal, 1999);
    assert.equal(s.total_details.amount_discount, 400); // 399.8 rounded
    assert.equal(s.amount_total, 1599);
    assert.deepEqual(s.discounts, [{ coupon: coupon.id, promotion_code: null }]);
    const items = await stripe.checkout.sessions.listLineItems(s.id);
    assert.equal(items.data[0].amount_discount, 400);
    assert.equal(items.data[0].amount_total, 1599);
    // The fee can't exceed what is charged after the discount.
    const all = await stripe.coupons.create({ amount_off: 1950, currency: "usd", duration: "once" });
    await assert.rejects(session(account, all.id), /application fee amount cannot be greater/);
    const paid = await control(`checkout/${s.id}/pay`);
    assert.equal(paid.status, 200);
    const pi = await stripe.paymentIntents.retrieve(paid.body.object.payment_intent);
    assert.equal(pi.amount, 1599);
    assert.equal(pi.application_fee_amount, 128);
    assert.equal((await stripe.coupons.retrieve(coupon.id)).times_redeemed, 1);
  });

  it("refuses two discounts, discounts with allow_promotion_codes, a foreign currency and a used-up coupon", async () => {
    const account = await onboardedAccount();
    const a = await stripe.coupons.create({ percent_off: 10, duration: "once" });
    const b = await stripe.coupons.create({ percent_off: 15, duration: "once" });
    await assert.rejects(session(account, a.id, { discounts: [{ coupon: a.id }, { coupon: b.id }] }), /only specify one discount/);
    await assert.rejects(session(account, a.id, { allow_promotion_codes: true }), /allow_promotion_codes, discounts/);
    const eur = await stripe.coupons.create({ amount_off: 100, currency: "eur", duration: "once" });
    await assert.rejects(session(account, eur.id), /currency/);
    const once = await stripe.coupons.create({ percent_off: 10, duration: "once", max_redemptions: 1 });
    const first = await session(account, once.id);
    const second = await session(account, once.id);
    assert.equal((await control(`checkout/${first.id}/pay`)).status, 200);
    const late = await control(`checkout/${second.id}/pay`);
    assert.equal(late.status, 400);
    assert.match(JSON.stringify(late.body), /no longer valid/);
    await assert.rejects(session(account, once.id), /no longer valid/);
  });

  it("discounts subscriptions by duration: once, repeating for N months, forever; the fee is a percent of the discounted invoice", async () => {
    const account = await onboardedAccount();
    await assert.rejects(stripe.coupons.create({ percent_off: 10, duration: "repeating" }), /duration_in_months/);
    await assert.rejects(stripe.coupons.create({ percent_off: 10, duration: "once", duration_in_months: 2 }), /duration_in_months/);
    const product = await stripe.products.create({ name: "Members" });
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 999, recurring: { interval: "month" } });
    const subscribe = async (coupon) => {
      const s = await stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: price.id, quantity: 1 }],
        discounts: [{ coupon: coupon.id }],
        subscription_data: { application_fee_percent: 8, transfer_data: { destination: account.id } },
        success_url: "http://localhost:8787/thanks",
      });
      assert.equal(s.amount_subtotal, 999);
      assert.equal(s.total_details.amount_discount, coupon.percent_off ? Math.round((999 * coupon.percent_off) / 100) : coupon.amount_off);
      assert.equal((await control(`checkout/${s.id}/pay`)).status, 200);
      const sub = (await stripe.checkout.sessions.retrieve(s.id)).subscription;
      const amounts = [];
      for (let i = 0; i < 4; i++) {
        if (i) await control(`subscriptions/${sub}/renew`);
        const { latest_invoice } = await stripe.subscriptions.retrieve(sub);
        const inv = await stripe.invoices.retrieve(latest_invoice);
        assert.equal(inv.subtotal, 999);
        assert.equal(inv.total, inv.subtotal - (inv.total_discount_amounts[0]?.amount ?? 0));
        assert.equal(inv.amount_paid, inv.total);
        assert.equal(inv.application_fee_amount, Math.round(inv.total * 0.08));
        amounts.push(inv.amount_paid);
      }
      return { amounts, sub: await stripe.subscriptions.retrieve(sub) };
    };
    const once = await subscribe(await stripe.coupons.create({ percent_off: 50, duration: "once" }));
    assert.deepEqual(once.amounts, [499, 999, 999, 999]); // 50% of 9.99 = 4.995 → 5.00 off
    assert.deepEqual(once.sub.discounts, []);
    const three = await stripe.coupons.create({ amount_off: 200, currency: "usd", duration: "repeating", duration_in_months: 3 });
    assert.equal(three.duration_in_months, 3);
    const repeating = await subscribe(three);
    assert.deepEqual(repeating.amounts, [799, 799, 799, 999]);
    const forever = await subscribe(await stripe.coupons.create({ percent_off: 25, duration: "forever" }));
    assert.deepEqual(forever.amounts, [749, 749, 749, 749]);
    assert.equal(forever.sub.discounts.length, 1);
    // 100% off forever: a $0 session without a card; each $0 invoice is paid at once with no payment.
    const free = await stripe.coupons.create({ percent_off: 100, duration: "forever" });
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      discounts: [{ coupon: free.id }],
      payment_method_collection: "if_required",
      subscription_data: { application_fee_percent: 8, transfer_data: { destination: account.id } },
      success_url: "http://localhost:8787/thanks",
    });
    assert.deepEqual([s.amount_total, s.payment_method_collection], [0, "if_required"]);
    await assert.rejects(
      stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: price.id, quantity: 1 }],
        payment_method_collection: "sometimes",
        success_url: "http://localhost:8787/thanks",
      }),
      /payment_method_collection/,
    );
    assert.equal((await control(`checkout/${s.id}/pay`)).status, 200);
    const paid = await stripe.checkout.sessions.retrieve(s.id);
    assert.equal(paid.payment_status, "no_payment_required");
    const sub = await stripe.subscriptions.retrieve(paid.subscription);
    assert.equal(sub.status, "active");
    const inv = await stripe.invoices.retrieve(sub.latest_invoice);
    assert.deepEqual([inv.status, inv.amount_paid, inv.application_fee_amount, inv.total_discount_amounts[0].amount], ["paid", 0, 0, 999]);
  });
});
