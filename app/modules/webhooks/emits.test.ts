/**
 * Every creator webhook event not covered by webhooks.test.ts, triggered from where it really
 * happens (a Stripe refund, a member canceling and being removed, a booking made / moved /
 * canceled, a post published, a comment written) and received, signed, by the local receiver.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { openSlots } from "~/modules/services/booking.server";
import { availabilityRules } from "~/modules/services/calendar.server";
import { app, postForm } from "~/test/http";
import { payingMember, purchased } from "~/test/money";
import { sellerWithService } from "~/test/services";
import { deliver, payCheckout } from "~/test/stripe";
import { captured, hook, verify, waitForRequests } from "~/test/webhooks";
import type { WebhookEventType } from "./schema";
import { createEndpoint } from "./service.server";

type Payload = { type: string; timestamp: string; data: Record<string, Record<string, unknown>> };

/** A receiver subscribed to `types` for one creator; `next()` returns the n-th delivery, verified. */
async function receiver(creator: { viewer: Parameters<typeof createEndpoint>[1] }, types: WebhookEventType[]) {
  const name = `emit-${crypto.randomUUID().slice(0, 8)}`;
  const ep = await createEndpoint(env, creator.viewer, { url: hook(name), eventTypes: types });
  let seen = 0;
  return {
    name,
    async next(): Promise<Payload> {
      const c = (await waitForRequests(name, ++seen))[seen - 1];
      expect(c.headers["webhook-id"]).toMatch(/^msg_/);
      return verify(ep.secret, c) as Payload;
    },
    /** After the queue has moved past everything emitted so far: exactly `seen` deliveries arrived. */
    async nothingElse() {
      const probeCreator = await makeCreator(env);
      const probe = `probe-${crypto.randomUUID().slice(0, 8)}`;
      await createEndpoint(env, probeCreator.viewer, { url: hook(probe), eventTypes: ["follower.created"] });
      await followCreator(env, (await makeUser(env)).viewer, probeCreator.handle);
      await waitForRequests(probe, 1);
      expect(await captured(name)).toHaveLength(seen);
    },
  };
}

/** The n-th open slot of a service (ISO), as its page lists it. */
async function slot(creatorId: string, serviceId: string, skip: number) {
  const s = (await env.DB.prepare("SELECT * FROM services WHERE id = ?").bind(serviceId).first<Record<string, unknown>>())!;
  const rules = await availabilityRules(env, creatorId);
  const slots = await openSlots(
    env,
    { ...s, creatorId, durationMinutes: Number(s.duration_minutes) } as never,
    rules,
    Number(s.duration_minutes),
  );
  return new Date(slots[skip].start).toISOString();
}

