import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { platformFee } from "~/lib/money";
import { newId } from "~/lib/ids";
import { app, postForm } from "~/test/http";
import { deliver, emulator, payCheckout, sessionIdFrom } from "~/test/stripe";
import { createProduct, makeTier, membership, publishedProduct, subscribeAndPay } from "~/test/money";
import { createService, sellerWithService } from "~/test/services";
import { waitForMail } from "~/test/mail";
import { openSlots } from "~/modules/services/booking.server";
import { availabilityRules, calendar } from "~/modules/services/calendar.server";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import { startProductCheckout } from "~/modules/payments/checkout.server";
import { isAppError } from "~/lib/errors";

const newCode = (prefix = "C") =>
  `${prefix}${newId(6)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "X")}`;

async function makeCode(cookie: string, fields: Record<string, string>, productIds: string[] = []) {
  const body = new URLSearchParams({ kind: "percent", appliesTo: productIds.length ? "chosen" : "all", ...fields });
  for (const id of productIds) body.append("productIds", id);
  return app("/dashboard/discounts", { method: "POST", body, cookie });
}

const redemptions = (code: string) =>
  env.DB.prepare(
    "SELECT r.status, r.session_id AS sessionId, r.amount_discount AS discount FROM discount_redemptions r JOIN discount_codes c ON c.id = r.code_id WHERE c.code = ?",
  )
    .bind(code)
    .all<{ status: string; sessionId: string | null; discount: number }>()
    .then((r) => r.results);

describe("creating discount codes", () => {
  it("validates, refuses duplicates and other creators' products, and needs a signed-in creator", async () => {
    const { seller, cookie, id } = await publishedProduct();
    expect((await makeCode(cookie, { code: "a b", value: "10" })).status).toBe(422);
    expect(await (await makeCode(cookie, { code: "GOOD10", value: "150" })).text()).toContain("1 to 100");
    expect((await makeCode(cookie, { code: "GOOD10", kind: "amount", value: "abc" })).status).toBe(422);
    expect(await (await makeCode(cookie, { code: "OLD10", value: "10", expires: "2020-01-01" })).text()).toContain("has passed");
    expect((await makeCode(cookie, { code: "good10", value: "10" })).status).toBe(200);
    const dup = await makeCode(cookie, { code: "GOOD10", value: "20" });
    expect(dup.status).toBe(409);
    // Someone else's product can't be chosen; plain users aren't creators; anonymous goes to login.
    const other = await makeCreator(env);
    expect((await makeCode(await other.cookie(), { code: "STEAL", value: "50" }, [id])).status).toBe(403);
    const user = await makeUser(env);
    expect((await makeCode(await user.cookie(), { code: "NOPE", value: "50" })).status).toBe(403);
    const anon = await makeCode("", { code: "ANON", value: "50" });
    expect(anon.status).toBe(302);
    expect(anon.headers.get("Location")).toContain("/login");
    // Turning off someone else's code is refused.
    const row = await env.DB.prepare("SELECT id FROM discount_codes WHERE creator_id=? AND code='GOOD10'")
      .bind(seller.id)
      .first<{ id: string }>();
    expect((await postForm("/dashboard/discounts", { intent: "archive", codeId: row!.id }, { cookie: await other.cookie() })).status).toBe(
      404,
    );
    const page = await (await app("/dashboard/discounts", { cookie })).text();
    expect(page).toContain("GOOD10");
    expect(page).toContain("10% off");
  });
});

