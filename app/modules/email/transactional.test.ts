import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { postForm } from "~/test/http";
import { membership, payingMember, purchased } from "~/test/money";
import { emulator, eventsMatching, postAll, type Recorded } from "~/test/stripe";
import { applyStripeEvent } from "~/modules/payments/events.server";
import { findPayoutAccount } from "~/modules/payments/connect.server";
import type { Stripe } from "~/lib/stripe.server";

type Mail = { id: string; to: string; subject: string; html: string; text: string };

const mailsTo = async (to: string) =>
  (
    await env.DB.prepare("SELECT id, to_address AS [to], subject, html, text FROM dev_mailbox WHERE to_address=? ORDER BY id")
      .bind(to)
      .all<Mail>()
  ).results;

/** Waits until the email queue has sent `n` emails whose key starts with `prefix` to `to`, then a little longer (a late duplicate would show). */
async function waitForMail(to: string, prefix: string, n = 1, timeoutMs = 15_000): Promise<Mail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await mailsTo(to)).filter((m) => m.id.startsWith(prefix));
    if (found.length >= n) {
      await new Promise((r) => setTimeout(r, 1500));
      return (await mailsTo(to)).filter((m) => m.id.startsWith(prefix));
    }
    if (Date.now() > deadline) throw new Error(`no ${prefix} email to ${to}: ${JSON.stringify((await mailsTo(to)).map((m) => m.id))}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Lets the email queue drain, then returns every email to `to`. */
async function settledMailsTo(to: string) {
  await new Promise((r) => setTimeout(r, 2500));
  return mailsTo(to);
}

/**
 * Delivers the events three times over: once signed through the webhook endpoint in REVERSE
 * order (out of order), then twice more straight to the consumer (a redelivered queue message, or
 * Stripe sending the same change again with a new event id: the endpoint's event-id dedupe can't
 * help, only the business key can).
 */
async function deliverThrice(list: Recorded[]) {
  await postAll([...list].reverse());
  for (let i = 0; i < 2; i++) for (const r of list) await applyStripeEvent(env, r.event as unknown as Stripe.Event);
}

const fresh = async (...needles: string[]) => {
  const { events } = await emulator<{ events: Recorded[] }>("/_emulator/events");
  const seen = await env.DB.prepare("SELECT id FROM stripe_events").all<{ id: string }>();
  const done = new Set(seen.results.map((r) => r.id));
  return events.filter((e) => needles.some((n) => n && e.payload.includes(n)) && !done.has(e.event.id));
};

const creatorEmail = async (userId: string) =>
  (await env.DB.prepare("SELECT email FROM users WHERE id=?").bind(userId).first<{ email: string }>())!.email;

describe("purchase emails", () => {
  it("one receipt to the buyer and one sale alert to the creator, however often and in whatever order the events arrive", async () => {
    const p = await purchased({ deliverNow: false });
    const events = await eventsMatching(p.buyer.id, p.sessionId, p.paymentIntent);
    expect(events.length).toBeGreaterThan(0);
    await deliverThrice(events);
    const [receipt] = await waitForMail(p.buyer.email, "receipt:order:");
    expect(receipt.id).toBe(`receipt:order:${p.sessionId}`);
    const sellerEmail = await creatorEmail(p.seller.id);
    const [sale] = await waitForMail(sellerEmail, "sale:order:");

    // Exactly one of each, and nothing else was sent to either of them.
    expect((await settledMailsTo(p.buyer.email)).map((m) => m.id)).toEqual([`receipt:order:${p.sessionId}`]);
    expect((await mailsTo(sellerEmail)).map((m) => m.id)).toEqual([`sale:order:${p.sessionId}`]);

    // Receipt: gross to the cent, no tax charged, merchant of record, the creator's name, a link to
    // the (authorised) library and never a download URL.
    for (const body of [receipt.html, receipt.text]) {
      expect(body).toContain("$19.99");
      expect(body).toContain("No tax charged");
      expect(body).toContain("All Thrive is the merchant of record");
      expect(body).toContain(`Sold by ${p.seller.displayName}`);
      expect(body).toContain(`${env.PUBLIC_URL.replace(/\/$/, "")}/library`);
      expect(body).not.toMatch(/\/library\/download|\/download\/|fileId|X-Amz|token=/);
      expect(body).not.toContain(p.fileId);
      expect(body).toContain("You get this email because of a purchase");
    }
    expect(receipt.subject).toContain("Support bot prompts");
    // Sale alert: gross, fee (8%, half up) and net, to the cent.
    for (const body of [sale.html, sale.text]) {
      expect(body).toContain("$19.99");
      expect(body).toContain("$1.60");
      expect(body).toContain("$18.39");
    }
    expect(sale.text).toContain(`You get this email because you sell as ${p.seller.displayName}`);
  });

  it("a refund is emailed once per Stripe refund with its amount, a partial one and then the rest", async () => {
    const p = await purchased();
    await waitForMail(p.buyer.email, "receipt:order:");
    const stripe = getStripe(env);
    const partial = await stripe.refunds.create({ payment_intent: p.paymentIntent, amount: 499 });
    await deliverThrice(await fresh(p.paymentIntent));
    const rest = await stripe.refunds.create({ payment_intent: p.paymentIntent });
    await deliverThrice(await fresh(p.paymentIntent));
    const refunds = await waitForMail(p.buyer.email, "refund:", 2);
    expect(refunds.map((m) => m.id).sort()).toEqual([`refund:${partial.id}`, `refund:${rest.id}`].sort());
    const first = refunds.find((m) => m.id === `refund:${partial.id}`)!;
    expect(first.subject).toBe("Refund issued: $4.99 for Support bot prompts");
    expect(first.text).toContain("partial refund");
    const second = refunds.find((m) => m.id === `refund:${rest.id}`)!;
    expect(second.subject).toBe("Refund issued: $15.00 for Support bot prompts");
    expect((await settledMailsTo(p.buyer.email)).filter((m) => m.id.startsWith("refund:"))).toHaveLength(2);
  });
});

describe("membership emails", () => {
  it("started, renewed, payment failed, canceled and ended: each once, to the member and (new/canceled) to the creator", async () => {
    const { seller, tierId, member, cookie, sub } = await payingMember();
    const sellerEmail = await creatorEmail(seller.id);
    // payingMember delivered the first events once; deliver them all twice more, out of order.
    const initial = await eventsMatching(member.id, sub);
    for (const r of [...initial].reverse()) await applyStripeEvent(env, r.event as unknown as Stripe.Event);
    const [started] = await waitForMail(member.email, "membership-started:");
    expect(started.id).toBe(`membership-started:${sub}`);
    expect(started.text).toContain("$5.00");
    expect(started.text).toContain("No tax charged");
    expect(started.text).toContain("All Thrive is the merchant of record");
    const [joined] = await waitForMail(sellerEmail, "member-new:");
    expect(joined.subject).toContain(`New member: ${member.email}`);

    // Renewal: a receipt keyed on the new invoice.
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {});
    await deliverThrice(await fresh(sub, member.id));
    const renewed = await waitForMail(member.email, "invoice-receipt:");
    expect(renewed).toHaveLength(1);
    expect(renewed[0].subject).toContain("renewed");
    expect(renewed[0].text).toContain("$5.00");

    // A failed renewal: a link to the library (where "Manage billing" opens Stripe's billing portal).
    await emulator(`/_emulator/subscriptions/${sub}/fail_payment`, {});
    await deliverThrice(await fresh(sub, member.id));
    const failed = await waitForMail(member.email, "payment-failed:");
    expect(failed).toHaveLength(1);
    expect(failed[0].text).toContain("$5.00");
    expect(failed[0].html).toContain(`${env.PUBLIC_URL.replace(/\/$/, "")}/library`);
    expect(failed[0].text).toContain("update your card");
    await emulator(`/_emulator/subscriptions/${sub}/renew`, {}); // the retry succeeds
    await deliverThrice(await fresh(sub, member.id));

    // The member cancels at period end (through the library), then the period ends.
    const res = await postForm(
      "/library",
      {
        intent: "cancel",
        membershipId: (await env.DB.prepare("SELECT id FROM memberships WHERE stripe_subscription_id=?").bind(sub).first<{ id: string }>())!
          .id,
      },
      { cookie },
    );
    expect([200, 302]).toContain(res.status);
    await deliverThrice(await fresh(sub, member.id));
    const canceled = await waitForMail(member.email, "membership-canceled:");
    expect(canceled).toHaveLength(1);
    expect(canceled[0].text).toContain("You'll keep access until");
    await emulator(`/_emulator/subscriptions/${sub}/cancel`, {});
    await deliverThrice(await fresh(sub, member.id));
    const ended = await waitForMail(member.email, "membership-ended:");
    expect(ended).toHaveLength(1);
    expect((await membership(member.id, tierId))!.status).toBe("canceled");

    const memberMail = (await settledMailsTo(member.email)).map((m) => m.id.split(":")[0]).sort();
    expect(memberMail).toEqual([
      "invoice-receipt",
      "invoice-receipt",
      "membership-canceled",
      "membership-ended",
      "membership-started",
      "payment-failed",
    ]);
    const creatorMail = (await mailsTo(sellerEmail)).map((m) => m.id);
    expect(creatorMail.sort()).toEqual([`member-canceled:${sub}`, `member-new:${sub}`].sort());
  });

  it("member alerts follow the creator's email preference", async () => {
    const { seller, member, sub } = await payingMember();
    const sellerEmail = await creatorEmail(seller.id);
    await waitForMail(member.email, "membership-started:");
    expect((await mailsTo(sellerEmail)).map((m) => m.id)).toEqual([`member-new:${sub}`]);
    const res = await postForm("/settings/email", { intent: "member-alerts", memberAlerts: "off" }, { cookie: await seller.cookie() });
    expect(res.status).toBe(200);
    await emulator(`/_emulator/subscriptions/${sub}/cancel`, {});
    await deliverThrice(await fresh(sub, member.id));
    await waitForMail(member.email, "membership-ended:");
    expect((await settledMailsTo(sellerEmail)).map((m) => m.id)).toEqual([`member-new:${sub}`]);
  });
});

describe("payout account emails", () => {
  it("an onboarded account that Stripe disables is emailed once per state", async () => {
    const { seller } = await payingMember();
    const sellerEmail = await creatorEmail(seller.id);
    const acct = (await findPayoutAccount(env, seller.id))!.stripeAccountId;
    await emulator(`/_emulator/accounts/${acct}/require_information`, { fields: ["individual.verification.document"] });
    await deliverThrice(await fresh(acct));
    const [mail] = await waitForMail(sellerEmail, "payout-attention:");
    expect(mail.subject).toBe("Action needed: your payout account");
    expect(mail.text).toContain("Payments are paused");
    expect(mail.text).toContain("individual verification document");
    expect(mail.text).toContain("/dashboard/payouts");
    expect((await settledMailsTo(sellerEmail)).filter((m) => m.id.startsWith("payout-attention:"))).toHaveLength(1);
  });
});
