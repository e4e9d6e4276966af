import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { makeCreator, makeSeller, makeUser } from "~/modules/demo/factories.server";
import type { Stripe } from "~/lib/stripe.server";
import { applyStripeEvent } from "~/modules/payments/events.server";
import { makeTier, membership, purchased, subscribeAndPay } from "~/test/money";
import { eventsMatching, postAll } from "~/test/stripe";
import { followCreator, unfollowCreator } from "~/modules/follows/service.server";
import { joinFreeTier } from "~/modules/payments/checkout.server";
import { saveTier } from "~/modules/tiers/service.server";
import { listNotifications, unreadCount } from "./service.server";

describe("notifications", () => {
  it("tell a creator about a new follower once, however often they re-follow", async () => {
    const c = await makeCreator(env);
    const fan = await makeCreator(env, { displayName: "Fan Fiona" });
    await followCreator(env, fan.viewer, c.handle);
    await unfollowCreator(env, fan.viewer, c.handle);
    await followCreator(env, fan.viewer, c.handle);
    const { items } = await listNotifications(env, c.id, null);
    expect(items.filter((n) => n.kind === "new_follower")).toHaveLength(1);
    expect(items[0].message).toBe(`Fan Fiona (@${fan.handle}) started following you`);
    // A member without a storefront is not named (their email stays private).
    const quiet = await makeUser(env);
    await followCreator(env, quiet.viewer, c.handle);
    // The two follows show as one line; only the follower with a storefront is named.
    const [line] = (await listNotifications(env, c.id, null)).items.filter((n) => n.kind === "new_follower");
    expect(line).toMatchObject({ message: "2 new followers", count: 2, detail: `Fan Fiona (@${fan.handle}) and 1 other` });
    expect(`${line.message} ${line.detail}`).not.toContain("@example.test");
  });

  it("tell a creator about a new member, and the bell counts unread ones until read", async () => {
    const c = await makeCreator(env);
    const { id: tierId } = await saveTier(env, c.viewer, null, {
      name: "Friends",
      pricing: "free",
      currency: "usd",
      description: "",
      benefits: "",
      monthly: "",
      annual: "",
      minimum: "",
      maxSubscribers: "",
    });
    const u = await makeUser(env);
    await joinFreeTier(env, u.viewer, tierId);
    expect(await unreadCount(env, c.id)).toBe(1);
    const cookie = await c.cookie();
    const page = await (await app("/notifications", { cookie })).text();
    expect(page).toContain("A new member joined Friends");
    expect(page).toContain("Notifications, 1 unread");
    const read = await app("/notifications", { method: "POST", body: new URLSearchParams({ intent: "read-all" }), cookie });
    expect(read.status).toBe(302);
    expect(await unreadCount(env, c.id)).toBe(0);
  });

  it("only the owner can open a notification", async () => {
    const c = await makeCreator(env);
    const fan = await makeUser(env);
    await followCreator(env, fan.viewer, c.handle);
    const [n] = (await listNotifications(env, c.id, null)).items;
    const other = await makeUser(env);
    const otherCookie = await other.cookie();
    const res = await app("/notifications", {
      method: "POST",
      body: new URLSearchParams({ intent: "open", id: n.id }),
      cookie: otherCookie,
    });
    expect(res.status).toBe(404);
    const dismiss = await app("/library", {
      method: "POST",
      body: new URLSearchParams({ intent: "dismiss", notificationId: n.id }),
      cookie: otherCookie,
    });
    expect(dismiss.status).toBe(404);
    expect(await dismiss.text()).toContain("couldn't find that notification");
    expect(await unreadCount(env, c.id)).toBe(1);
    // The owner still opens it and is taken to its link.
    const own = await app("/notifications", {
      method: "POST",
      body: new URLSearchParams({ intent: "open", id: n.id }),
      cookie: await c.cookie(),
    });
    expect(own.status).toBe(302);
    expect(await unreadCount(env, c.id)).toBe(0);
  });
});

describe("paid notifications survive duplicate webhooks", () => {
  const countFor = async (creatorId: string, kind: string) =>
    (await env.DB.prepare("SELECT COUNT(*) AS n FROM notifications WHERE user_id=? AND kind=?")
      .bind(creatorId, kind)
      .first<{ n: number }>())!.n;

  /** Every event twice at the endpoint, then once more straight through the consumer (a queue redelivery). */
  async function deliverTwice(...needles: string[]) {
    const events = await eventsMatching(...needles);
    await postAll([...events, ...events]);
    for (const e of events) await applyStripeEvent(env, e.event as unknown as Stripe.Event);
  }

  it("a paid subscription notifies the creator exactly once", async () => {
    const seller = await makeSeller(env);
    const tier = await makeTier(await seller.cookie());
    const member = await makeUser(env);
    await subscribeAndPay(String(tier.id), await member.cookie());
    await deliverTwice(member.id);
    expect((await membership(member.id, String(tier.id)))!.status).toBe("active");
    expect(await countFor(seller.id, "new_subscriber")).toBe(1);
    expect((await listNotifications(env, seller.id, null)).items.map((n) => n.message)).toContain(`A new member joined ${tier.name}`);
  });

  it("a product sale notifies the creator exactly once", async () => {
    const { seller, buyer, sessionId, title } = await purchasedUndelivered();
    await deliverTwice(buyer.id);
    expect(
      (await env.DB.prepare("SELECT status FROM orders WHERE checkout_session_id=?").bind(sessionId).first<{ status: string }>())!.status,
    ).toBe("paid");
    expect(await countFor(seller.id, "new_purchase")).toBe(1);
    expect((await listNotifications(env, seller.id, null)).items.map((n) => n.message)).toContain(`New sale: ${title}`);
  });

  async function purchasedUndelivered() {
    const p = await purchased({ deliverNow: false });
    const title = (await env.DB.prepare("SELECT title FROM products WHERE id=?").bind(p.id).first<{ title: string }>())!.title;
    return { ...p, title };
  }
});