describe("applying a code at checkout", () => {
  it("charges the discounted price through a Stripe coupon; the 8% fee and the ledger reconcile to the cent", async () => {
    const { seller, cookie, id, slug, fileId } = await publishedProduct("19.99");
    const code = newCode("SAVE");
    expect((await makeCode(cookie, { code, value: "20" }, [id])).status).toBe(200);
    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    const res = await postForm(`/@${seller.handle}/products/${slug}`, { productId: id, code: code.toLowerCase() }, { cookie: bc });
    expect(res.status).toBe(302);
    const url = res.headers.get("Location")!;
    const stripe = getStripe(env);
    const session = await stripe.checkout.sessions.retrieve(sessionIdFrom(url));
    expect(session.amount_subtotal).toBe(1999);
    expect(session.total_details?.amount_discount).toBe(400);
    expect(session.amount_total).toBe(1599);
    expect(session.discounts?.length).toBe(1);
    expect((await redemptions(code))[0]).toMatchObject({ status: "reserved", sessionId: session.id, discount: 400 });
    expect((await payCheckout(url)).status).toBe(303);
    await deliver(buyer.id);
    const order = await env.DB.prepare("SELECT gross, fee, net, payment_intent_id AS pi FROM orders WHERE checkout_session_id=?")
      .bind(session.id)
      .first<{ gross: number; fee: number; net: number; pi: string }>();
    expect(order).toMatchObject({ gross: 1599, fee: platformFee(1599), net: 1599 - platformFee(1599) });
    expect(order!.fee).toBe(128);
    // What Stripe charged, took as the fee and transferred equals the ledger exactly.
    const pi = await stripe.paymentIntents.retrieve(order!.pi, { expand: ["latest_charge"] });
    expect(pi.amount).toBe(order!.gross);
    expect(pi.application_fee_amount).toBe(order!.fee);
    const charge = pi.latest_charge as { transfer?: string };
    const transfer = await stripe.transfers.retrieve(String(charge.transfer));
    expect(transfer.amount).toBe(order!.net);
    expect((await redemptions(code))[0].status).toBe("redeemed");
    expect((await app(`/library/download/${fileId}`, { cookie: bc })).status).toBe(200);
    const dash = (await (await app("/dashboard/discounts", { cookie })).text()).replaceAll("<!-- -->", "");
    expect(dash).toContain("Used 1 · $4.00 given");

    // A partial refund keeps the use (the buyer kept the product); a full refund gives it back (D113).
    await stripe.refunds.create({ payment_intent: order!.pi, amount: 500, refund_application_fee: true, reverse_transfer: true });
    await deliver(order!.pi);
    expect((await redemptions(code))[0].status).toBe("redeemed");
    await stripe.refunds.create({ payment_intent: order!.pi, refund_application_fee: true, reverse_transfer: true });
    await deliver(order!.pi);
    expect((await redemptions(code))[0].status).toBe("refunded");
    const after = (await (await app("/dashboard/discounts", { cookie })).text()).replaceAll("<!-- -->", "");
    expect(after).toContain("Used 0");
  });

  it("a fully refunded order gives its use back to a capped code", async () => {
    const { seller, cookie, id, slug } = await publishedProduct("10.00");
    const code = newCode("ONCE");
    await makeCode(cookie, { code, value: "10", maxRedemptions: "1" });
    const buyer = await makeUser(env);
    const res = await postForm(`/@${seller.handle}/products/${slug}`, { productId: id, code }, { cookie: await buyer.cookie() });
    expect((await payCheckout(res.headers.get("Location")!)).status).toBe(303);
    await deliver(buyer.id);
    const next = await makeUser(env);
    const nc = await next.cookie();
    expect((await postForm(`/@${seller.handle}/products/${slug}`, { productId: id, code }, { cookie: nc })).status).toBe(409);
    const { pi } = (await env.DB.prepare("SELECT payment_intent_id AS pi FROM orders WHERE buyer_id=?")
      .bind(buyer.id)
      .first<{ pi: string }>())!;
    await getStripe(env).refunds.create({ payment_intent: pi });
    await deliver(pi);
    expect((await postForm(`/@${seller.handle}/products/${slug}`, { productId: id, code }, { cookie: nc })).status).toBe(302);
  });

  it("says clearly why a code doesn't work: unknown, expired, not for this item, stacked, first-time only (also for guests)", async () => {
    const { seller, cookie, id, slug } = await publishedProduct("10.00");
    const other = await createProduct(cookie, { price: "12" });
    const [forOther, expired, firstOnly] = [newCode("OTH"), newCode("EXP"), newCode("NEW")];
    await makeCode(cookie, { code: forOther, value: "10" }, [other.id]);
    await makeCode(cookie, { code: expired, value: "10" });
    await env.DB.prepare("UPDATE discount_codes SET expires_at = 1 WHERE code = ?").bind(expired).run();
    await makeCode(cookie, { code: firstOnly, value: "10", firstTimeOnly: "on" });
    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    const tryCode = async (code: string, c = bc) => {
      const res = await postForm(`/@${seller.handle}/products/${slug}`, { productId: id, code }, { cookie: c });
      return { status: res.status, text: await res.text() };
    };
    expect(await tryCode("NOSUCH")).toMatchObject({ status: 422 });
    expect((await tryCode("NOSUCH")).text).toContain("isn't a valid code");
    expect((await tryCode(expired)).text).toContain("has expired");
    expect((await tryCode(forOther)).text).toContain("isn't for this product");
    expect((await tryCode(`${forOther} ${firstOnly}`)).text).toContain("Only one code");
    // A guest can't be checked for "first-time", so such a code asks them to sign in (other codes work for guests).
    const guest = await tryCode(firstOnly, "");
    expect(guest.status).toBe(422);
    expect(guest.text).toContain("sign in to use it");
    // A returning buyer (an order from this creator) can't use a first-time code.
    await env.DB.prepare(
      "INSERT INTO orders (id, checkout_session_id, buyer_id, creator_id, product_id, currency, gross, fee, net, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    )
      .bind(newId(), `free_${newId()}`, buyer.id, seller.id, other.id, "usd", 0, 0, 0, "paid", 1)
      .run();
    expect((await tryCode(firstOnly)).text).toContain("first-time buyers only");
    expect(await redemptions(firstOnly)).toEqual([]);
    // A first-time buyer gets it.
    const fresh = await makeUser(env);
    expect((await tryCode(firstOnly, await fresh.cookie())).status).toBe(302);
  });

  it("a 100% code gives the product free as a recorded zero order, without Stripe", async () => {
    const { seller, cookie, id, slug, fileId } = await publishedProduct("25.00");
    const code = newCode("FREE");
    await makeCode(cookie, { code, value: "100", maxRedemptions: "1" });
    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    const res = await postForm(`/@${seller.handle}/products/${slug}`, { productId: id, code }, { cookie: bc });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toContain("?owned=1");
    const order = await env.DB.prepare("SELECT gross, fee, net, payment_intent_id AS pi FROM orders WHERE buyer_id=? AND product_id=?")
      .bind(buyer.id, id)
      .first();
    expect(order).toEqual({ gross: 0, fee: 0, net: 0, pi: null });
    expect((await redemptions(code))[0]).toMatchObject({ status: "redeemed", discount: 2500 });
    expect((await app(`/library/download/${fileId}`, { cookie: bc })).status).toBe(200);
    // Its one use is gone.
    const next = await makeUser(env);
    const refused = await postForm(`/@${seller.handle}/products/${slug}`, { productId: id, code }, { cookie: await next.cookie() });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("used up");
  });
});

/** The order of a paid session, checked against what Stripe charged, took as the fee and transferred — to the cent. */
async function reconciled(sessionId: string) {
  const order = await env.DB.prepare(
    "SELECT buyer_id AS buyerId, gross, fee, net, payment_intent_id AS pi FROM orders WHERE checkout_session_id=?",
  )
    .bind(sessionId)
    .first<{ buyerId: string; gross: number; fee: number; net: number; pi: string }>();
  expect(order).toBeTruthy();
  expect(order!.fee).toBe(platformFee(order!.gross));
  const pi = await getStripe(env).paymentIntents.retrieve(order!.pi, { expand: ["latest_charge"] });
  expect(pi.amount).toBe(order!.gross);
  expect(pi.application_fee_amount).toBe(order!.fee);
  const transfer = await getStripe(env).transfers.retrieve(String((pi.latest_charge as { transfer?: string }).transfer));
  expect(transfer.amount).toBe(order!.net);
  return order!;
}

describe("codes for guests and pay-what-you-want prices", () => {
  it("come off the buyer's chosen amount, signed in or as a guest; the fee is 8% of what was charged; a 100% code makes a guest's zero order", async () => {
    const { seller, cookie, id, slug } = await publishedProduct("10.00", "usd", { pricing: "pwyw", minimum: "5" });
    const code = newCode("PWYW");
    expect((await makeCode(cookie, { code, value: "25" }, [id])).status).toBe(200);
    const page = `/@${seller.handle}/products/${slug}`;
    const stripe = getStripe(env);

    // Signed in, paying 12.34: 25% off is 3.085 → 3.09 (half up, as Stripe rounds) → 9.25 charged, fee 0.74.
    const buyer = await makeUser(env);
    const res = await postForm(page, { productId: id, amount: "12.34", code }, { cookie: await buyer.cookie() });
    expect(res.status).toBe(302);
    const s1 = await stripe.checkout.sessions.retrieve(sessionIdFrom(res.headers.get("Location")!));
    expect([s1.amount_subtotal, s1.total_details?.amount_discount, s1.amount_total]).toEqual([1234, 309, 925]);
    expect((await payCheckout(res.headers.get("Location")!)).status).toBe(303);
    await deliver(s1.id);
    expect(await reconciled(s1.id)).toMatchObject({ buyerId: buyer.id, gross: 925, fee: 74, net: 851 });

    // The chosen amount must still meet the minimum before the code (the discounted price may be below it).
    const low = await postForm(page, { productId: id, amount: "4", code }, { cookie: await (await makeUser(env)).cookie() });
    expect(low.status).toBe(422);
    expect(await low.text()).toContain("minimum");

    // A guest paying 8.00 with the code: 6.00 charged; the use belongs to the email's account once paid.
    const g = await postForm(page, { productId: id, amount: "8", code });
    expect(g.status).toBe(303);
    const gUrl = g.headers.get("Location")!;
    const s2 = await stripe.checkout.sessions.retrieve(sessionIdFrom(gUrl));
    expect([s2.amount_subtotal, s2.amount_total]).toEqual([800, 600]);
    expect((await redemptions(code)).find((r) => r.sessionId === s2.id)?.status).toBe("reserved");
    const email = `guest-${newId(8).toLowerCase()}@example.test`;
    expect((await payCheckout(gUrl, { email })).status).toBe(303);
    await deliver(s2.id);
    const gOrder = await reconciled(s2.id);
    expect(gOrder).toMatchObject({ gross: 600, fee: 48, net: 552 });
    const use = await env.DB.prepare(
      "SELECT r.status, r.buyer_id AS buyerId, u.email FROM discount_redemptions r JOIN users u ON u.id = r.buyer_id WHERE r.session_id=?",
    )
      .bind(s2.id)
      .first();
    expect(use).toEqual({ status: "redeemed", buyerId: gOrder.buyerId, email });

    // A 100%-off code for a guest: the email typed on the page gets a recorded zero order, no Stripe.
    const gift = newCode("GIFT");
    await makeCode(cookie, { code: gift, value: "100", maxRedemptions: "1" }, [id]);
    const giftEmail = `gift-${newId(8).toLowerCase()}@example.test`;
    const noEmail = await postForm(page, { productId: id, amount: "5", code: gift });
    expect(noEmail.status).toBe(422);
    expect(await redemptions(gift)).toEqual([]);
    const free = await postForm(page, { productId: id, amount: "5", code: gift, email: giftEmail });
    expect(free.status).toBe(303);
    expect(free.headers.get("Location")).toMatch(/^\/checkout\/return\?session_id=free_/);
    const zero = await env.DB.prepare(
      "SELECT o.gross, o.fee, o.net, o.guest, u.email FROM orders o JOIN users u ON u.id = o.buyer_id WHERE o.checkout_session_id = (SELECT session_id FROM discount_redemptions r JOIN discount_codes c ON c.id = r.code_id WHERE c.code = ?)",
    )
      .bind(gift)
      .first();
    expect(zero).toEqual({ gross: 0, fee: 0, net: 0, guest: 1, email: giftEmail });
    expect((await redemptions(gift))[0]).toMatchObject({ status: "redeemed", discount: 500 });
  });
});

describe("codes for memberships and services", () => {
  it("a tier code discounts the invoices its duration covers and a service code the booking; fees reconcile to the cent", async () => {
    const {
      seller,
      cookie,
      id: serviceId,
      slug,
    } = await sellerWithService({
      pricing: "fixed_package",
      price: "900",
      deliveryDays: "5",
      locationKind: "after_booking",
    });
    const tier = await makeTier(cookie); // $5 a month
    const tierId = String(tier.id);
    const [member2, svc] = [newCode("TWO"), newCode("SVC")];
    expect((await makeCode(cookie, { code: member2, value: "20", duration: "repeating", durationMonths: "2" }, [tierId])).status).toBe(200);
    expect((await makeCode(cookie, { code: svc, kind: "amount", value: "100" }, [serviceId])).status).toBe(200);
    expect(
      (await makeCode(cookie, { code: newCode("BAD"), value: "5", duration: "repeating", durationMonths: "0" }, [tierId])).status,
    ).toBe(422);
    const dash = await (await app("/dashboard/discounts", { cookie })).text();
    expect(dash).toContain(`${tier.name} (membership)`);
    expect(dash).toContain("memberships: 2 months");
    const stripe = getStripe(env);

    // A tier: 20% off the first two monthly payments, then the full price; the fee is 8% of each charged invoice.
    const member = await makeUser(env);
    const mc = await member.cookie();
    expect(
      await (await postForm(`/tiers/${tierId}`, { intent: "subscribe", interval: "month", code: svc }, { cookie: mc })).text(),
    ).toContain("isn't for this membership");
    const res = await postForm(`/tiers/${tierId}`, { intent: "subscribe", interval: "month", code: member2 }, { cookie: mc });
    expect(res.status).toBe(302);
    const session = await stripe.checkout.sessions.retrieve(sessionIdFrom(res.headers.get("Location")!));
    expect([session.amount_subtotal, session.amount_total]).toEqual([500, 400]);
    expect((await payCheckout(res.headers.get("Location")!)).status).toBe(303);
    await deliver(member.id);
    const sub = (await env.DB.prepare("SELECT stripe_subscription_id AS s FROM memberships WHERE user_id=?")
      .bind(member.id)
      .first<{ s: string }>())!.s;
    for (let i = 0; i < 2; i++) {
      await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
      await deliver(sub);
    }
    const invs = (
      await env.DB.prepare(
        "SELECT gross, fee, net, payment_intent_id AS pi FROM invoices WHERE stripe_subscription_id=? ORDER BY paid_at, rowid",
      )
        .bind(sub)
        .all<{ gross: number; fee: number; net: number; pi: string }>()
    ).results;
    expect(invs.map((i) => [i.gross, i.fee, i.net])).toEqual([
      [400, 32, 368],
      [400, 32, 368],
      [500, 40, 460],
    ]);
    for (const inv of invs) {
      const pi = await stripe.paymentIntents.retrieve(inv.pi, { expand: ["latest_charge"] });
      expect([pi.amount, pi.application_fee_amount]).toEqual([inv.gross, inv.fee]);
      const transfer = await stripe.transfers.retrieve(String((pi.latest_charge as { transfer?: string }).transfer));
      expect(transfer.amount).toBe(inv.net);
    }
    expect((await redemptions(member2))[0]).toMatchObject({ status: "redeemed", sessionId: session.id, discount: 100 });

    // A service (a fixed package): $100 off $900; the booking records what was charged.
    const buyer = await makeUser(env);
    const bc = await buyer.cookie();
    const wrong = await postForm(`/@${seller.handle}/services/${slug}`, { code: member2 }, { cookie: bc });
    expect(await wrong.text()).toContain("isn't for this service");
    const bres = await postForm(`/@${seller.handle}/services/${slug}`, { code: svc }, { cookie: bc });
    expect(bres.status).toBe(303);
    const bs = await stripe.checkout.sessions.retrieve(sessionIdFrom(bres.headers.get("Location")!));
    expect([bs.amount_subtotal, bs.amount_total]).toEqual([90000, 80000]);
    await payCheckout(bres.headers.get("Location")!);
    await deliver(buyer.id);
    const b = (await env.DB.prepare("SELECT status, gross, fee, net, payment_intent_id AS pi FROM bookings WHERE buyer_id=?")
      .bind(buyer.id)
      .first<{ status: string; gross: number; fee: number; net: number; pi: string }>())!;
    expect(b).toMatchObject({ status: "confirmed", gross: 80000, fee: 6400, net: 73600 });
    const bpi = await stripe.paymentIntents.retrieve(b.pi, { expand: ["latest_charge"] });
    expect([bpi.amount, bpi.application_fee_amount]).toEqual([80000, 6400]);
    expect((await stripe.transfers.retrieve(String((bpi.latest_charge as { transfer?: string }).transfer))).amount).toBe(73600);
    expect((await redemptions(svc))[0]).toMatchObject({ status: "redeemed", discount: 10000 });
  });
});

describe("tier codes for guests and refunds of membership payments", () => {
  it("a guest's code follows a member's rules; a full refund that undoes the membership gives the use back, a partial or a renewal's doesn't", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const tierId = String((await makeTier(cookie)).id); // $5 a month
    const [capped, firstOnly, plain] = [newCode("CAP"), newCode("NEW"), newCode("PLAIN")];
    await makeCode(cookie, { code: capped, value: "20", maxRedemptions: "1" }, [tierId]);
    await makeCode(cookie, { code: firstOnly, value: "20", firstTimeOnly: "on" }, [tierId]);
    await makeCode(cookie, { code: plain, value: "20" }, [tierId]);
    const stripe = getStripe(env);
    const guestStart = (code: string) => postForm(`/tiers/${tierId}`, { intent: "subscribe", interval: "month", code });

    // First-time-only needs a known person: a guest is asked to sign in (as for products).
    const ft = await guestStart(firstOnly);
    expect(ft.status).toBe(422);
    expect(await ft.text()).toContain("first-time buyers only — sign in");
    // The guest's checkout is discounted like a member's; the use is the email's account once paid.
    const res = await guestStart(capped);
    expect(res.status).toBe(303);
    const url = res.headers.get("Location")!;
    const sessionId = sessionIdFrom(url);
    expect((await stripe.checkout.sessions.retrieve(sessionId)).amount_total).toBe(400);
    expect((await guestStart(capped)).status).toBe(409); // one use, held by the open checkout
    const email = `guest-${newId(8).toLowerCase()}@example.test`;
    expect((await payCheckout(url, { email })).status).toBe(303);
    const holdId = (await env.DB.prepare("SELECT hold_id AS h FROM guest_checkouts WHERE session_id=?")
      .bind(sessionId)
      .first<{ h: string }>())!.h;
    await deliver(sessionId, holdId);
    const account = (await env.DB.prepare("SELECT id FROM users WHERE email=?").bind(email).first<{ id: string }>())!;
    const use = () =>
      env.DB.prepare("SELECT status, buyer_id AS buyerId FROM discount_redemptions WHERE session_id=?")
        .bind(sessionId)
        .first<{ status: string; buyerId: string }>();
    expect(await use()).toEqual({ status: "redeemed", buyerId: account.id });
    const inv = (await env.DB.prepare(
      "SELECT gross, fee, payment_intent_id AS pi, stripe_subscription_id AS sub FROM invoices WHERE user_id=?",
    )
      .bind(account.id)
      .first<{ gross: number; fee: number; pi: string; sub: string }>())!;
    expect([inv.gross, inv.fee]).toEqual([400, 32]);

    // A partial refund keeps the use; the rest of the first payment ends the membership and gives it back, once.
    await stripe.refunds.create({ payment_intent: inv.pi, amount: 100 });
    await deliver(inv.pi);
    expect((await use())!.status).toBe("redeemed");
    await stripe.refunds.create({ payment_intent: inv.pi });
    await deliver(inv.pi);
    await deliver(inv.pi); // redelivered
    expect((await use())!.status).toBe("refunded");
    expect((await stripe.subscriptions.retrieve(inv.sub)).status).toBe("canceled");
    expect((await guestStart(capped)).status).toBe(303); // the use is free again

    // A refunded renewal ends the membership but keeps the use: the member had the discounted first month.
    const member = await makeUser(env);
    await subscribeAndPay(tierId, await member.cookie(), { interval: "month", code: plain });
    await deliver(member.id);
    const sub = (await membership(member.id, tierId))!.sub;
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliver(sub);
    const renewal = (await env.DB.prepare(
      "SELECT payment_intent_id AS pi FROM invoices WHERE stripe_subscription_id=? ORDER BY paid_at DESC, rowid DESC",
    )
      .bind(sub)
      .first<{ pi: string }>())!;
    await stripe.refunds.create({ payment_intent: renewal.pi });
    await deliver(renewal.pi);
    expect((await membership(member.id, tierId))!.status).toBe("canceled");
    expect((await redemptions(plain))[0].status).toBe("redeemed");
  });
});