describe("creators' webhooks from their real sources", () => {
  it("order.refunded: a partial refund in Stripe, then the rest, are two events with the order's current amounts", async () => {
    const { seller, buyer, sessionId, paymentIntent } = await purchased();
    const r = await receiver(seller, ["order.refunded"]);
    const stripe = getStripe(env);
    await stripe.refunds.create({ payment_intent: paymentIntent, amount: 999 });
    await deliver(buyer.id, paymentIntent);
    const partial = await r.next();
    expect(partial.type).toBe("order.refunded");
    const order = (await env.DB.prepare("SELECT id FROM orders WHERE checkout_session_id=?").bind(sessionId).first<{ id: string }>())!;
    expect(partial.data.order).toMatchObject({ id: order.id, status: "paid", gross: 1999, amount_refunded: 999 });
    expect(partial.data.refund).toEqual({ amount_refunded: 999, full: false });
    expect(partial.data.customer).toEqual({ id: buyer.id, email: buyer.email });

    await stripe.refunds.create({ payment_intent: paymentIntent });
    await deliver(buyer.id, paymentIntent);
    const rest = await r.next();
    expect(rest.data.order).toMatchObject({ id: order.id, status: "refunded", amount_refunded: 1999 });
    expect(rest.data.refund).toEqual({ amount_refunded: 1999, full: true });
    await r.nothingElse();
  });

  it("membership.updated when the member cancels at period end; membership.canceled when the creator removes them", async () => {
    const { seller, tierId, member, cookie, sub } = await payingMember();
    const r = await receiver(seller, ["membership.updated", "membership.canceled"]);
    const m = (await env.DB.prepare("SELECT id FROM memberships WHERE stripe_subscription_id=?").bind(sub).first<{ id: string }>())!;
    expect((await postForm("/library", { intent: "cancel", membershipId: m.id }, { cookie })).status).toBe(200);
    await deliver(member.id, sub);
    const updated = await r.next();
    expect(updated.type).toBe("membership.updated");
    expect(updated.data.membership).toMatchObject({ id: sub, tier_id: tierId, status: "active", amount: 500, cancel_at_period_end: true });
    expect(updated.data.customer).toEqual({ id: member.id, email: member.email });

    const removed = await postForm(
      `/dashboard/tiers/${tierId}`,
      { intent: "remove", membershipId: m.id, refund: "none" },
      { cookie: await seller.cookie() },
    );
    expect(removed.status).toBe(200);
    await deliver(member.id, sub);
    const canceled = await r.next();
    expect(canceled.type).toBe("membership.canceled");
    expect(canceled.data.membership).toMatchObject({ id: sub, tier_id: tierId, status: "canceled" });
    expect(canceled.data.customer).toEqual({ id: member.id, email: member.email });
    await r.nothingElse();
  });

  it("booking.created / rescheduled / canceled: paid through Checkout, moved by the buyer, canceled by the creator", async () => {
    const ctx = await sellerWithService({ price: "40" });
    const r = await receiver(ctx.seller, ["booking.created", "booking.rescheduled", "booking.canceled"]);
    const buyer = await makeUser(env);
    const cookie = await buyer.cookie();
    const start = await slot(ctx.seller.id, ctx.id, 120); // 60 h away: the buyer may still move it
    const res = await postForm(`/@${ctx.seller.handle}/services/${ctx.slug}`, { start, minutes: "30" }, { cookie });
    expect(res.status).toBe(303);
    await payCheckout(res.headers.get("Location")!);
    await deliver(buyer.id);
    const b = (await env.DB.prepare("SELECT id FROM bookings WHERE buyer_id=?").bind(buyer.id).first<{ id: string }>())!;
    const created = await r.next();
    expect(created.type).toBe("booking.created");
    const startAt = Date.parse(start) / 1000;
    expect(created.data.booking).toMatchObject({
      id: b.id,
      service: { id: ctx.id, title: "Office hour" },
      status: "confirmed",
      start_at: startAt,
      end_at: startAt + 1800,
      currency: "usd",
      gross: 4000,
    });
    expect(created.data.customer).toEqual({ id: buyer.id, email: buyer.email });

    const to = await slot(ctx.seller.id, ctx.id, 130);
    const moved = await postForm(
      `/@${ctx.seller.handle}/services/${ctx.slug}`,
      { intent: "reschedule", bookingId: b.id, start: to },
      { cookie },
    );
    expect(moved.status).toBe(303);
    const rescheduled = await r.next();
    expect(rescheduled.type).toBe("booking.rescheduled");
    expect(rescheduled.data.booking).toMatchObject({ id: b.id, status: "confirmed", start_at: Date.parse(to) / 1000 });
    expect(rescheduled.data.previous).toEqual({ start_at: startAt, end_at: startAt + 1800 });

    const canceledRes = await postForm("/dashboard/services", { bookingId: b.id }, { cookie: await ctx.seller.cookie() });
    expect(canceledRes.status).toBe(200);
    const canceled = await r.next();
    expect(canceled.type).toBe("booking.canceled");
    expect(canceled.data.booking).toMatchObject({ id: b.id, status: "canceled", gross: 4000 });
    expect(canceled).toMatchObject({ data: { canceled_by: "creator", refunded: true } });
    await r.nothingElse();
  });

  it("post.published carries the post's public facts and never its gated text; comment.created names the comment and its post", async () => {
    const c = await makeCreator(env);
    const r = await receiver(c, ["post.published", "comment.created"]);
    const cookie = await c.cookie();
    const form = (fields: Record<string, string>) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(fields)) fd.append(k, v);
      return fd;
    };
    const body = "Free intro for everyone.\n\n<!-- paywall -->\n\nMEMBERS-ONLY-SECRET recipe.";
    const saved = await app("/dashboard/posts/new", {
      method: "POST",
      body: form({ intent: "save", title: "Members recipe", body, visibility: "paid" }),
      cookie,
    });
    expect(saved.status).toBe(302);
    const postId = saved.headers.get("Location")!.split("/")[3].split("?")[0];
    const pub = await app(`/dashboard/posts/${postId}`, {
      method: "POST",
      body: form({ intent: "publish", title: "Members recipe", body, visibility: "paid" }),
      cookie,
    });
    expect(pub.status).toBe(302);
    const [raw] = await waitForRequests(r.name, 1);
    expect(raw.body).not.toContain("MEMBERS-ONLY-SECRET");
    const published = await r.next();
    expect(published.type).toBe("post.published");
    expect(published.data.post).toMatchObject({ id: postId, slug: "members-recipe", title: "Members recipe", visibility: "paid" });
    expect(String(published.data.post.url)).toMatch(new RegExp(`/@${c.handle}/posts/members-recipe$`));

    // A public post of the same creator: a settled reader comments on it through the thread's route.
    const open = await app("/dashboard/posts/new", {
      method: "POST",
      body: form({ intent: "publish", title: "Open notes", body: "Hello all.", visibility: "public" }),
      cookie,
    });
    expect(open.status).toBe(302);
    const openPost = (await env.DB.prepare("SELECT id FROM posts WHERE creator_id=? AND slug='open-notes'")
      .bind(c.id)
      .first<{ id: string }>())!;
    await r.next(); // its own post.published
    const reader = await makeUser(env);
    await env.DB.prepare("UPDATE users SET created_at = created_at - 172800 WHERE id=?").bind(reader.id).run();
    const commented = await postForm(
      `/comments/post/${openPost.id}`,
      { intent: "comment", body: "Great **notes**" },
      { cookie: await reader.cookie(), headers: { "CF-Connecting-IP": "10.78.0.1" } },
    );
    expect(commented.status).toBe(200);
    const commentId = (await env.DB.prepare("SELECT id FROM comments WHERE author_id=?").bind(reader.id).first<{ id: string }>())!.id;
    const comment = await r.next();
    expect(comment.type).toBe("comment.created");
    expect(comment.data.comment).toMatchObject({
      id: commentId,
      target: { type: "post", id: openPost.id, title: "Open notes" },
      parent_id: null,
      author_id: reader.id,
      body_markdown: "Great **notes**",
    });
    await r.nothingElse();
  });
});
