// Connect transfers (platform → connected account) and their reversals through the real stripe SDK.
//   node --test tools/stripe-emulator/transfers.test.mjs

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

/** A paid destination charge of 1999 to `seller`: returns the charge. */
async function paidCharge(seller) {
  const s = await stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [{ price_data: { currency: "usd", unit_amount: 1999, product_data: { name: "Prompts" } }, quantity: 1 }],
    success_url: "http://localhost:8787/thanks",
    payment_intent_data: { application_fee_amount: 160, transfer_data: { destination: seller.id } },
  });
  const paid = await control(`checkout/${s.id}/pay`, {});
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const done = await stripe.checkout.sessions.retrieve(s.id);
  const pi = await stripe.paymentIntents.retrieve(done.payment_intent);
  return stripe.charges.retrieve(pi.latest_charge);
}

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

describe("transfers", () => {
  it("creates, retrieves and lists transfers to a connected account, idempotently per key", async () => {
    const affiliate = await onboardedAccount();
    const other = await onboardedAccount();
    const t = await stripe.transfers.create(
      { amount: 337, currency: "usd", destination: affiliate.id, transfer_group: "batch_1", metadata: { batch: "b1" } },
      { idempotencyKey: "payout-b1" },
    );
    assert.equal(t.object, "transfer");
    assert.equal(t.amount, 337);
    assert.equal(t.amount_reversed, 0);
    assert.equal(t.destination, affiliate.id);
    assert.equal(t.source_transaction, null);
    assert.deepEqual(t.metadata, { batch: "b1" });
    const again = await stripe.transfers.create(
      { amount: 337, currency: "usd", destination: affiliate.id, transfer_group: "batch_1", metadata: { batch: "b1" } },
      { idempotencyKey: "payout-b1" },
    );
    assert.equal(again.id, t.id, "the same idempotency key returns the same transfer");
    await stripe.transfers.create({ amount: 5, currency: "usd", destination: other.id });
    const mine = await stripe.transfers.list({ destination: affiliate.id });
    assert.deepEqual(
      mine.data.map((x) => x.id),
      [t.id],
    );
    assert.equal((await stripe.transfers.retrieve(t.id)).amount, 337);
    const grouped = await stripe.transfers.list({ transfer_group: "batch_1" });
    assert.equal(grouped.data.length, 1);
  });

  it("refuses a missing destination, a bad amount and a source charge that hasn't enough left", async () => {
    const affiliate = await onboardedAccount();
    await assert.rejects(stripe.transfers.create({ amount: 100, currency: "usd", destination: "acct_nope" }), /No such destination/);
    await assert.rejects(stripe.transfers.create({ amount: 0, currency: "usd", destination: affiliate.id }), /positive integer/);
    await assert.rejects(
      stripe.transfers.create({ currency: "usd", destination: affiliate.id }),
      (e) => e.type === "StripeInvalidRequestError" && /amount/.test(e.message),
    );
    const seller = await onboardedAccount();
    const charge = await paidCharge(seller);
    const ok = await stripe.transfers.create({ amount: 1000, currency: "usd", destination: affiliate.id, source_transaction: charge.id });
    assert.equal(ok.source_transaction, charge.id);
    await assert.rejects(
      stripe.transfers.create({ amount: 1000, currency: "usd", destination: affiliate.id, source_transaction: charge.id }),
      /Insufficient funds in the source transaction/,
    );
    await assert.rejects(
      stripe.transfers.create({ amount: 10, currency: "eur", destination: affiliate.id, source_transaction: charge.id }),
      /currency/,
    );
  });

  it("reverses part, then the rest, never more; emits transfer.created and transfer.reversed", async () => {
    const affiliate = await onboardedAccount();
    const t = await stripe.transfers.create({ amount: 1001, currency: "usd", destination: affiliate.id });
    const r1 = await stripe.transfers.createReversal(t.id, { amount: 333, metadata: { reason: "refund" } });
    assert.equal(r1.object, "transfer_reversal");
    assert.equal(r1.amount, 333);
    assert.equal(r1.transfer, t.id);
    await assert.rejects(stripe.transfers.createReversal(t.id, { amount: 669 }), /greater than the amount left/);
    const r2 = await stripe.transfers.createReversal(t.id);
    assert.equal(r2.amount, 668);
    const after = await stripe.transfers.retrieve(t.id);
    assert.equal(after.amount_reversed, 1001);
    assert.equal(after.reversed, true);
    const list = await stripe.transfers.listReversals(t.id);
    assert.deepEqual(
      list.data.map((r) => r.amount),
      [668, 333],
    );
    await assert.rejects(stripe.transfers.createReversal(t.id), /already been fully reversed/);
    const events = await (await fetch(`${emu.url}/_emulator/events`)).json();
    const types = events.events.filter((r) => r.event.data.object.id === t.id).map((r) => r.event.type);
    assert.ok(types.includes("transfer.created"), types.join());
    assert.equal(types.filter((x) => x === "transfer.reversed").length, 2);
  });
});