describe("codes that make the price 0", () => {
  it("a booking and a pack confirm without Stripe (the slot taken exactly, emails with .ics); tier codes start $0 memberships through Checkout", async () => {
    const { seller, cookie, id: serviceId, slug } = await sellerWithService(); // $50 a 30-minute session
    const pack = await createService(cookie, { pricing: "pack", price: "120", packSessions: "2", packExpiryDays: "30" });
    expect((await postForm(`/dashboard/services/${pack.id}`, { intent: "publish" }, { cookie })).status).toBe(200);
    const tierId = String((await makeTier(cookie)).id); // $5 a month
    const [free, forever, firstFree] = [newCode("FREE"), newCode("EVER"), newCode("ONE")];
    await makeCode(cookie, { code: free, value: "100", maxRedemptions: "3" });
    await makeCode(cookie, { code: forever, value: "100", duration: "forever" }, [tierId]);
    await makeCode(cookie, { code: firstFree, kind: "amount", value: "5", duration: "once" }, [tierId]);
    const s = (await env.DB.prepare("SELECT * FROM services WHERE id = ?").bind(serviceId).first<Record<string, unknown>>())!;
    const slots = await openSlots(
      env,
      { ...s, creatorId: seller.id, durationMinutes: Number(s.duration_minutes) } as never,
      await availabilityRules(env, seller.id),
      30,
    );
    const start = new Date(slots[0].start).toISOString();

    // A session: confirmed at $0 at once — no Checkout, no fee — with the usual emails and .ics.
    const buyer = await makeUser(env);
    const res = await postForm(
      `/@${seller.handle}/services/${slug}`,
      { start, minutes: "30", code: free },
      { cookie: await buyer.cookie() },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toContain("/library/bookings?booked=");
    const b = (await env.DB.prepare("SELECT status, gross, fee, net, checkout_session_id AS cs FROM bookings WHERE buyer_id=?")
      .bind(buyer.id)
      .first<{ status: string; gross: number; fee: number; net: number; cs: string | null }>())!;
    expect(b).toEqual({ status: "confirmed", gross: 0, fee: 0, net: 0, cs: null });
    expect((await calendar(env, seller.id).list()).map((h) => h.status)).toEqual(["confirmed"]);
    const mail = await waitForMail(buyer.email, "Booked:");
    expect(mail.attachments[0]).toMatchObject({ filename: "invite.ics" });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM checkouts WHERE user_id=?").bind(buyer.id).first("n")).toBe(0);
    // The same time for someone else: refused, and their use of the code goes back.
    const other = await makeUser(env);
    const oc = await other.cookie();
    const clash = await postForm(`/@${seller.handle}/services/${slug}`, { start, minutes: "30", code: free }, { cookie: oc });
    expect(clash.status).toBe(409);
    expect((await redemptions(free)).map((r) => r.status).sort()).toEqual(["redeemed", "released"]);
    // The creator cancels the free booking: the time and the code's use come back.
    const bid = new URL(res.headers.get("Location")!, "http://x").searchParams.get("booked")!;
    expect((await postForm(`/dashboard/services`, { intent: "cancel", bookingId: bid }, { cookie })).status).toBeLessThan(400);
    expect((await redemptions(free)).map((r) => r.status).sort()).toEqual(["refunded", "released"]);
    // A pack: active at $0 with its sessions.
    const p = await postForm(`/@${seller.handle}/services/${pack.slug}`, { intent: "buy-pack", code: free }, { cookie: oc });
    expect(p.status).toBe(303);
    const pk = await env.DB.prepare("SELECT status, gross, sessions_total AS n FROM service_packs WHERE buyer_id=?").bind(other.id).first();
    expect(pk).toEqual({ status: "active", gross: 0, n: 2 });

    // A tier, 100% forever: Checkout without a card, each $0 invoice paid at once and recorded at $0.
    const stripe = getStripe(env);
    const member = await makeUser(env);
    const mres = await postForm(
      `/tiers/${tierId}`,
      { intent: "subscribe", interval: "month", code: forever },
      { cookie: await member.cookie() },
    );
    expect(mres.status).toBe(302);
    const session = await stripe.checkout.sessions.retrieve(sessionIdFrom(mres.headers.get("Location")!));
    expect([session.amount_total, session.payment_method_collection]).toEqual([0, "if_required"]);
    expect((await payCheckout(mres.headers.get("Location")!)).status).toBe(303);
    await deliver(member.id);
    const m = (await membership(member.id, tierId))!;
    expect(m.status).toBe("active");
    await emulator(`/_emulator/subscriptions/${m.sub}/renew`, {});
    await deliver(m.sub);
    const invs = async (sub: string) =>
      (
        await env.DB.prepare("SELECT gross, fee, net FROM invoices WHERE stripe_subscription_id=? ORDER BY paid_at, rowid")
          .bind(sub)
          .all<{ gross: number; fee: number; net: number }>()
      ).results.map((i) => [i.gross, i.fee, i.net]);
    expect(await invs(m.sub)).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect((await membership(member.id, tierId))!.status).toBe("active");
    await waitForMail(member.email, "You're a member");
    // The whole first payment off, once: $0 now, the full price from the first renewal (a card was collected).
    const once = await makeUser(env);
    const ores = await postForm(
      `/tiers/${tierId}`,
      { intent: "subscribe", interval: "month", code: firstFree },
      { cookie: await once.cookie() },
    );
    const osession = await stripe.checkout.sessions.retrieve(sessionIdFrom(ores.headers.get("Location")!));
    expect([osession.amount_total, osession.payment_method_collection]).toEqual([0, "always"]);
    await payCheckout(ores.headers.get("Location")!);
    await deliver(once.id);
    const osub = (await membership(once.id, tierId))!.sub;
    await emulator(`/_emulator/subscriptions/${osub}/renew`, {});
    await deliver(osub);
    expect(await invs(osub)).toEqual([
      [0, 0, 0],
      [500, 40, 460],
    ]);
  });
});

describe("max redemptions under concurrency", () => {
  it("200 concurrent checkouts for a 5-use code open exactly 5 sessions; an expired session gives its use back", async () => {
    const { seller, cookie, id } = await publishedProduct("9.00");
    const code = newCode("RUSH");
    await makeCode(cookie, { code, value: "50", maxRedemptions: "5" });
    const t = Math.floor(Date.now() / 1000);
    const buyers = Array.from({ length: 201 }, () => ({ id: newId(), email: `rush-${newId(8)}@example.test`, isAdmin: false }));
    for (let i = 0; i < buyers.length; i += 40)
      await env.DB.batch(
        buyers
          .slice(i, i + 40)
          .map((b) =>
            env.DB.prepare("INSERT INTO users (id, email, password_hash, created_at) VALUES (?,?,?,?)").bind(b.id, b.email, "x", t),
          ),
      );
    const results = await Promise.all(
      buyers.slice(0, 200).map((b) =>
        startProductCheckout(env, b, id, "http://localhost:8787", { code }).then(
          (r) => ({ ok: true as const, url: r.url }),
          (e: unknown) => {
            if (!isAppError(e)) throw e;
            return { ok: false as const, status: e.status, message: e.message };
          },
        ),
      ),
    );
    const opened = results.filter((r) => r.ok);
    const refused = results.filter((r) => !r.ok);
    expect(opened).toHaveLength(5);
    expect(refused).toHaveLength(195);
    expect(new Set(refused.map((r) => (r.ok ? 0 : r.status)))).toEqual(new Set([409]));
    const rows = await redemptions(code);
    expect(rows.filter((r) => r.status === "reserved")).toHaveLength(5);
    const sessions = await env.DB.prepare("SELECT count(*) AS n FROM checkouts WHERE product_id=? AND url IS NOT NULL")
      .bind(id)
      .first<{ n: number }>();
    expect(sessions!.n).toBe(5);

    // One buyer walks away: the session expires (webhook), its use is released, the 201st buyer gets it.
    const first = opened[0];
    if (!first.ok) throw new Error("unreachable");
    await getStripe(env).checkout.sessions.expire(sessionIdFrom(first.url));
    await deliver(sessionIdFrom(first.url));
    expect((await redemptions(code)).filter((r) => r.status === "released")).toHaveLength(1);
    const late = await startProductCheckout(env, buyers[200], id, "http://localhost:8787", { code });
    expect(late.url).toContain("/checkout/pay/");
    void seller;
  });
});
