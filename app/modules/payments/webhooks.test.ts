import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../../workers/index";
import { signStripePayload } from "~/lib/stripe.server";
import { app } from "~/test/http";
import { makeUser } from "~/modules/demo/factories.server";
import { backoffSeconds } from "~/lib/backoff";
import { receiveStripeWebhook, type StripeEventMessage } from "./webhooks.server";

const fakeEvent = (type: string, object: Record<string, unknown>, id = `evt_test_${crypto.randomUUID().replace(/-/g, "")}`) => ({
  id,
  object: "event",
  type,
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  api_version: "2026-10-28.endive",
  data: { object },
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
});

const send = (payload: string, signature?: string | null) =>
  app("/webhooks/stripe", {
    method: "POST",
    body: payload,
    headers: { "Content-Type": "application/json", ...(signature === null ? {} : { "Stripe-Signature": signature ?? "" }) },
  });

const stored = async (id: string) =>
  env.DB.prepare("SELECT id, status FROM stripe_events WHERE id=?").bind(id).first<{ id: string; status: string }>();

describe("POST /webhooks/stripe", () => {
  it("refuses a missing, wrong or tampered signature with 400 and stores nothing", async () => {
    const ev = fakeEvent("account.updated", { id: "acct_nobody" });
    const payload = JSON.stringify(ev);
    expect((await send(payload, null)).status).toBe(400);
    expect((await send(payload, "t=1,v1=deadbeef")).status).toBe(400);
    const good = await signStripePayload(env, payload);
    expect((await send(payload.replace("acct_nobody", "acct_somebody"), good)).status).toBe(400);
    const wrongSecret = await (
      await import("stripe")
    ).default.webhooks.generateTestHeaderStringAsync({ payload, secret: "whsec_not_ours" });
    expect((await send(payload, wrongSecret)).status).toBe(400);
    expect(await stored(ev.id)).toBeNull();
  });

  it("refuses a correctly signed event without an id, type, created time or object with 400, stores nothing and logs it", async () => {
    const warn = vi.spyOn(console, "warn");
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM stripe_events").first<{ n: number }>();
    const base = fakeEvent("account.updated", { id: "acct_nobody" }) as Record<string, unknown>;
    const broken = [
      (({ id: _, ...rest }) => rest)(base),
      (({ type: _, ...rest }) => rest)(base),
      (({ created: _, ...rest }) => rest)(base),
      { ...base, id: "" },
      { ...base, created: "yesterday" },
      { ...base, data: {} },
    ];
    for (const ev of broken) {
      const payload = JSON.stringify(ev);
      const res = await send(payload, await signStripePayload(env, payload));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Not a complete Stripe event");
    }
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM stripe_events").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
    expect(warn.mock.calls.filter(([m]) => String(m).includes("signed event refused"))).toHaveLength(broken.length);
    warn.mockRestore();
  });

  it("stores a verified event id once and enqueues it only the first time", async () => {
    const spy = vi.spyOn(env.STRIPE_EVENTS, "send");
    const ev = fakeEvent("checkout.session.expired", { id: "cs_test_unknown", object: "checkout.session", metadata: {} });
    const payload = JSON.stringify(ev);
    const first = await send(payload, await signStripePayload(env, payload));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const second = await send(payload, await signStripePayload(env, payload));
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ received: true, duplicate: true });
    const enqueued = spy.mock.calls.filter(([m]) => (m as StripeEventMessage).eventId === ev.id);
    expect(enqueued).toHaveLength(1);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM stripe_events WHERE id=?").bind(ev.id).first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("in production without a signing secret it answers 503 and never falls back to the emulator's secret", async () => {
    const ev = fakeEvent("account.updated", { id: "acct_x" });
    const payload = JSON.stringify(ev);
    const req = new Request("https://allthrive.example/webhooks/stripe", {
      method: "POST",
      body: payload,
      headers: { "Stripe-Signature": await signStripePayload(env, payload) },
    });
    const res = await receiveStripeWebhook(req, {
      ...env,
      APP_ENV: "production",
      STRIPE_WEBHOOK_SECRET: undefined,
      STRIPE_SECRET_KEY: undefined,
    } as Env);
    expect(res.status).toBe(503);
    expect(await stored(ev.id)).toBeNull();
  });

  it("acknowledges events it doesn't handle without queueing them", async () => {
    const spy = vi.spyOn(env.STRIPE_EVENTS, "send");
    const ev = fakeEvent("payment_method.attached", { id: "pm_1" });
    const payload = JSON.stringify(ev);
    expect((await send(payload, await signStripePayload(env, payload))).status).toBe(200);
    expect((await stored(ev.id))?.status).toBe("ignored");
    expect(spy.mock.calls.some(([m]) => (m as StripeEventMessage).eventId === ev.id)).toBe(false);
  });
});

