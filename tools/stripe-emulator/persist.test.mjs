// The emulator's state survives a restart (and a kill) when it has a state file.
//   node --test tools/stripe-emulator/persist.test.mjs
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { fileURLToPath } from "node:url";
import Stripe from "stripe";
import { startEmulator } from "./server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stripe-emu-state-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const sdk = (port) =>
  new Stripe("sk_test_emulator", {
    host: "127.0.0.1",
    port,
    protocol: "http",
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
  });

async function control(url, p) {
  const res = await fetch(`${url}/_emulator/${p}`, { method: "POST" });
  return { status: res.status, body: await res.json() };
}

/** A webhook receiver that can be told to fail (as if the app were down). */
async function receiver() {
  const got = [];
  let up = true;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (up) got.push(JSON.parse(Buffer.concat(chunks).toString()).id);
      res.writeHead(up ? 200 : 503).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks/stripe`,
    got,
    setUp: (v) => (up = v),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

it("keeps accounts, prices, checkouts, subscriptions and the webhook log across a restart", async () => {
  const stateFile = path.join(dir, "restart", "stripe-emulator.state");
  const hook = await receiver();
  const opts = { port: 0, stateFile, webhookUrl: hook.url, retryDelaysMs: [], deliveryWaitMs: 2000, log: () => {} };
  let emu = await startEmulator(opts);
  let stripe = sdk(emu.port);
  const account = await stripe.accounts.create({
    type: "express",
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
  await control(emu.url, `accounts/${account.id}/complete_onboarding`);
  const product = await stripe.products.create({ name: "Tier" });
  const monthly = await stripe.prices.create({ product: product.id, unit_amount: 900, currency: "usd", recurring: { interval: "month" } });
  const oneOff = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: "usd" });
  const subSession = await stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: monthly.id, quantity: 1 }],
    success_url: "http://localhost/ok",
    subscription_data: { application_fee_percent: 10, transfer_data: { destination: account.id } },
  });
  assert.equal((await control(emu.url, `checkout/${subSession.id}/pay`)).status, 200);
  const subscriptionId = (await stripe.checkout.sessions.retrieve(subSession.id)).subscription;
  const openSession = await stripe.checkout.sessions.create(
    {
      mode: "payment",
      line_items: [{ price: oneOff.id, quantity: 1 }],
      success_url: "http://localhost/ok",
      payment_intent_data: { application_fee_amount: 150, transfer_data: { destination: account.id } },
    },
    { idempotencyKey: "checkout-before-restart" },
  );
  await emu.close();
  const deliveredBefore = [...hook.got];
  assert.ok(deliveredBefore.length > 0);

  emu = await startEmulator(opts);
  assert.equal(emu.restored, true);
  stripe = sdk(emu.port);
  // The old ids still work: the open checkout completes, the subscription renews, the account takes new checkouts.
  assert.equal((await stripe.accounts.retrieve(account.id)).charges_enabled, true);
  const paid = await control(emu.url, `checkout/${openSession.id}/pay`);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.equal((await stripe.checkout.sessions.retrieve(openSession.id)).payment_status, "paid");
  const renewed = await control(emu.url, `subscriptions/${subscriptionId}/renew`);
  assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
  assert.ok(renewed.body.events.some((e) => e.type === "invoice.paid" && e.delivered));
  const again = await stripe.checkout.sessions.create({
    mode: "payment",
    line_items: [{ price: oneOff.id, quantity: 1 }],
    success_url: "http://localhost/ok",
    payment_intent_data: { transfer_data: { destination: account.id } },
  });
  assert.equal((await control(emu.url, `checkout/${again.id}/pay`)).status, 200);
  // An idempotent retry from before the restart replays instead of creating a second session.
  const replay = await stripe.checkout.sessions.create(
    {
      mode: "payment",
      line_items: [{ price: oneOff.id, quantity: 1 }],
      success_url: "http://localhost/ok",
      payment_intent_data: { application_fee_amount: 150, transfer_data: { destination: account.id } },
    },
    { idempotencyKey: "checkout-before-restart" },
  );
  assert.equal(replay.id, openSession.id);
  // Nothing delivered before the restart is delivered again.
  const dupes = hook.got.filter((id, i) => hook.got.indexOf(id) !== i);
  assert.deepEqual(dupes, []);
  await emu.close();
  await hook.close();
});

it("delivers after a restart the webhooks that were still pending when it stopped", async () => {
  const stateFile = path.join(dir, "pending", "stripe-emulator.state");
  const hook = await receiver();
  const opts = { port: 0, stateFile, webhookUrl: hook.url, retryDelaysMs: [], deliveryWaitMs: 0, log: () => {} };
  let emu = await startEmulator({ ...opts, retryDelaysMs: [60_000] });
  const stripe = sdk(emu.port);
  const account = await stripe.accounts.create({ type: "express" });
  await emu.dispatcher.idle(2000);
  // The app is down: the first attempt fails and the retry waits a minute. Stop before it.
  hook.setUp(false);
  await stripe.accounts.update(account.id, { email: "new@example.com" });
  await new Promise((r) => setTimeout(r, 300));
  await emu.close();
  hook.setUp(true);
  emu = await startEmulator(opts);
  await emu.dispatcher.idle(5000);
  const updated = (await (await fetch(`${emu.url}/_emulator/events?type=account.updated`)).json()).events;
  assert.equal(updated.length, 1);
  assert.equal(hook.got.filter((id) => id === updated[0].event.id).length, 1);
  assert.ok(updated[0].deliveries.some((d) => d.ok));
  await emu.close();
  await hook.close();
});

it("still loads its state after being killed in the middle of writes", async () => {
  const stateFile = path.join(dir, "killed", "stripe-emulator.state");
  const port = 12100 + Math.floor(Math.random() * 90);
  const start = () => {
    const child = spawn(process.execPath, [path.join(here, "server.mjs")], {
      env: { ...process.env, STRIPE_EMULATOR_PORT: String(port), STRIPE_EMULATOR_STATE_FILE: stateFile, STRIPE_WEBHOOK_URL: "none" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    return new Promise((resolve, reject) => {
      child.stdout.on("data", (d) => /listening/.test(String(d)) && resolve(child));
      child.on("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    });
  };
  let child = await start();
  const stripe = sdk(port);
  const acknowledged = [];
  // Keep writing concurrently and kill the process while requests are in flight.
  const writers = Array.from({ length: 4 }, async () => {
    for (;;) {
      try {
        acknowledged.push((await stripe.products.create({ name: "p".repeat(2000) })).id);
      } catch {
        return;
      }
    }
  });
  await new Promise((r) => setTimeout(r, 700));
  child.kill("SIGKILL");
  await Promise.all(writers);
  assert.ok(acknowledged.length > 5);
  child = await start();
  try {
    for (const id of acknowledged) assert.equal((await stripe.products.retrieve(id)).id, id);
    assert.deepEqual(
      fs.readdirSync(path.dirname(stateFile)).filter((n) => n.endsWith(".tmp")),
      [],
    );
  } finally {
    child.kill("SIGKILL");
  }
});
