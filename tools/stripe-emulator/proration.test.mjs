// Subscription changes with proration, previews (invoices.createPreview) and subscription schedules,
// through the real stripe SDK against the emulator.
//   node --test tools/stripe-emulator/*.test.mjs

import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import Stripe from "stripe";
import { percentFee } from "./resources.mjs";
import { DEFAULT_WEBHOOK_SECRET, startEmulator } from "./server.mjs";

let emu;
let stripe;

async function control(path, body) {
  const res = await fetch(`${emu.url}/_emulator/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

async function events(type) {
  const res = await fetch(`${emu.url}/_emulator/events${type ? `?type=${type}` : ""}`);
  return (await res.json()).events;
}

/** A paid $10/month subscription (8% fee, destination charge) and a product with more prices. */
async function member() {
  const account = await stripe.accounts.create({ type: "express" });
  await control(`accounts/${account.id}/complete_onboarding`);
  const product = await stripe.products.create({ name: "Tiers" });
  const price = (unit_amount, interval = "month") =>
    stripe.prices.create({ product: product.id, unit_amount, currency: "usd", recurring: { interval } });
  const [basic, pro, basicYear] = await Promise.all([price(1000), price(2500), price(10000, "year")]);
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: basic.id, quantity: 1 }],
    customer_email: "fan@example.com",
    success_url: "http://localhost/ok",
    cancel_url: "http://localhost/no",
    subscription_data: { application_fee_percent: 8, transfer_data: { destination: account.id }, metadata: { tier_id: "basic" } },
  });
  await control(`checkout/${session.id}/pay`);
  const sub = await stripe.subscriptions.retrieve((await stripe.checkout.sessions.retrieve(session.id)).subscription);
  return { sub, basic, pro, basicYear };
}

const fraction = (sub, t) =>
  (sub.items.data[0].current_period_end - t) / (sub.items.data[0].current_period_end - sub.items.data[0].current_period_start);

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
after(async () => emu.close());
beforeEach(async () => {
  await control("reset");
  await control("config", { webhookUrl: null });
});

describe("subscription update with proration", () => {
  it("always_invoice: credit for unused time, charge for remaining time, invoiced and paid at once, to the cent", async () => {
    const { sub, pro } = await member();
    await control(`subscriptions/${sub.id}/age`, { seconds: 10 * 86400 + 3 * 3600 + 17 });
    const aged = await stripe.subscriptions.retrieve(sub.id);
    const t = Math.floor(Date.now() / 1000);
    const f = fraction(aged, t);
    const credit = -Math.round(1000 * f);
    const charge = Math.round(2500 * f);
    const preview = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: {
        items: [{ id: sub.items.data[0].id, price: pro.id }],
        proration_behavior: "always_invoice",
        proration_date: t,
      },
    });
    assert.deepEqual(
      preview.lines.data.map((l) => l.amount),
      [credit, charge],
    );
    assert.equal(preview.amount_due, credit + charge);
    assert.ok(preview.lines.data.every((l) => l.parent.subscription_item_details.proration === true));
    assert.match(preview.lines.data[0].description, /^Unused time on 1 × Tiers after/);
    // The preview changed nothing.
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).items.data[0].price.unit_amount, 1000);

    const before = (await events()).length;
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: pro.id }],
      proration_behavior: "always_invoice",
      proration_date: t,
      metadata: { tier_id: "pro" },
    });
    assert.equal(updated.items.data[0].price.id, pro.id);
    assert.equal(updated.current_period_end, aged.current_period_end, "same interval: the period is unchanged");
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice);
    assert.equal(invoice.billing_reason, "subscription_update");
    assert.equal(invoice.status, "paid");
    assert.equal(invoice.amount_paid, credit + charge);
    assert.equal(invoice.amount_paid, preview.amount_due, "what the buyer was shown is what is charged");
    assert.equal(invoice.application_fee_amount, percentFee(credit + charge, 8));
    assert.equal(invoice.parent.subscription_details.metadata.tier_id, "pro");
    const types = (await events()).slice(before).map((r) => r.event.type);
    assert.deepEqual(types.slice(0, 5), [
      "customer.subscription.updated",
      "invoice.created",
      "invoice.finalized",
      "invoice.paid",
      "invoice.payment_succeeded",
    ]);
    assert.ok(types.includes("charge.succeeded"));
    const upd = (await events("customer.subscription.updated")).at(-1);
    assert.equal(upd.event.data.previous_attributes.items.data[0].price.id, sub.items.data[0].price.id);
    // Signed like every other event.
    const ev = stripe.webhooks.constructEvent(upd.payload, upd.signature, DEFAULT_WEBHOOK_SECRET);
    assert.equal(ev.type, "customer.subscription.updated");
  });

  it("create_prorations: lines wait for the next renewal invoice", async () => {
    const { sub, pro } = await member();
    await control(`subscriptions/${sub.id}/age`, { seconds: 15 * 86400 });
    const aged = await stripe.subscriptions.retrieve(sub.id);
    const t = Math.floor(Date.now() / 1000);
    const f = fraction(aged, t);
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: pro.id }],
      proration_behavior: "create_prorations",
      proration_date: t,
    });
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).latest_invoice, sub.latest_invoice, "nothing invoiced now");
    await control(`subscriptions/${sub.id}/renew`);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    const inv = await stripe.invoices.retrieve(renewed.latest_invoice);
    assert.deepEqual(
      inv.lines.data.map((l) => l.amount),
      [2500, -Math.round(1000 * f), Math.round(2500 * f)],
    );
  });

  it("monthly → annual resets the period and invoices the year at once, less the unused month", async () => {
    const { sub, basicYear } = await member();
    await control(`subscriptions/${sub.id}/age`, { seconds: 7 * 86400 });
    const aged = await stripe.subscriptions.retrieve(sub.id);
    const t = Math.floor(Date.now() / 1000);
    const f = fraction(aged, t);
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: basicYear.id }],
      proration_behavior: "always_invoice",
      proration_date: t,
    });
    assert.equal(updated.items.data[0].current_period_start, t);
    assert.ok(updated.items.data[0].current_period_end >= t + 365 * 86400);
    const inv = await stripe.invoices.retrieve(updated.latest_invoice);
    assert.equal(inv.amount_paid, 10000 - Math.round(1000 * f));
  });

  it("a downgrade invoiced at once becomes customer credit, used by the next invoice", async () => {
    const { sub, pro, basic } = await member();
    const t0 = Math.floor(Date.now() / 1000);
    await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: pro.id }],
      proration_behavior: "always_invoice",
      proration_date: t0,
    });
    const up = await stripe.subscriptions.retrieve(sub.id);
    const down = await stripe.subscriptions.update(sub.id, {
      items: [{ id: up.items.data[0].id, price: basic.id }],
      proration_behavior: "always_invoice",
      proration_date: t0,
    });
    const inv = await stripe.invoices.retrieve(down.latest_invoice);
    assert.equal(inv.amount_due, 0);
    assert.equal(inv.ending_balance, -1500);
    assert.equal((await stripe.customers.retrieve(sub.customer)).balance, -1500);
    await control(`subscriptions/${sub.id}/renew`);
    const next = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice);
    assert.equal(next.amount_due, 0, "the $10 renewal is paid from the $15 credit");
    assert.equal((await stripe.customers.retrieve(sub.customer)).balance, -500);
  });

  it("refuses a proration_date outside the period and a second schedule", async () => {
    const { sub, pro } = await member();
    await assert.rejects(
      stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, price: pro.id }], proration_date: 1000 }),
      /proration_date/,
    );
    await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    await assert.rejects(stripe.subscriptionSchedules.create({ from_subscription: sub.id }), /already attached to a schedule/);
  });
});

describe("subscription schedules (change at period end)", () => {
  it("switches price and metadata at the renewal, then releases", async () => {
    const { sub, basic, basicYear } = await member();
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    assert.equal(schedule.phases.length, 1);
    assert.equal(schedule.phases[0].end_date, sub.items.data[0].current_period_end);
    const updated = await stripe.subscriptionSchedules.update(schedule.id, {
      end_behavior: "release",
      phases: [
        { start_date: schedule.phases[0].start_date, end_date: schedule.phases[0].end_date, items: [{ price: basic.id, quantity: 1 }] },
        {
          items: [{ price: basicYear.id, quantity: 1 }],
          duration: { interval: "year", interval_count: 1 },
          metadata: { tier_id: "yearly" },
        },
      ],
    });
    assert.equal(updated.phases[1].start_date, sub.items.data[0].current_period_end);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).schedule, schedule.id);
    await control(`subscriptions/${sub.id}/renew`);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(renewed.items.data[0].price.id, basicYear.id);
    assert.equal(renewed.metadata.tier_id, "yearly");
    assert.equal(renewed.schedule, null);
    const inv = await stripe.invoices.retrieve(renewed.latest_invoice);
    assert.equal(inv.amount_paid, 10000);
    assert.equal(inv.parent.subscription_details.metadata.tier_id, "yearly");
    assert.equal((await stripe.subscriptionSchedules.retrieve(schedule.id)).status, "released");
  });

  it("release before the renewal keeps the subscription as it is", async () => {
    const { sub, basic, pro } = await member();
    const schedule = await stripe.subscriptionSchedules.create({ from_subscription: sub.id });
    await stripe.subscriptionSchedules.update(schedule.id, {
      phases: [
        { start_date: schedule.phases[0].start_date, end_date: schedule.phases[0].end_date, items: [{ price: basic.id }] },
        { items: [{ price: pro.id }], iterations: 1 },
      ],
    });
    await assert.rejects(stripe.subscriptions.update(sub.id, { cancel_at_period_end: true }), /managed by the subscription schedule/);
    await stripe.subscriptionSchedules.release(schedule.id);
    await control(`subscriptions/${sub.id}/renew`);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    assert.equal(renewed.items.data[0].price.id, basic.id);
    assert.equal(renewed.schedule, null);
  });
});
