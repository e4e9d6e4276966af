import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { app, postForm } from "~/test/http";
import { buy, makeTier, publishedProduct, subscribeAndPay } from "~/test/money";
import { deliver } from "~/test/stripe";
import { makeSeller } from "~/modules/demo/factories.server";
import { waitForMail } from "~/test/mail";
import { captured, hook, verify, waitForRequests } from "~/test/webhooks";
import worker from "../../../workers/index";
import { MAX_ATTEMPTS, RETRY_DELAYS } from "./delivery.server";
import { emitCreatorEvent } from "./emit.server";
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from "./schema";
import { createEndpoint, deliveryLog, replayDelivery, rotateSecret } from "./service.server";
import { checkWebhookUrl } from "./url-guard";

async function waitFor<T>(read: () => Promise<T | null | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const x = await read();
    if (x) return x;
    await new Promise((res) => setTimeout(res, 30));
  }
  throw new Error(`timed out waiting for ${what}`);
}
/** A delivery row made by hand, so a test drives each attempt itself (nothing runs it in the background). */
async function handMadeDelivery(creatorId: string, endpointId: string, extra: Partial<typeof webhookDeliveries.$inferInsert> = {}) {
  const db = getDb(env);
  const eventId = `msg_${newId(24)}`;
  await db.insert(webhookEvents).values({
    id: eventId,
    userId: creatorId,
    key: `test:${eventId}`,
    type: "order.paid",
    payload: JSON.stringify({ type: "order.paid", timestamp: new Date().toISOString(), data: { order: { id: "ord_1" } } }),
    createdAt: nowSeconds(),
  });
  const id = newId();
  await db.insert(webhookDeliveries).values({ id, eventId, endpointId, createdAt: nowSeconds(), ...extra });
  return { id, eventId };
}
const deliveryMsg = (deliveryId: string) => ({ type: "webhook_delivery", deliveryId });

