import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { makeTier, membership, payingMember, subscribeAndPay } from "~/test/money";
import { deliver } from "~/test/stripe";
import { makeSeller, makeUser } from "~/modules/demo/factories.server";
import { hasActiveSubscription } from "~/modules/content/entitlements.server";
import { seats } from "~/modules/tiers/seats.server";
import { endExpiredComps } from "./members.server";

type Mail = { id: string; to: string; subject: string; html: string; text: string };
const mailsTo = async (to: string) =>
  (
    await env.DB.prepare("SELECT id, to_address AS [to], subject, html, text FROM dev_mailbox WHERE to_address=? ORDER BY id")
      .bind(to)
      .all<Mail>()
  ).results;

async function waitForMail(to: string, prefix: string, n = 1, timeoutMs = 15_000): Promise<Mail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await mailsTo(to)).filter((m) => m.id.startsWith(prefix));
    if (found.length >= n) {
      await new Promise((r) => setTimeout(r, 1500));
      return (await mailsTo(to)).filter((m) => m.id.startsWith(prefix));
    }
    if (Date.now() > deadline) throw new Error(`no ${prefix} email to ${to}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const tierPage = (tierId: string) => `/dashboard/tiers/${tierId}`;
const membershipRow = (id: string) =>
  env.DB.prepare("SELECT id, status, comp, current_period_end AS periodEnd, end_reason AS endReason FROM memberships WHERE id=?")
    .bind(id)
    .first<{ id: string; status: string; comp: number; periodEnd: number; endReason: string | null }>();
const compOf = (userId: string, tierId: string) =>
  env.DB.prepare("SELECT id FROM memberships WHERE user_id=? AND tier_id=? AND comp=1 ORDER BY created_at DESC")
    .bind(userId, tierId)
    .first<{ id: string }>();

describe("comp memberships", () => {
  it("hold a seat on a capped tier like a paid one, refuse a full tier, and end at period end", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const tier = await makeTier(cookie, { maxSubscribers: "1" });
    const tierId = String(tier.id);
    const friend = await makeUser(env);
    const other = await makeUser(env);

    const res = await postForm(tierPage(tierId), { intent: "comp", email: friend.email, months: "3" }, { cookie });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`${friend.email} is a member for free until`);
    const comp = (await compOf(friend.id, tierId))!;
    const row = (await membershipRow(comp.id))!;
    expect(row).toMatchObject({ status: "active", comp: 1 });
    // Three calendar months, give or take the month lengths.
    expect(row.periodEnd - Math.floor(Date.now() / 1000)).toBeGreaterThan(88 * 86_400);
    expect(row.periodEnd - Math.floor(Date.now() / 1000)).toBeLessThan(93 * 86_400);
    expect(await seats(env, tierId).status()).toMatchObject({ cap: 1, members: 1, seatsLeft: 0 });
    expect(await hasActiveSubscription(env, friend.id, seller.id, [tierId])).toBe(true);

    // The seat is taken: another comp and a paid checkout are both refused.
    const full = await postForm(tierPage(tierId), { intent: "comp", email: other.email, months: "1" }, { cookie });
    expect(full.status).toBe(409);
    expect(await full.text()).toContain("This tier is full");
    const paid = await postForm(`/tiers/${tierId}`, { intent: "subscribe", interval: "month" }, { cookie: await other.cookie() });
    expect(paid.status).not.toBe(302);

    // Twice for the same person: refused.
    const again = await postForm(tierPage(tierId), { intent: "comp", email: friend.email, months: "1" }, { cookie });
    expect(again.status).toBe(409);

    // Period over: the cron ends it, frees the seat, tells the member once.
    await env.DB.prepare("UPDATE memberships SET current_period_end=? WHERE id=?")
      .bind(Math.floor(Date.now() / 1000) - 1, comp.id)
      .run();
    expect(await endExpiredComps(env)).toBe(1);
    expect(await endExpiredComps(env)).toBe(0);
    expect(await membershipRow(comp.id)).toMatchObject({ status: "canceled", endReason: "comp_ended" });
    expect(await seats(env, tierId).status()).toMatchObject({ members: 0, seatsLeft: 1 });
    expect(await hasActiveSubscription(env, friend.id, seller.id, [tierId])).toBe(false);
    const ended = await waitForMail(friend.email, "membership-ended:");
    expect(ended).toHaveLength(1);
    expect(ended[0].text).toContain("has ended");
  });

  it("validate the email and the period with clear messages", async () => {
    const seller = await makeSeller(env);
    const cookie = await seller.cookie();
    const tierId = String((await makeTier(cookie)).id);
    const friend = await makeUser(env);
    const badMonths = await postForm(tierPage(tierId), { intent: "comp", email: friend.email, months: "7" }, { cookie });
    expect(badMonths.status).toBe(422);
    expect(await badMonths.text()).toContain("Choose 1, 3 or 12 months.");
    const nobody = await postForm(tierPage(tierId), { intent: "comp", email: "nobody-here@example.com", months: "1" }, { cookie });
    expect(nobody.status).toBe(422);
    expect(await nobody.text()).toContain("No All Thrive account uses that email");
    const self = await postForm(tierPage(tierId), { intent: "comp", email: seller.email, months: "1" }, { cookie });
    expect(self.status).toBe(422);
  });
});

describe("removing a member", () => {
  it("with a refund: canceled at Stripe now, the latest invoice refunded in the emulator, the seat freed", async () => {
    const { seller, tierId, member, sub } = await payingMember();
    const id = (await env.DB.prepare("SELECT id FROM memberships WHERE stripe_subscription_id=?").bind(sub).first<{ id: string }>())!.id;
    const res = await postForm(
      tierPage(tierId),
      { intent: "remove", membershipId: id, refund: "latest" },
      { cookie: await seller.cookie() },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Removed, and their latest payment refunded.");
    const stripe = getStripe(env);
    const s = await stripe.subscriptions.retrieve(sub);
    expect(s.status).toBe("canceled");
    const inv = await stripe.invoices.retrieve(String(s.latest_invoice), { expand: ["payments"] });
    const pi = (inv as unknown as { payments: { data: { payment: { payment_intent: string } }[] } }).payments.data[0].payment
      .payment_intent;
    const refunds = await stripe.refunds.list({ payment_intent: pi });
    expect(refunds.data.map((r) => r.amount)).toEqual([500]);
    expect((await membership(member.id, tierId))!.status).toBe("canceled");
    expect((await seats(env, tierId).status()).members).toBe(0);
    // The member hears once that it ended, and once about the refund (when Stripe's events arrive).
    await deliver(member.id, sub, pi);
    expect(await waitForMail(member.email, "membership-ended:")).toHaveLength(1);
    expect(await waitForMail(member.email, "refund:")).toHaveLength(1);
  });

  it("without a refund: canceled, nothing refunded", async () => {
    const { seller, tierId, member, sub } = await payingMember();
    const id = (await env.DB.prepare("SELECT id FROM memberships WHERE stripe_subscription_id=?").bind(sub).first<{ id: string }>())!.id;
    const res = await postForm(tierPage(tierId), { intent: "remove", membershipId: id, refund: "none" }, { cookie: await seller.cookie() });
    expect(res.status).toBe(200);
    const stripe = getStripe(env);
    expect((await stripe.subscriptions.retrieve(sub)).status).toBe("canceled");
    const refunds = await stripe.refunds.list({ limit: 100 });
    const s = await stripe.subscriptions.retrieve(sub);
    expect(refunds.data.filter((r) => JSON.stringify(r).includes(String(s.latest_invoice)))).toHaveLength(0);
    expect((await membership(member.id, tierId))!.status).toBe("canceled");
    // Removing again: the membership has already ended.
    expect((await postForm(tierPage(tierId), { intent: "remove", membershipId: id }, { cookie: await seller.cookie() })).status).toBe(409);
  });
});

describe("members actions are the tier owner's only", () => {
  it("another creator gets 403 for every action and a missing tier is 404", async () => {
    const { tierId, sub } = await payingMember();
    const id = (await env.DB.prepare("SELECT id FROM memberships WHERE stripe_subscription_id=?").bind(sub).first<{ id: string }>())!.id;
    const intruder = await makeSeller(env);
    const cookie = await intruder.cookie();
    const victim = await makeUser(env);
    for (const fields of <Record<string, string>[]>[
      { intent: "comp", email: victim.email, months: "1" },
      { intent: "remove", membershipId: id, refund: "latest" },
      { intent: "message", subject: "Hi", body: "Spam" },
    ]) {
      expect((await postForm(tierPage(tierId), fields, { cookie })).status).toBe(403);
      expect((await postForm(tierPage("no-such-tier"), fields, { cookie })).status).toBe(404);
    }
    expect((await app(tierPage(tierId), { cookie })).status).toBe(403);
    // Nothing happened.
    expect((await getStripe(env).subscriptions.retrieve(sub)).status).toBe("active");
    expect(await compOf(victim.id, tierId)).toBeNull();
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tier_messages WHERE tier_id=?").bind(tierId).first<{ n: number }>())!.n).toBe(
      0,
    );
    // A membership of another tier can't be removed through this one.
    const own = await makeTier(cookie);
    expect((await postForm(tierPage(String(own.id)), { intent: "remove", membershipId: id }, { cookie })).status).toBe(404);
  });
});

describe("messaging a tier's members", () => {
  it("sanitises the Markdown, skips members who unsubscribed from the creator, and allows 3 per tier per day", async () => {
    const { seller, tierId, member } = await payingMember();
    const cookie = await seller.cookie();
    const second = await makeUser(env);
    await subscribeAndPay(tierId, await second.cookie());
    await deliver(second.id);
    const outsider = await makeUser(env); // not a member: never messaged

    const send = (subject: string, body: string) => postForm(tierPage(tierId), { intent: "message", subject, body }, { cookie });
    const empty = await send("", "x");
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Enter a subject.");

    const first = await send("Live Q&A on Friday", "Hello **members**!\n\n<script>alert(1)</script><img src=x onerror=alert(1)>");
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("Message queued for 2 members.");
    const [a] = await waitForMail(member.email, "tier-message:");
    await waitForMail(second.email, "tier-message:");
    expect(a.html).toContain("<strong>members</strong>");
    // Raw HTML in the Markdown is shown as text, never as markup.
    expect(a.html).not.toMatch(/<script|<img/i);
    expect(a.subject).toContain(seller.displayName);
    const unsub = /href="([^"]*\/unsubscribe\?u=[^"]*&amp;c=[^"]*)"/.exec(a.html)![1].replace(/&amp;/g, "&");
    expect(a.text).toContain(`Unsubscribe from ${seller.displayName}'s emails`);

    // The first member unsubscribes from this creator through the footer link.
    const path = unsub.slice(unsub.indexOf("/unsubscribe"));
    expect((await (await app(path)).text()).replace(/<!-- -->/g, "")).toContain(`Stop messages from ${seller.displayName}`);
    expect((await postForm(path, {})).status).toBe(200);

    expect((await send("Second", "Again")).status).toBe(200);
    await waitForMail(second.email, "tier-message:", 2);
    expect((await mailsTo(member.email)).filter((m) => m.id.startsWith("tier-message:"))).toHaveLength(1);
    expect(await mailsTo(outsider.email)).toHaveLength(0);

    expect((await send("Third", "Once more")).status).toBe(200);
    const fourth = await send("Fourth", "Too many");
    expect(fourth.status).toBe(429);
    expect(await fourth.text()).toContain("You can message this tier 3 times a day");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM tier_messages WHERE tier_id=?").bind(tierId).first<{ n: number }>())!.n).toBe(
      3,
    );
    // Receipts are not affected by the per-creator unsubscribe.
    expect((await mailsTo(member.email)).some((m) => m.id.startsWith("membership-started:"))).toBe(true);
  });
});
