// Runs the real stripe SDK against the emulator.
//   node --test tools/stripe-emulator/

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, beforeEach, describe, it } from "node:test";
import Stripe from "stripe";
import { parseForm } from "./form.mjs";
import { addInterval, percentFee } from "./resources.mjs";
import { DEFAULT_WEBHOOK_SECRET, signPayload, startEmulator } from "./server.mjs";

const SECRET = DEFAULT_WEBHOOK_SECRET;

function sdk(port) {
  return new Stripe("sk_test_emulator", {
    host: "127.0.0.1",
    port,
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
  });
}

/** A local webhook receiver; `respond(n)` picks the status for the n-th request (1-based). */
async function startReceiver(respond = () => 200) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = respond(requests.length);
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ received: status < 300 }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks/stripe`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

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

async function events(type) {
  const res = await fetch(`${emu.url}/_emulator/events${type ? `?type=${type}` : ""}`);
  return (await res.json()).events;
}

async function onboardedAccount() {
  const account = await stripe.accounts.create({
    type: "express",
    email: "creator@example.com",
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
  await control(`accounts/${account.id}/complete_onboarding`);
  return account;
}

async function monthlyPrice(unitAmount = 1025) {
  const product = await stripe.products.create({ name: "Supporter tier" });
  return stripe.prices.create({ product: product.id, unit_amount: unitAmount, currency: "usd", recurring: { interval: "month" } });
}

async function paidSubscription({ unitAmount = 1025, feePercent = 10, trialDays } = {}) {
  const account = await onboardedAccount();
  const price = await monthlyPrice(unitAmount);
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: price.id, quantity: 1 }],
    customer_email: "fan@example.com",
    success_url: "http://localhost:8787/thanks?session={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:8787/cancel",
    subscription_data: {
      application_fee_percent: feePercent,
      transfer_data: { destination: account.id },
      metadata: { tier_id: "tier_1" },
      ...(trialDays ? { trial_period_days: trialDays } : {}),
    },
  });
  const paid = await control(`checkout/${session.id}/pay`);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const completed = await stripe.checkout.sessions.retrieve(session.id);
  return { account, price, session: completed, subscription: await stripe.subscriptions.retrieve(completed.subscription) };
}

before(async () => {
  emu = await startEmulator({ port: 0, deliveryWaitMs: 2000, retryDelaysMs: [20, 50] });
  stripe = sdk(emu.port);
});

after(async () => {
  await emu.close();
});

beforeEach(async () => {
  await control("reset");
  await control("config", { webhookUrl: null });
});

describe("signPayload", () => {
  it("produces a header that stripe.webhooks.constructEvent accepts", () => {
    const payload = JSON.stringify({ id: "evt_1", object: "event", type: "ping", data: { object: {} } });
    const header = signPayload(payload, SECRET);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(stripe.webhooks.constructEvent(payload, header, SECRET).id, "evt_1");
  });

  it("matches the SDK test header for the same timestamp", () => {
    const payload = '{"id":"evt_2"}';
    const timestamp = 1_700_000_000;
    const expected = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp });
    assert.equal(signPayload(payload, SECRET, timestamp), expected);
  });

  it("is rejected with the wrong secret", () => {
    const payload = '{"id":"evt_3"}';
    assert.throws(
      () => stripe.webhooks.constructEvent(payload, signPayload(payload, "whsec_other"), SECRET),
      Stripe.errors.StripeSignatureVerificationError,
    );
  });
});

describe("parseForm", () => {
  it("parses nested objects, indexed arrays, appended arrays and metadata", () => {
    const parsed = parseForm(
      "mode=payment&line_items[0][price]=price_1&line_items[0][quantity]=2&line_items[1][price_data][product_data][name]=A%20B" +
        "&expand[]=line_items&expand[]=customer&metadata[0]=zero&metadata[k]=v&payment_intent_data[transfer_data][destination]=acct_1",
    );
    assert.deepEqual(parsed, {
      mode: "payment",
      line_items: [{ price: "price_1", quantity: "2" }, { price_data: { product_data: { name: "A B" } } }],
      expand: ["line_items", "customer"],
      metadata: { 0: "zero", k: "v" },
      payment_intent_data: { transfer_data: { destination: "acct_1" } },
    });
  });

  it("ignores prototype-polluting keys", () => {
    const parsed = parseForm("__proto__[x]=1&a[constructor][y]=2&b=3");
    assert.deepEqual(parsed, { b: "3" });
    assert.equal({}.x, undefined);
  });
});

describe("money and periods", () => {
  it("rounds application fees half up", () => {
    assert.equal(percentFee(1025, 10), 103); // 102.5
    assert.equal(percentFee(1024, 10), 102); // 102.4
    assert.equal(percentFee(999, 8), 80); // 79.92
  });

  it("adds calendar months, clamping to month end", () => {
    const jan31 = Date.UTC(2026, 0, 31, 12) / 1000;
    assert.equal(new Date(addInterval(jan31, "month") * 1000).toISOString(), "2026-02-28T12:00:00.000Z");
    assert.equal(new Date(addInterval(jan31, "year") * 1000).toISOString(), "2027-01-31T12:00:00.000Z");
  });
});

describe("API objects through the stripe SDK", () => {
  it("creates an express account that is not yet enabled, and an onboarding link", async () => {
    const account = await stripe.accounts.create({
      type: "express",
      email: "creator@example.com",
      metadata: { creator_id: "c_1" },
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    });
    assert.match(account.id, /^acct_/);
    assert.equal(account.object, "account");
    assert.equal(account.charges_enabled, false);
    assert.equal(account.payouts_enabled, false);
    assert.equal(account.details_submitted, false);
    assert.deepEqual(account.metadata, { creator_id: "c_1" });

    const link = await stripe.accountLinks.create({
      account: account.id,
      refresh_url: "http://localhost:8787/onboarding/refresh",
      return_url: "http://localhost:8787/onboarding/return",
      type: "account_onboarding",
    });
    assert.equal(link.object, "account_link");
    assert.match(link.url, new RegExp(`^${emu.url}/connect/onboarding/`));
    assert.ok(link.expires_at > Math.floor(Date.now() / 1000));

    const updated = await stripe.accounts.update(account.id, { metadata: { plan: "pro" } });
    assert.deepEqual(updated.metadata, { creator_id: "c_1", plan: "pro" });
    assert.equal((await stripe.accounts.retrieve(account.id)).id, account.id);
  });

  it("creates accounts from controller properties", async () => {
    const account = await stripe.accounts.create({
      controller: { fees: { payer: "application" }, losses: { payments: "application" }, stripe_dashboard: { type: "express" } },
    });
    assert.equal(account.type, "express");
    assert.equal(account.controller.stripe_dashboard.type, "express");
  });

  it("creates products, prices (fixed, recurring, pay-what-you-want) and lists prices by product", async () => {
    const product = await stripe.products.create({ name: "Zine", metadata: { app: "shop" } });
    assert.match(product.id, /^prod_/);
    const fixed = await stripe.prices.create({ product: product.id, unit_amount: 1200, currency: "usd" });
    const monthly = await stripe.prices.create({
      product: product.id,
      unit_amount: 500,
      currency: "usd",
      recurring: { interval: "month" },
    });
    const pwyw = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      custom_unit_amount: { enabled: true, minimum: 300, preset: 500 },
    });
    assert.equal(fixed.type, "one_time");
    assert.equal(monthly.type, "recurring");
    assert.equal(monthly.recurring.interval, "month");
    assert.deepEqual(pwyw.custom_unit_amount, { maximum: null, minimum: 300, preset: 500 });
    assert.equal(pwyw.unit_amount, null);

    const inline = await stripe.prices.create({ product_data: { name: "Inline" }, unit_amount: 100, currency: "usd" });
    assert.match(inline.product, /^prod_/);

    await stripe.prices.update(fixed.id, { active: false });
    const all = await stripe.prices.list({ product: product.id });
    assert.equal(all.data.length, 3);
    const active = await stripe.prices.list({ product: product.id, active: true, expand: ["data.product"] });
    assert.equal(active.data.length, 2);
    assert.equal(active.data[0].product.name, "Zine");

    const renamed = await stripe.products.update(product.id, { name: "Zine #2", active: false });
    assert.equal(renamed.name, "Zine #2");
    assert.equal(renamed.active, false);
  });

  it("auto-paginates lists", async () => {
    for (let i = 0; i < 5; i++) await stripe.customers.create({ email: `p${i}@example.com` });
    const seen = [];
    for await (const c of stripe.customers.list({ limit: 2 })) seen.push(c.email);
    assert.deepEqual(seen, ["p4@example.com", "p3@example.com", "p2@example.com", "p1@example.com", "p0@example.com"]);
  });

  it("creates and updates customers with metadata semantics", async () => {
    const customer = await stripe.customers.create({ email: "fan@example.com", metadata: { user_id: "u_1", x: "y" } });
    assert.match(customer.id, /^cus_/);
    const updated = await stripe.customers.update(customer.id, { name: "Fan", metadata: { x: "" } });
    assert.equal(updated.name, "Fan");
    assert.deepEqual(updated.metadata, { user_id: "u_1" });
    const found = await stripe.customers.list({ email: "fan@example.com" });
    assert.equal(found.data[0].id, customer.id);
  });

  it("creates a payment-mode checkout session with a destination charge", async () => {
    const account = await onboardedAccount();
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 2000, product_data: { name: "Workshop seat" } }, quantity: 2 }],
      customer_email: "buyer@example.com",
      client_reference_id: "order_1",
      metadata: { order_id: "order_1" },
      success_url: "http://localhost:8787/thanks?session={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:8787/cancel",
      payment_intent_data: {
        application_fee_amount: 320,
        transfer_data: { destination: account.id },
        metadata: { order_id: "order_1" },
      },
    });
    assert.match(session.id, /^cs_test_/);
    assert.equal(session.object, "checkout.session");
    assert.equal(session.status, "open");
    assert.equal(session.payment_status, "unpaid");
    assert.equal(session.amount_total, 4000);
    assert.equal(session.url, `${emu.url}/checkout/pay/${session.id}`);
    assert.equal(session.livemode, false);

    const withItems = await stripe.checkout.sessions.retrieve(session.id, { expand: ["line_items"] });
    assert.equal(withItems.line_items.data[0].quantity, 2);
    assert.equal(withItems.line_items.data[0].description, "Workshop seat");
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    assert.equal(items.data[0].amount_total, 4000);
  });

  it("rejects destination charges to accounts that have not finished onboarding", async () => {
    const account = await stripe.accounts.create({ type: "express" });
    await assert.rejects(
      stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [{ price_data: { currency: "usd", unit_amount: 500, product_data: { name: "X" } }, quantity: 1 }],
        success_url: "http://localhost/s",
        payment_intent_data: { application_fee_amount: 40, transfer_data: { destination: account.id } },
      }),
      (err) => err instanceof Stripe.errors.StripeInvalidRequestError && err.param === "payment_intent_data[transfer_data][destination]",
    );
  });

  it("validates expires_at and surfaces it as StripeInvalidRequestError", async () => {
    const base = {
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 500, product_data: { name: "X" } }, quantity: 1 }],
      success_url: "http://localhost/s",
    };
    const t = Math.floor(Date.now() / 1000);
    for (const expires_at of [t + 60, t + 25 * 3600]) {
      await assert.rejects(stripe.checkout.sessions.create({ ...base, expires_at }), (err) => {
        assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
        assert.equal(err.type, "StripeInvalidRequestError");
        assert.equal(err.statusCode, 400);
        assert.equal(err.param, "expires_at");
        assert.match(err.message, /expires_at/);
        return true;
      });
    }
    const ok = await stripe.checkout.sessions.create({ ...base, expires_at: t + 31 * 60 });
    assert.equal(ok.expires_at, t + 31 * 60);
  });

  it("returns Stripe-style errors for missing objects, bad params, unknown URLs and missing keys", async () => {
    await assert.rejects(stripe.prices.retrieve("price_missing"), (err) => {
      assert.ok(err instanceof Stripe.errors.StripeInvalidRequestError);
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, "resource_missing");
      return true;
    });
    await assert.rejects(stripe.products.create({}), (err) => err.param === "name" && err.statusCode === 400);
    await assert.rejects(
      stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [{ price: "price_nope", quantity: 1 }],
        success_url: "http://localhost/s",
      }),
      (err) => err.param === "line_items[0][price]" && err.statusCode === 400,
    );
    const unknown = await fetch(`${emu.url}/v1/nothing_here`, { headers: { Authorization: "Bearer sk_test_x" } });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.type, "invalid_request_error");
    const malformed = await fetch(`${emu.url}/v1/customers`, {
      method: "POST",
      headers: { Authorization: "Bearer sk_test_x", "Content-Type": "application/x-www-form-urlencoded" },
      body: "metadata=notanobject&email[a]=b",
    });
    assert.equal(malformed.status, 400);
    const unauth = sdk(emu.port);
    unauth._authenticator = async (req) => void req; // no Authorization header
    await assert.rejects(unauth.customers.list(), Stripe.errors.StripeAuthenticationError);
  });

  it("validates a whole request before creating anything", async () => {
    await assert.rejects(
      stripe.prices.create({ product_data: { name: "Orphan" }, currency: "usd", unit_amount: -1 }),
      (err) => err.param === "unit_amount",
    );
    await assert.rejects(
      stripe.checkout.sessions.create({
        mode: "payment",
        line_items: [
          { price_data: { currency: "usd", unit_amount: 500, product_data: { name: "A" } }, quantity: 1 },
          { price_data: { currency: "usd", unit_amount: 500, product_data: { name: "B" }, recurring: { interval: "month" } }, quantity: 1 },
        ],
        success_url: "http://localhost/s",
      }),
      (err) => err.param === "line_items[1][price]",
    );
    assert.equal((await stripe.products.list()).data.length, 0);
    assert.equal((await events()).length, 0);
  });

  it("tags objects created with a Stripe-Account header and their events with that account", async () => {
    const account = await onboardedAccount();
    const customer = await stripe.customers.create({ email: "direct@example.com" }, { stripeAccount: account.id });
    const [record] = await events("customer.created");
    assert.equal(record.event.account, account.id);
    assert.equal(record.event.data.object.id, customer.id);
    await assert.rejects(
      stripe.customers.create({ email: "x@example.com" }, { stripeAccount: "acct_missing" }),
      Stripe.errors.StripePermissionError,
    );
  });

  it("honours Idempotency-Key: same key and params replay, different params fail", async () => {
    const first = await stripe.customers.create({ email: "once@example.com" }, { idempotencyKey: "key-1" });
    const again = await stripe.customers.create({ email: "once@example.com" }, { idempotencyKey: "key-1" });
    assert.equal(again.id, first.id);
    const headers = again.lastResponse.headers; // a fetch Headers with the fetch http client
    assert.equal(headers.get?.("idempotent-replayed") ?? headers["idempotent-replayed"], "true");
    assert.equal((await stripe.customers.list()).data.length, 1);
    await assert.rejects(
      stripe.customers.create({ email: "other@example.com" }, { idempotencyKey: "key-1" }),
      Stripe.errors.StripeIdempotencyError,
    );
    const other = await stripe.customers.create({ email: "once@example.com" }, { idempotencyKey: "key-2" });
    assert.notEqual(other.id, first.id);
  });
});

describe("checkout payment and webhooks", () => {
  async function paymentSession(extra = {}) {
    const account = await onboardedAccount();
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 2500, product_data: { name: "Print" } }, quantity: 1 }],
      success_url: "http://localhost:8787/thanks?session={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:8787/cancel",
      metadata: { order_id: "o_9" },
      payment_intent_data: { application_fee_amount: 200, transfer_data: { destination: account.id }, metadata: { order_id: "o_9" } },
      ...extra,
    });
    return { account, session };
  }

  it("pays via the control endpoint and emits a signed checkout.session.completed", async () => {
    const { account, session } = await paymentSession({ customer_email: "buyer@example.com" });
    const paid = await control(`checkout/${session.id}/pay`);
    assert.equal(paid.status, 200);
    assert.equal(paid.body.object.status, "complete");
    assert.deepEqual(
      paid.body.events.map((e) => e.type),
      ["checkout.session.completed", "charge.succeeded", "payment_intent.succeeded"],
    );

    const [record] = await events("checkout.session.completed");
    const event = stripe.webhooks.constructEvent(record.payload, record.signature, SECRET);
    assert.equal(event.type, "checkout.session.completed");
    assert.match(event.id, /^evt_/);
    assert.equal(event.data.object.id, session.id);
    assert.equal(event.data.object.payment_status, "paid");
    assert.equal(event.data.object.metadata.order_id, "o_9");
    assert.equal(event.livemode, false);
    assert.ok(event.api_version);
    const asyncEvent = await stripe.webhooks.constructEventAsync(
      record.payload,
      record.signature,
      SECRET,
      undefined,
      Stripe.createSubtleCryptoProvider(),
    );
    assert.equal(asyncEvent.id, event.id);

    const pi = await stripe.paymentIntents.retrieve(event.data.object.payment_intent, { expand: ["latest_charge"] });
    assert.equal(pi.status, "succeeded");
    assert.equal(pi.amount, 2500);
    assert.equal(pi.application_fee_amount, 200);
    assert.equal(pi.transfer_data.destination, account.id);
    assert.deepEqual(pi.metadata, { order_id: "o_9" });
    assert.equal(pi.latest_charge.amount, 2500);
    assert.match(pi.latest_charge.id, /^ch_/);
  });

  it("enforces the pay-what-you-want minimum and records the chosen amount", async () => {
    const price = await stripe.prices.create({
      product_data: { name: "Tip jar" },
      currency: "usd",
      custom_unit_amount: { enabled: true, minimum: 300 },
    });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost/s",
    });
    const tooLow = await control(`checkout/${session.id}/pay`, { amount: 299 });
    assert.equal(tooLow.status, 400);
    assert.equal(tooLow.body.error.param, "amount");
    const ok = await control(`checkout/${session.id}/pay`, { amount: 750 });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.object.amount_total, 750);
    const pi = await stripe.paymentIntents.retrieve(ok.body.object.payment_intent);
    assert.equal(pi.amount, 750);
  });

  it("declines without completing, and expires with checkout.session.expired", async () => {
    const { session } = await paymentSession();
    const declined = await control(`checkout/${session.id}/decline`);
    assert.equal(declined.body.error.code, "card_declined");
    assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, "open");
    assert.equal((await events("checkout.session.completed")).length, 0);

    const expired = await stripe.checkout.sessions.expire(session.id);
    assert.equal(expired.status, "expired");
    assert.equal((await events("checkout.session.expired")).length, 1);
    await assert.rejects(stripe.checkout.sessions.expire(session.id), Stripe.errors.StripeInvalidRequestError);
    assert.equal((await control(`checkout/${session.id}/pay`)).status, 400);
  });

  it("refunds: charge.refunded carries the charge, partial then full, over-refund fails", async () => {
    const { session } = await paymentSession();
    const paid = await control(`checkout/${session.id}/pay`);
    const piId = paid.body.object.payment_intent;
    const partial = await stripe.refunds.create({
      payment_intent: piId,
      amount: 1000,
      refund_application_fee: true,
      reverse_transfer: true,
    });
    assert.match(partial.id, /^re_/);
    assert.equal(partial.amount, 1000);
    assert.equal(partial.status, "succeeded");
    await assert.rejects(stripe.refunds.create({ payment_intent: piId, amount: 5000 }), Stripe.errors.StripeInvalidRequestError);
    const rest = await stripe.refunds.create({ payment_intent: piId });
    assert.equal(rest.amount, 1500);

    const refunded = await events("charge.refunded");
    assert.equal(refunded.length, 2);
    const last = stripe.webhooks.constructEvent(refunded[1].payload, refunded[1].signature, SECRET);
    assert.equal(last.data.object.object, "charge");
    assert.equal(last.data.object.amount_refunded, 2500);
    assert.equal(last.data.object.refunded, true);
    assert.equal(last.data.previous_attributes.amount_refunded, 1000);
    await assert.rejects(stripe.refunds.create({ payment_intent: piId }), (err) => err.code === "charge_already_refunded");
  });

  it("refunds: the fee and transfer come back only with refund_application_fee / reverse_transfer, in proportion, rounded", async () => {
    const account = await onboardedAccount();
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1231, product_data: { name: "Zine" } }, quantity: 1 }],
      success_url: "http://localhost:8787/thanks",
      cancel_url: "http://localhost:8787/cancel",
      payment_intent_data: { application_fee_amount: 98, transfer_data: { destination: account.id } },
    });
    const piId = (await control(`checkout/${session.id}/pay`)).body.object.payment_intent;
    const charge = async () =>
      stripe.charges.retrieve((await stripe.paymentIntents.retrieve(piId)).latest_charge, { expand: ["application_fee", "transfer"] });

    // As Stripe's dashboard refunds: neither the fee nor the transfer comes back (the platform pays).
    const dash = await stripe.refunds.create({ payment_intent: piId, amount: 60 });
    assert.equal(dash.transfer_reversal, null);
    let ch = await charge();
    assert.equal(ch.application_fee.amount_refunded, 0);
    assert.equal(ch.transfer.amount_reversed, 0);

    // With the flags: 98 × 7 / 1231 = 0.56 → 1 cent of fee; 1133 × 7 / 1231 = 6.44 → 6 cents of transfer.
    const part = await stripe.refunds.create({ payment_intent: piId, amount: 7, refund_application_fee: true, reverse_transfer: true });
    ch = await charge();
    assert.equal(ch.application_fee.amount_refunded, 1);
    assert.equal(ch.application_fee.refunds.data[0].amount, 1);
    assert.equal(ch.transfer.amount_reversed, 6);
    assert.equal(ch.transfer.reversals.data[0].id, part.transfer_reversal);
    assert.equal(ch.transfer.reversals.data[0].source_refund, part.id);
    assert.equal((await events("application_fee.refunded")).length, 1);
    assert.equal((await events("transfer.reversed")).length, 1);

    // The rest (1164 of 1231): proportional again, 98 × 1164 / 1231 = 92.67 → 93; 1133 × 1164 / 1231 = 1071.3 → 1071.
    await stripe.refunds.create({ payment_intent: piId, refund_application_fee: true, reverse_transfer: true });
    ch = await charge();
    assert.equal(ch.refunded, true);
    assert.equal(ch.application_fee.amount_refunded, 94);
    assert.equal(ch.transfer.amount_reversed, 1077);
  });

  it("emits charge.dispute.created from the control endpoint", async () => {
    const { session } = await paymentSession();
    const paid = await control(`checkout/${session.id}/pay`);
    const pi = await stripe.paymentIntents.retrieve(paid.body.object.payment_intent);
    const dispute = await control(`charges/${pi.latest_charge}/dispute`);
    assert.equal(dispute.body.object.object, "dispute");
    const [record] = await events("charge.dispute.created");
    assert.equal(JSON.parse(record.payload).data.object.charge, pi.latest_charge);
  });

  it("closes a dispute as won or lost with charge.dispute.closed, once", async () => {
    const { session } = await paymentSession();
    const paid = await control(`checkout/${session.id}/pay`);
    const opened = await control(`charges/${paid.body.object.payment_intent}/dispute`);
    const closed = await control(`disputes/${opened.body.object.id}/close`, { status: "lost" });
    assert.equal(closed.body.object.status, "lost");
    assert.equal((await stripe.disputes.retrieve(opened.body.object.id)).status, "lost");
    const record = (await events("charge.dispute.closed")).find((r) => JSON.parse(r.payload).data.object.id === opened.body.object.id);
    assert.equal(JSON.parse(record.payload).data.object.status, "lost");
    const again = await control(`disputes/${opened.body.object.id}/close`, { status: "won" });
    assert.equal(again.status, 400);
  });

  it("updates a dispute: staged evidence, then submitted (under_review) with charge.dispute.updated; closed takes metadata only", async () => {
    const { session } = await paymentSession();
    const paid = await control(`checkout/${session.id}/pay`);
    const opened = await control(`charges/${paid.body.object.payment_intent}/dispute`);
    const id = opened.body.object.id;
    const staged = await stripe.disputes.update(id, { evidence: { uncategorized_text: "Logs attached" }, submit: false });
    assert.equal(staged.status, "needs_response");
    assert.equal(staged.evidence.uncategorized_text, "Logs attached");
    const submitted = await stripe.disputes.update(id, { submit: true, metadata: { case: "7" } });
    assert.equal(submitted.status, "under_review");
    assert.equal(submitted.evidence_details.submission_count, 1);
    assert.equal(submitted.metadata.case, "7");
    const updates = (await events("charge.dispute.updated")).filter((r) => JSON.parse(r.payload).data.object.id === id);
    assert.deepEqual(
      updates.map((r) => JSON.parse(r.payload).data.object.status),
      ["needs_response", "under_review"],
    );
    assert.equal(JSON.parse(updates[1].payload).data.previous_attributes.status, "needs_response");
    await control(`disputes/${id}/close`, { status: "won" });
    await assert.rejects(stripe.disputes.update(id, { evidence: { uncategorized_text: "More" } }), /already closed/);
    assert.equal((await stripe.disputes.update(id, { metadata: { case: "8" } })).metadata.case, "8");
  });
});

describe("subscription lifecycle", () => {
  it("creates subscription, invoice and completed session with fees and periods", async () => {
    const { account, session, subscription } = await paidSubscription({ unitAmount: 1025, feePercent: 10 });
    assert.equal(session.status, "complete");
    assert.match(session.subscription, /^sub_/);
    assert.match(session.customer, /^cus_/);
    assert.equal(subscription.status, "active");
    assert.equal(subscription.cancel_at_period_end, false);
    assert.equal(subscription.application_fee_percent, 10);
    assert.equal(subscription.transfer_data.destination, account.id);
    assert.deepEqual(subscription.metadata, { tier_id: "tier_1" });
    const item = subscription.items.data[0];
    assert.equal(item.price.unit_amount, 1025);
    assert.equal(item.current_period_start, subscription.current_period_start);
    assert.equal(item.current_period_end, subscription.current_period_end);
    assert.equal(subscription.current_period_end, addInterval(subscription.current_period_start, "month"));

    const invoice = await stripe.invoices.retrieve(subscription.latest_invoice);
    assert.equal(invoice.status, "paid");
    assert.equal(invoice.amount_paid, 1025);
    assert.equal(invoice.billing_reason, "subscription_create");
    assert.equal(invoice.application_fee_amount, 103);
    assert.equal(invoice.subscription, subscription.id);
    assert.equal(invoice.parent.subscription_details.subscription, subscription.id);
    assert.equal(invoice.lines.data[0].amount, 1025);

    const types = (await events()).map((r) => r.event.type);
    const order = ["customer.subscription.created", "invoice.paid", "checkout.session.completed"].map((t) => types.indexOf(t));
    assert.ok(order.every((i) => i >= 0) && order[0] < order[1] && order[1] < order[2], types.join(", "));
    const listed = await stripe.invoices.list({ subscription: subscription.id });
    assert.equal(listed.data.length, 1);
    const byCustomer = await stripe.subscriptions.list({ customer: session.customer });
    assert.equal(byCustomer.data[0].id, subscription.id);
  });

  it("starts trialing with nothing charged when trial_period_days is set", async () => {
    const { session, subscription } = await paidSubscription({ trialDays: 7 });
    assert.equal(subscription.status, "trialing");
    assert.equal(session.payment_status, "no_payment_required");
    assert.equal(subscription.trial_end - subscription.trial_start, 7 * 86400);
    assert.equal((await stripe.invoices.retrieve(subscription.latest_invoice)).amount_paid, 0);
  });

  it("renews, fails a payment, recovers, then cancels — each with signed events", async () => {
    const { subscription } = await paidSubscription();

    await control(`subscriptions/${subscription.id}/renew`);
    const renewed = await stripe.subscriptions.retrieve(subscription.id);
    assert.equal(renewed.current_period_start, subscription.current_period_end);
    const [paidRenewal] = (await events("invoice.paid")).slice(-1);
    const renewalInvoice = stripe.webhooks.constructEvent(paidRenewal.payload, paidRenewal.signature, SECRET).data.object;
    assert.equal(renewalInvoice.billing_reason, "subscription_cycle");
    assert.equal(renewalInvoice.lines.data[0].period.end, renewed.current_period_end);
    const [update] = await events("customer.subscription.updated");
    assert.equal(update.event.data.object.current_period_start, renewed.current_period_start);
    assert.equal(update.event.data.previous_attributes.current_period_start, subscription.current_period_start);

    await control(`subscriptions/${subscription.id}/fail_payment`);
    const pastDue = await stripe.subscriptions.retrieve(subscription.id);
    assert.equal(pastDue.status, "past_due");
    const [failed] = await events("invoice.payment_failed");
    const failedInvoice = stripe.webhooks.constructEvent(failed.payload, failed.signature, SECRET).data.object;
    assert.equal(failedInvoice.status, "open");
    assert.equal(failedInvoice.amount_paid, 0);
    assert.equal((await events("customer.subscription.updated")).at(-1).event.data.object.status, "past_due");

    await control(`subscriptions/${subscription.id}/renew`); // retry succeeds
    assert.equal((await stripe.subscriptions.retrieve(subscription.id)).status, "active");
    assert.equal((await stripe.invoices.retrieve(failedInvoice.id)).status, "paid");

    const scheduled = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    assert.equal(scheduled.cancel_at_period_end, true);
    assert.equal((await events("customer.subscription.updated")).at(-1).event.data.previous_attributes.cancel_at_period_end, false);
    const resumed = await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    assert.equal(resumed.cancel_at, null);

    const canceled = await control(`subscriptions/${subscription.id}/cancel`);
    assert.equal(canceled.body.object.status, "canceled");
    const [deleted] = await events("customer.subscription.deleted");
    const deletedEvent = stripe.webhooks.constructEvent(deleted.payload, deleted.signature, SECRET);
    assert.equal(deletedEvent.data.object.id, subscription.id);
    assert.equal(deletedEvent.data.object.status, "canceled");
    assert.equal((await stripe.subscriptions.list({ customer: subscription.customer })).data.length, 0);
    assert.equal((await stripe.subscriptions.list({ customer: subscription.customer, status: "all" })).data.length, 1);
  });

  it("ends a subscription set to cancel at period end when the period renews", async () => {
    const { subscription } = await paidSubscription();
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await control(`subscriptions/${subscription.id}/renew`);
    const ended = await stripe.subscriptions.retrieve(subscription.id);
    assert.equal(ended.status, "canceled");
    assert.equal(ended.ended_at, subscription.current_period_end);
    assert.equal((await events("customer.subscription.deleted")).length, 1);
  });

  it("cancels immediately with DELETE and changes price by item id", async () => {
    const { subscription } = await paidSubscription();
    const other = await stripe.prices.create({
      product: subscription.items.data[0].price.product,
      unit_amount: 2000,
      currency: "usd",
      recurring: { interval: "month" },
    });
    const swapped = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0].id, price: other.id }],
      proration_behavior: "none",
    });
    assert.equal(swapped.items.data.length, 1);
    assert.equal(swapped.items.data[0].price.id, other.id);
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    assert.equal(canceled.status, "canceled");
    assert.deepEqual(
      (await events()).slice(-1).map((r) => r.event.type),
      ["customer.subscription.deleted"],
    );
  });
});

describe("webhook delivery", () => {
  it("delivers in order, retries after a 500, and each attempt verifies", async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
    try {
      await control("config", { webhookUrl: receiver.url });
      const account = await stripe.accounts.create({ type: "express" });
      const done = await control(`accounts/${account.id}/complete_onboarding`);
      assert.equal(done.body.events[0].type, "account.updated");
      assert.equal(done.body.events[0].delivered, true);
      assert.equal(done.body.events[0].attempts, 2);

      assert.equal(receiver.requests.length, 2);
      for (const req of receiver.requests) {
        assert.equal(req.headers["content-type"], "application/json; charset=utf-8");
        const event = stripe.webhooks.constructEvent(req.body, req.headers["stripe-signature"], SECRET);
        assert.equal(event.type, "account.updated");
        assert.equal(event.account, account.id); // Connect events name the connected account
        assert.equal(event.data.object.charges_enabled, true);
        assert.equal(event.data.previous_attributes.charges_enabled, false);
      }
      const [record] = await events("account.updated");
      assert.deepEqual(
        record.deliveries.map((d) => d.status),
        [500, 200],
      );
    } finally {
      await receiver.close();
    }
  });

  it("never blocks API responses, keeps order, and redelivers on resend", async () => {
    const receiver = await startReceiver();
    try {
      await control("config", { webhookUrl: receiver.url });
      for (let i = 0; i < 3; i++) await stripe.customers.create({ email: `c${i}@example.com` });
      await control("flush");
      const received = receiver.requests.map((r) => JSON.parse(r.body));
      assert.deepEqual(
        received.map((e) => e.data.object.email),
        ["c0@example.com", "c1@example.com", "c2@example.com"],
      );

      const resent = await control(`events/${received[0].id}/resend`);
      assert.equal(resent.status, 200);
      assert.equal(receiver.requests.length, 4);
      const dup = receiver.requests[3];
      assert.equal(stripe.webhooks.constructEvent(dup.body, dup.headers["stripe-signature"], SECRET).id, received[0].id);
    } finally {
      await receiver.close();
    }
  });

  it("gives up after three attempts against a dead endpoint but still records the event", async () => {
    await control("config", { webhookUrl: "http://127.0.0.1:9/unreachable" });
    await stripe.customers.create({ email: "dead@example.com" });
    await control("flush");
    const [record] = await events("customer.created");
    assert.equal(record.deliveries.length, 3);
    assert.ok(record.deliveries.every((d) => !d.ok));
  });

  it("delivers only enabledEvents when configured, recording everything", async () => {
    const receiver = await startReceiver();
    try {
      await control("config", { webhookUrl: receiver.url, enabledEvents: ["account.updated"] });
      const account = await stripe.accounts.create({ type: "express" });
      await stripe.customers.create({ email: "skip@example.com" });
      await control(`accounts/${account.id}/complete_onboarding`);
      await control("flush");
      assert.deepEqual(
        receiver.requests.map((r) => JSON.parse(r.body).type),
        ["account.updated"],
      );
      assert.equal((await events("customer.created")).length, 1);
    } finally {
      await control("config", { enabledEvents: "*" });
      await receiver.close();
    }
  });

  it("records without delivering when webhookUrl is null", async () => {
    const receiver = await startReceiver();
    try {
      await control("config", { webhookUrl: null });
      await stripe.customers.create({ email: "quiet@example.com" });
      await control("flush");
      assert.equal(receiver.requests.length, 0);
      assert.equal((await events("customer.created")).length, 1);
    } finally {
      await receiver.close();
    }
  });
});

describe("hosted pages", () => {
  const form = (fields) => ({
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

  it("checkout page: Decline card keeps the session open, Pay redirects to success_url", async () => {
    const account = await onboardedAccount();
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1500, product_data: { name: "Ebook" } }, quantity: 1 }],
      success_url: "http://localhost:8787/thanks?session={CHECKOUT_SESSION_ID}",
      cancel_url: "http://localhost:8787/cancel",
      payment_intent_data: { application_fee_amount: 120, transfer_data: { destination: account.id } },
    });
    const page = await (await fetch(session.url)).text();
    for (const label of [">Pay<", ">Decline card<", ">Abandon<", "Ebook", "$15.00"]) assert.ok(page.includes(label), label);

    const declined = await fetch(session.url, form({ action: "decline", email: "b@example.com" }));
    assert.equal(declined.status, 200);
    assert.match(await declined.text(), /role="alert">Your card was declined/);
    assert.equal((await stripe.checkout.sessions.retrieve(session.id)).status, "open");

    const paid = await fetch(session.url, form({ action: "pay", email: "b@example.com" }));
    assert.equal(paid.status, 303);
    assert.equal(paid.headers.get("location"), `http://localhost:8787/thanks?session=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id);
    assert.equal(done.status, "complete");
    assert.equal(done.customer_details.email, "b@example.com");
  });

  it("checkout page: Abandon expires the session and redirects to cancel_url", async () => {
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 1500, product_data: { name: "Ebook" } }, quantity: 1 }],
      success_url: "http://localhost:8787/thanks",
      cancel_url: "http://localhost:8787/cancel",
    });
    const res = await fetch(session.url, form({ action: "abandon" }));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "http://localhost:8787/cancel");
    assert.equal((await events("checkout.session.expired")).length, 1);
  });

  it("checkout page: pay-what-you-want asks for an amount and enforces the minimum", async () => {
    const price = await stripe.prices.create({
      product_data: { name: "Tip" },
      currency: "usd",
      custom_unit_amount: { enabled: true, minimum: 500 },
    });
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost/s",
    });
    assert.match(await (await fetch(session.url)).text(), /name="amount"/);
    const low = await fetch(session.url, form({ action: "pay", amount: "4.99" }));
    assert.match(await low.text(), /at least \$5\.00/);
    const ok = await fetch(session.url, form({ action: "pay", amount: "12.50" }));
    assert.equal(ok.status, 303);
    assert.equal((await stripe.checkout.sessions.retrieve(session.id)).amount_total, 1250);
  });

  it("onboarding link: Complete onboarding enables the account; links are single-use", async () => {
    const account = await stripe.accounts.create({ type: "express" });
    const link = await stripe.accountLinks.create({
      account: account.id,
      refresh_url: "http://localhost:8787/refresh",
      return_url: "http://localhost:8787/return",
      type: "account_onboarding",
    });
    const page = await (await fetch(link.url)).text();
    assert.ok(page.includes(">Complete onboarding<") && page.includes(">Leave for later<"));
    const again = await fetch(link.url, { redirect: "manual" });
    assert.equal(again.status, 303);
    assert.equal(again.headers.get("location"), "http://localhost:8787/refresh");

    const done = await fetch(link.url, form({ action: "complete" }));
    assert.equal(done.status, 303);
    assert.equal(done.headers.get("location"), "http://localhost:8787/return");
    const enabled = await stripe.accounts.retrieve(account.id);
    assert.equal(enabled.charges_enabled, true);
    assert.equal(enabled.payouts_enabled, true);
    assert.equal(enabled.details_submitted, true);
    const [record] = await events("account.updated");
    assert.equal(record.event.account, account.id);
  });

  it("onboarding link: Leave for later returns without completing", async () => {
    const account = await stripe.accounts.create({ type: "express" });
    const link = await stripe.accountLinks.create({
      account: account.id,
      refresh_url: "http://localhost/r",
      return_url: "http://localhost/ret",
      type: "account_onboarding",
    });
    await fetch(link.url);
    const later = await fetch(link.url, form({ action: "later" }));
    assert.equal(later.headers.get("location"), "http://localhost/ret");
    assert.equal((await stripe.accounts.retrieve(account.id)).charges_enabled, false);
  });

  it("billing portal: cancel at period end and resume emit customer.subscription.updated", async () => {
    const { subscription } = await paidSubscription();
    const portal = await stripe.billingPortal.sessions.create({
      customer: subscription.customer,
      return_url: "http://localhost:8787/account",
    });
    assert.match(portal.id, /^bps_/);
    assert.equal(portal.url, `${emu.url}/billing/portal/${portal.id}`);
    const page = await (await fetch(portal.url)).text();
    for (const label of [">Cancel at period end<", ">Update card<", ">Return<"]) assert.ok(page.includes(label), label);

    const cancel = await fetch(portal.url, form({ subscription: subscription.id, action: "cancel" }));
    assert.equal(cancel.status, 303);
    assert.equal((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end, true);
    assert.ok((await (await fetch(portal.url)).text()).includes(">Resume<"));
    await fetch(portal.url, form({ subscription: subscription.id, action: "resume" }));
    assert.equal((await stripe.subscriptions.retrieve(subscription.id)).cancel_at_period_end, false);
    const updates = await events("customer.subscription.updated");
    assert.deepEqual(
      updates.map((r) => r.event.data.object.cancel_at_period_end),
      [true, false],
    );
  });
});