describe("stripe-events consumer", () => {
  const message = (ev: ReturnType<typeof fakeEvent>, attempts: number) => ({
    id: `msg-${ev.id}-${attempts}`,
    timestamp: new Date(),
    attempts,
    body: { eventId: ev.id, type: ev.type, event: ev },
  });

  it("retries a failing event with growing backoff, then the DLQ consumer stores it for admins", async () => {
    // account.updated for an account Stripe doesn't know: every attempt fails.
    const ev = fakeEvent("account.updated", { id: "acct_doesnotexist0001" });
    await env.DB.prepare("INSERT INTO stripe_events(id,type,created,status,attempts,received_at) VALUES (?,?,?,?,0,?)")
      .bind(ev.id, ev.type, ev.created, "queued", ev.created)
      .run();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // Each failed Stripe call is logged once, with Stripe's request id (stripe.server.ts).
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const batch = createMessageBatch<StripeEventMessage>("allthrive-stripe-events", [message(ev, attempt)] as never);
      // getQueueResult records which messages were retried but not their delay: watch retry() for that.
      const retry = vi.spyOn(batch.messages[0], "retry");
      const ctx = createExecutionContext();
      await worker.queue!(batch as never, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages.map((m) => m.msgId)).toEqual([`msg-${ev.id}-${attempt}`]);
      delays.push((retry.mock.calls[0]?.[0] as { delaySeconds: number }).delaySeconds);
    }
    expect(delays).toEqual([1, 2, 3, 4, 5, 6].map((n) => backoffSeconds(n)));
    expect(delays).toEqual([10, 20, 40, 80, 160, 320]);
    expect(warn).toHaveBeenCalled();
    const row = await env.DB.prepare("SELECT status, attempts, last_error FROM stripe_events WHERE id=?")
      .bind(ev.id)
      .first<{ status: string; attempts: number; last_error: string }>();
    expect(row).toMatchObject({ status: "queued", attempts: 6 });
    expect(row!.last_error).toContain("acct_doesnotexist0001");
    expect(row!.last_error).toMatch(/\[request req_/);
    expect(logged.mock.calls.some(([m]) => String(m).includes("acct_doesnotexist0001") && /\[request req_/.test(String(m)))).toBe(true);

    // After max_retries the queue hands it to the dead-letter queue.
    const dlq = createMessageBatch<StripeEventMessage>("allthrive-stripe-events-dlq", [message(ev, 6)] as never);
    const ctx = createExecutionContext();
    await worker.queue!(dlq as never, env, ctx);
    const dlqResult = await getQueueResult(dlq, ctx);
    expect(dlqResult.ackAll).toBe(true);
    expect((await stored(ev.id))?.status).toBe("dead");

    const admin = await makeUser(env, { isAdmin: true });
    const page = await app("/admin/dead-letters", { cookie: await admin.cookie() });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(ev.id);
    expect(html).toContain("account.updated");
    const someone = await makeUser(env);
    expect((await app("/admin/dead-letters", { cookie: await someone.cookie() })).status).toBe(403);
  });

  it("acks an event that was already processed without applying it again", async () => {
    const ev = fakeEvent("account.updated", { id: "acct_doesnotexist0002" });
    await env.DB.prepare("INSERT INTO stripe_events(id,type,created,status,attempts,received_at) VALUES (?,?,?,?,1,?)")
      .bind(ev.id, ev.type, ev.created, "processed", ev.created)
      .run();
    const batch = createMessageBatch<StripeEventMessage>("allthrive-stripe-events", [message(ev, 1)] as never);
    const ctx = createExecutionContext();
    await worker.queue!(batch as never, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([`msg-${ev.id}-1`]);
    expect(result.retryMessages).toEqual([]);
  });
});