/** Runs one delivery message through the real Worker queue handler; reports ack/retry and the retry's delay. */
async function runDelivery(deliveryId: string, runEnv: Env = env) {
  const batch = createMessageBatch("allthrive-webhooks", [
    { id: newId(), timestamp: new Date(), attempts: 1, body: deliveryMsg(deliveryId) },
  ]);
  // getQueueResult records which messages were retried but not their delay: watch retry() for that.
  const retry = vi.spyOn(batch.messages[0], "retry");
  const ctx = createExecutionContext();
  await worker.queue!(batch as never, runEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  const delay = (retry.mock.calls[0]?.[0] as { delaySeconds?: number } | undefined)?.delaySeconds;
  return { retried: result.retryMessages.length === 1, acked: result.explicitAcks.length === 1, delay };
}

describe("creators' webhooks", () => {
  it("signs every delivery per Standard Webhooks: the reference implementation verifies it, also across a secret rotation", async () => {
    const c = await makeCreator(env);
    const ep = await createEndpoint(env, c.viewer, { url: hook("sig"), eventTypes: ["follower.created", "post.published"] });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    // A real event from where it happens: someone follows the creator.
    const fan = await makeUser(env);
    await followCreator(env, fan.viewer, c.handle);
    const [first] = await waitForRequests("sig");
    const payload = verify(ep.secret, first) as { type: string; timestamp: string; data: { follower: { id: string } } };
    expect(payload.type).toBe("follower.created");
    expect(payload.data.follower.id).toBe(fan.id);
    expect(first.headers["webhook-id"]).toMatch(/^msg_/);
    expect(first.headers["content-type"]).toBe("application/json");
    expect(() => verify(`whsec_${btoa("another secret of thirty-two bytes")}`, first)).toThrow();
    // A changed body fails verification.
    expect(() => verify(ep.secret, { ...first, body: first.body.replace("follower", "f0llower") })).toThrow();

    // Rotation: both the new and the old secret verify the next delivery (two signatures).
    const { secret: fresh } = await rotateSecret(env, c.viewer, ep.id);
    await emitCreatorEvent(env, c.id, "post.published", { post: { id: "p1" } }, "p1");
    const [, second] = await waitForRequests("sig", 2);
    expect(second.headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect((verify(fresh, second) as { type: string }).type).toBe("post.published");
    expect((verify(ep.secret, second) as { type: string }).type).toBe("post.published");
  });

  it("order.paid and membership.created come from the Stripe event consumer, with the current order and the customer's email", async () => {
    const product = await publishedProduct("19.99");
    const ep = await createEndpoint(env, product.seller.viewer, { url: hook("sales"), eventTypes: ["order.paid", "membership.created"] });
    const buyer = await makeUser(env);
    await buy(product.id, product.seller.handle, product.slug, await buyer.cookie());
    await deliver(buyer.id);
    const [sale] = await waitForRequests("sales");
    const paid = verify(ep.secret, sale) as {
      type: string;
      data: {
        order: { id: string; product: { id: string; title: string }; gross: number; fee: number; net: number; status: string };
        customer: { email: string };
      };
    };
    expect(paid.type).toBe("order.paid");
    expect(paid.data.order).toMatchObject({ product: { id: product.id }, gross: 1999, fee: 160, net: 1839, status: "paid" });
    expect(paid.data.customer.email).toBe(buyer.email);
    // The Stripe events applied again send nothing new.
    await deliver(buyer.id);

    const seller = await makeSeller(env);
    const ep2 = await createEndpoint(env, seller.viewer, { url: hook("members"), eventTypes: ["membership.created"] });
    const tier = await makeTier(await seller.cookie());
    const member = await makeUser(env);
    await subscribeAndPay(String(tier.id), await member.cookie());
    await deliver(member.id);
    const [joined] = await waitForRequests("members");
    const created = verify(ep2.secret, joined) as {
      type: string;
      data: { membership: { tier_id: string; status: string; amount: number }; customer: { email: string } };
    };
    expect(created.type).toBe("membership.created");
    expect(created.data.membership).toMatchObject({ tier_id: String(tier.id), status: "active", amount: 500 });
    expect(created.data.customer.email).toBe(member.email);
    expect(await captured("sales")).toHaveLength(1);
  });

  it("sends an event emitted twice once, only to endpoints subscribed to its type", async () => {
    const c = await makeCreator(env);
    const subscribed = await createEndpoint(env, c.viewer, { url: hook("dedupe"), eventTypes: ["comment.created"] });
    const other = await createEndpoint(env, c.viewer, { url: hook("dedupe-other"), eventTypes: ["order.paid"] });
    await emitCreatorEvent(env, c.id, "comment.created", { comment: { id: "c1" } }, "c1");
    await emitCreatorEvent(env, c.id, "comment.created", { comment: { id: "c1" } }, "c1");
    await emitCreatorEvent(env, c.id, "comment.created", { comment: { id: "c2" } }, "c2");
    const got = await waitForRequests("dedupe", 2);
    const log = await waitFor(async () => {
      const l = await deliveryLog(env, c.viewer);
      return l.length === 2 && l.every((d) => d.status === "delivered") ? l : null;
    }, "two delivered");
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(got.length);
    expect(log.every((d) => d.endpointId === subscribed.id)).toBe(true);
    expect(await captured("dedupe-other")).toEqual([]);
    void other;
  });

  it("retries a failing receiver on the backoff schedule, then turns the endpoint off and emails the creator", async () => {
    const c = await makeCreator(env);
    const ep = await createEndpoint(env, c.viewer, { url: hook("failing", "500"), eventTypes: ["order.paid"] });
    const { id } = await handMadeDelivery(c.id, ep.id);
    expect(MAX_ATTEMPTS).toBe(12);
    const total = RETRY_DELAYS.reduce((a, b) => a + b, 0);
    expect(total / 86400).toBeGreaterThan(2.5);
    expect(total / 86400).toBeLessThan(3.5);
    expect(Math.max(...RETRY_DELAYS)).toBeLessThanOrEqual(43_200);

    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const r = await runDelivery(id);
      expect(r.retried, `attempt ${attempt}`).toBe(true);
      expect(r.delay).toBe(RETRY_DELAYS[attempt - 1]);
      // Exponential: each delay is 4× the one before until the 12-hour cap.
      if (attempt > 1) expect(RETRY_DELAYS[attempt - 1]).toBe(Math.min(43_200, RETRY_DELAYS[attempt - 2] * 4));
    }
    const [beforeLast] = await getDb(env).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, ep.id));
    expect(beforeLast.disabledAt).toBeNull();
    const last = await runDelivery(id);
    expect(last).toMatchObject({ retried: false, acked: true });

    const [d] = await getDb(env).select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
    expect(d).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS, lastStatus: 500 });
    const [after] = await getDb(env).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, ep.id));
    expect(after.disabledAt).not.toBeNull();
    expect(after.disabledReason).toBe("failing");
    const mail = await waitForMail(c.email, "webhook endpoint was turned off");
    expect(mail.text).toContain(hook("failing", "500"));
    expect(mail.text).toContain("/settings/webhooks");

    // The log: one row per attempt, excerpts truncated, no secret anywhere in it.
    const attempts = await getDb(env).select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, id));
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    for (const a of attempts) {
      expect(a).toMatchObject({ status: 500, ok: false });
      expect(a.responseExcerpt.length).toBeLessThanOrEqual(1001);
      expect(a.requestExcerpt).not.toContain(ep.secret.slice(6, 20));
      expect(a.requestExcerpt).toContain("webhook-signature: (not shown)");
    }
    // A turned-off endpoint gets no new deliveries.
    await emitCreatorEvent(env, c.id, "order.paid", { order: {} }, "after-disable");
    const fan = await makeUser(env);
    const c2 = await makeCreator(env);
    await createEndpoint(env, c2.viewer, { url: hook("probe"), eventTypes: ["follower.created"] });
    await followCreator(env, fan.viewer, c2.handle);
    await waitForRequests("probe"); // the queue has moved past the earlier event
    expect((await captured("failing")).length).toBe(MAX_ATTEMPTS);
  });

  it("does not turn off an endpoint that answered 2xx since the failing delivery began", async () => {
    const c = await makeCreator(env);
    const ep = await createEndpoint(env, c.viewer, { url: hook("flaky", "503"), eventTypes: ["order.paid"] });
    const started = nowSeconds() - 3 * 86400;
    const { id } = await handMadeDelivery(c.id, ep.id, { attempts: MAX_ATTEMPTS - 1, firstAttemptAt: started });
    await getDb(env)
      .update(webhookEndpoints)
      .set({ lastSuccessAt: started + 3600 })
      .where(eq(webhookEndpoints.id, ep.id));
    expect(await runDelivery(id)).toMatchObject({ retried: false, acked: true });
    const [d] = await getDb(env).select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
    expect(d.status).toBe("failed");
    const [after] = await getDb(env).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, ep.id));
    expect(after.disabledAt).toBeNull();
  });

  it("replays a delivery with the same webhook-id and body, as one attempt; a redirect is not followed", async () => {
    const c = await makeCreator(env);
    const ep = await createEndpoint(env, c.viewer, { url: hook("replay"), eventTypes: ["post.published"] });
    await emitCreatorEvent(env, c.id, "post.published", { post: { id: "p9", title: "Hello" } }, "p9");
    const [first] = await waitForRequests("replay");
    const [d] = await waitFor(async () => {
      const l = await deliveryLog(env, c.viewer);
      return l[0]?.status === "delivered" ? l : null;
    }, "delivered");
    await replayDelivery(env, c.viewer, d.id);
    const [, again] = await waitForRequests("replay", 2);
    expect(again.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(again.body).toBe(first.body);
    expect(verify(ep.secret, again)).toMatchObject({ type: "post.published" });

    // A redirect counts as a failure and is not followed (it could point anywhere).
    const r = await createEndpoint(env, c.viewer, { url: hook("redirect", "redirect"), eventTypes: ["order.paid"] });
    const { id } = await handMadeDelivery(c.id, r.id);
    expect(await runDelivery(id)).toMatchObject({ retried: true, delay: RETRY_DELAYS[0] });
    expect(await captured("redirect")).toHaveLength(1);
    const [row] = await getDb(env).select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
    expect(row.lastStatus).toBe(302);
    // A delivery still on its schedule can't be replayed on top of itself.
    await expect(replayDelivery(env, c.viewer, id)).rejects.toMatchObject({ status: 409 });
  });

  it("SSRF guard: production refuses private, loopback, link-local, CGNAT and ULA hosts and plain http, on save and at delivery", async () => {
    const prod = { production: true };
    for (const url of [
      "http://example.com/hook",
      "https://127.0.0.1/hook",
      "https://127.1.2.3/hook",
      "https://localhost/hook",
      "https://api.localhost/hook",
      "https://10.1.2.3/hook",
      "https://172.16.0.1/hook",
      "https://192.168.1.10/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/hook",
      "https://0.0.0.0/hook",
      "https://[::1]/hook",
      "https://[fd12:3456::1]/hook",
      "https://[fe80::1]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://[::ffff:10.0.0.1]/hook",
      "https://[64:ff9b::a9fe:a9fe]/hook",
      "https://2130706433/hook",
      "https://0x7f.1/hook",
      "https://017700000001/hook",
      "https://metadata.google.internal/hook",
      "https://printer.local/hook",
      "https://intranet/hook",
      "https://user:pass@example.com/hook",
      "ftp://example.com/hook",
      "not a url",
    ])
      expect(checkWebhookUrl(url, prod).ok, url).toBe(false);
    for (const url of [
      "https://example.com/hook",
      "https://hooks.example.org:8443/x?y=1",
      "https://8.8.8.8/hook",
      "https://[2606:4700::1111]/hook",
    ])
      expect(checkWebhookUrl(url, prod).ok, url).toBe(true);
    // Development and tests may use a loopback receiver, over http too — and nothing else private.
    const dev = { production: false };
    expect(checkWebhookUrl("http://127.0.0.1:8888/hook", dev).ok).toBe(true);
    expect(checkWebhookUrl("http://localhost:8888/hook", dev).ok).toBe(true);
    expect(checkWebhookUrl("http://example.com/hook", dev).ok).toBe(false);
    expect(checkWebhookUrl("https://10.0.0.1/hook", dev).ok).toBe(false);

    // On save, with the app in production mode: 422 naming the problem.
    const c = await makeCreator(env);
    const prodEnv = { ...env, APP_ENV: "production" } as Env;
    await expect(createEndpoint(prodEnv, c.viewer, { url: hook("ssrf"), eventTypes: ["order.paid"] })).rejects.toMatchObject({
      status: 422,
    });
    await expect(createEndpoint(env, c.viewer, { url: "https://192.168.0.1/x", eventTypes: ["order.paid"] })).rejects.toMatchObject({
      status: 422,
    });

    // At delivery: an endpoint saved in development, delivered by production, is refused and never called.
    const ep = await createEndpoint(env, c.viewer, { url: hook("ssrf"), eventTypes: ["order.paid"] });
    const { id } = await handMadeDelivery(c.id, ep.id);
    expect(await runDelivery(id, prodEnv)).toMatchObject({ retried: true, delay: RETRY_DELAYS[0] });
    const [a] = await getDb(env).select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, id));
    expect(a.error).toMatch(/^Blocked: /);
    expect(await captured("ssrf")).toEqual([]);
  });

  it("a creator manages only their own endpoints; others get 404, non-creators are told to open a storefront", async () => {
    const owner = await makeCreator(env);
    const other = await makeCreator(env);
    const ep = await createEndpoint(env, owner.viewer, { url: hook("authz"), eventTypes: ["order.paid"] });
    const { id: deliveryId } = await handMadeDelivery(owner.id, ep.id, { status: "failed" });
    const otherCookie = await other.cookie();
    for (const intent of ["rotate", "disable", "delete", "test"]) {
      const res = await postForm("/settings/webhooks", { intent, id: ep.id }, { cookie: otherCookie });
      expect(res.status, intent).toBe(404);
    }
    expect((await postForm("/settings/webhooks", { intent: "replay", id: deliveryId }, { cookie: otherCookie })).status).toBe(404);
    const [still] = await getDb(env).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, ep.id));
    expect(still).toMatchObject({ secret: ep.secret, disabledAt: null });
    const [d] = await getDb(env).select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
    expect(d.status).toBe("failed");

    // The other creator's page shows none of the owner's endpoints or secrets.
    const page = await (await app("/settings/webhooks", { cookie: otherCookie })).text();
    expect(page).not.toContain(ep.secret);
    expect(page).not.toContain(ep.id);
    expect(page).not.toContain(hook("authz"));
    const ownerPage = await (await app("/settings/webhooks", { cookie: await owner.cookie() })).text();
    expect(ownerPage).toContain(hook("authz"));
    expect(ownerPage).toContain(ep.secret);

    // A signed-in person without a storefront can't add one; an anonymous visitor is sent to sign in.
    const reader = await makeUser(env);
    const res = await postForm(
      "/settings/webhooks",
      { intent: "create", url: hook("authz"), eventTypes: "order.paid" },
      { cookie: await reader.cookie() },
    );
    expect(res.status).toBe(403);
    expect((await app("/settings/webhooks")).status).toBe(302);

    // The owner: bad input is a clear 422 and writes nothing.
    const ownerCookie = await owner.cookie();
    const bad = await postForm("/settings/webhooks", { intent: "create", url: "https://example.com/x" }, { cookie: ownerCookie });
    expect(bad.status).toBe(422);
    const mine = await getDb(env)
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.userId, owner.id)));
    expect(mine).toHaveLength(1);
    expect((await postForm("/settings/webhooks", { intent: "delete", id: ep.id }, { cookie: ownerCookie })).status).toBe(200);
    expect(await getDb(env).select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, owner.id))).toEqual([]);
  });
});