describe("fault injection: timeout", () => {
  it("does the work but answers only after delayMs, replays included, so the SDK times out", async () => {
    await control("faults", { path: "/v1/products", match: "Slow product", kind: "timeout", delayMs: 1500 });
    const impatient = new Stripe("sk_test_emulator", {
      host: "127.0.0.1",
      port: emu.port,
      protocol: "http",
      httpClient: Stripe.createFetchHttpClient(),
      maxNetworkRetries: 0,
      timeout: 300,
    });
    await assert.rejects(
      impatient.products.create({ name: "Slow product" }, { idempotencyKey: "slow-1" }),
      (e) => e.type === "StripeConnectionError",
    );
    // Stripe did it: the product exists, and the same request again is held too.
    assert.equal((await events("product.created")).filter((r) => r.event.data.object.name === "Slow product").length, 1);
    await assert.rejects(
      impatient.products.create({ name: "Slow product" }, { idempotencyKey: "slow-1" }),
      (e) => e.type === "StripeConnectionError",
    );
    // A patient client gets the answer (the same product) once the delay has passed.
    const p = await stripe.products.create({ name: "Slow product" }, { idempotencyKey: "slow-1" });
    assert.equal(p.name, "Slow product");
    assert.equal((await events("product.created")).filter((r) => r.event.data.object.name === "Slow product").length, 1);
    await fetch(`${emu.url}/_emulator/faults`, { method: "DELETE" });
  });
});
