/**
 * The webhook queue's consumer (decision 0099).
 *  - `webhook_event`: claims the event by (creator, key) — emitted twice, sent once — and makes one
 *    delivery per enabled endpoint of the creator subscribed to its type, then enqueues each.
 *  - `webhook_delivery`: one HTTP attempt, signed per Standard Webhooks, logged with excerpts. A
 *    failed scheduled attempt is retried with `retry({delaySeconds})` on RETRY_DELAYS (≈3 days, 12
 *    attempts); the last failure turns the endpoint off when it has not answered 2xx to anything
 *    since that delivery's first attempt, and emails the creator. Manual runs (replay, test event)
 *    are one attempt.
 * Order is not promised: deliveries run and retry independently (documented in docs/webhooks.md).
 */
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { newId, nowSeconds } from "~/lib/ids";
import { creators } from "~/modules/storefronts/schema";
import { orders } from "~/modules/payments/schema";
import { products } from "~/modules/products/schema";
import { bookings, services } from "~/modules/services/schema";
import { users } from "~/modules/identity/schema";
import type { TxEmailMessage } from "~/modules/email/messages";
import { WebhookDeliveryMessage, WebhookEventMessage } from "./messages";
import { TEST_EVENT_TYPE, webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from "./schema";
import { webhookHeaders } from "./signing";
import { checkWebhookUrl, isProduction } from "./url-guard";

/**
 * Seconds to wait after failed attempt n (1-based): 30 s × 4ⁿ⁻¹, capped at 12 h (the longest delay
 * a Queues message may take). 11 retries → 12 attempts over ≈71 h.
 */
export const RETRY_DELAYS = Array.from({ length: 11 }, (_, i) => Math.min(43_200, 30 * 4 ** i));
export const MAX_ATTEMPTS = RETRY_DELAYS.length + 1;
const TIMEOUT_MS = 10_000;
const REQUEST_EXCERPT = 2_000;
const RESPONSE_EXCERPT = 1_000;

/** Fans an event out to the creator's subscribed, enabled endpoints. */
export async function fanOutEvent(env: Env, raw: unknown): Promise<void> {
  const msg = v.parse(WebhookEventMessage, raw);
  const db = getDb(env);
  const isTest = msg.eventType === TEST_EVENT_TYPE;
  const endpoints = await db
    .select({ id: webhookEndpoints.id, eventTypes: webhookEndpoints.eventTypes })
    .from(webhookEndpoints)
    .innerJoin(creators, eq(creators.userId, webhookEndpoints.userId))
    .where(
      and(
        eq(webhookEndpoints.userId, msg.creatorId),
        isNull(webhookEndpoints.disabledAt),
        // A suspended or deleted creator's storefront is hidden everywhere; their webhooks stop too.
        isNull(creators.hiddenAt),
        isTest ? eq(webhookEndpoints.id, String(msg.data.endpoint_id ?? "")) : undefined,
      ),
    );
  const targets = isTest ? endpoints : endpoints.filter((e) => e.eventTypes.includes(msg.eventType));
  if (!targets.length) return;

  const data = await withCustomerEmail(env, await currentState(env, msg.creatorId, msg.eventType, msg.data));
  const eventId = `msg_${newId(24)}`;
  const payload = JSON.stringify({ type: msg.eventType, timestamp: new Date(msg.at * 1000).toISOString(), data });
  const now = nowSeconds();
  // Claimed by (creator, key): a second emission (or a redelivered message) finds the first row.
  await db
    .insert(webhookEvents)
    .values({ id: eventId, userId: msg.creatorId, key: msg.key, type: msg.eventType, payload, createdAt: now })
    .onConflictDoNothing();
  const [event] = await db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.userId, msg.creatorId), eq(webhookEvents.key, msg.key)));
  await db
    .insert(webhookDeliveries)
    .values(targets.map((t) => ({ id: newId(), eventId: event.id, endpointId: t.id, manual: isTest, createdAt: now })))
    .onConflictDoNothing();
  // Enqueue every delivery of the event not yet tried (a redelivered message re-sends those a
  // crash left unsent; a duplicate attempt message finds the delivery no longer pending).
  const pending = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookEvents.userId, msg.creatorId),
        eq(webhookEvents.key, msg.key),
        eq(webhookDeliveries.status, "pending"),
        eq(webhookDeliveries.attempts, 0),
      ),
    );
  if (pending.length)
    await env.WEBHOOK_QUEUE.sendBatch(
      pending.map((d) => ({ body: { type: "webhook_delivery", deliveryId: d.id } satisfies WebhookDeliveryMessage, contentType: "json" })),
    );
}

/**
 * Orders and bookings are described from their CURRENT rows when the event is fanned out (the
 * producer only names them), scoped to the creator; everything else carries what the producer sent.
 */
async function currentState(env: Env, creatorId: string, type: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const db = getDb(env);
  if (type.startsWith("order.")) {
    const ref = data.order as { checkout_session_id?: string } | undefined;
    if (!ref?.checkout_session_id) return data;
    const [o] = await db
      .select({ o: orders, title: products.title })
      .from(orders)
      .leftJoin(products, eq(products.id, orders.productId))
      .where(and(eq(orders.checkoutSessionId, ref.checkout_session_id), eq(orders.creatorId, creatorId)))
      .limit(1);
    if (!o) throw new Error(`order of ${ref.checkout_session_id} not recorded yet`);
    return {
      ...data,
      order: {
        id: o.o.id,
        product: { id: o.o.productId, title: o.title },
        status: o.o.status,
        currency: o.o.currency,
        gross: o.o.gross,
        fee: o.o.fee,
        net: o.o.net,
        amount_refunded: o.o.amountRefunded,
        created_at: o.o.createdAt,
        refunded_at: o.o.refundedAt,
      },
      customer: { id: o.o.buyerId },
    };
  }
  if (type.startsWith("booking.")) {
    const ref = data.booking as { id?: string } | undefined;
    if (!ref?.id) return data;
    const [b] = await db
      .select({ b: bookings, title: services.title })
      .from(bookings)
      .leftJoin(services, eq(services.id, bookings.serviceId))
      .where(and(eq(bookings.id, ref.id), eq(bookings.creatorId, creatorId)))
      .limit(1);
    if (!b) return data;
    return {
      ...data,
      booking: {
        id: b.b.id,
        service: { id: b.b.serviceId, title: b.title },
        status: b.b.status,
        start_at: b.b.startAt,
        end_at: b.b.endAt,
        due_at: b.b.dueAt,
        currency: b.b.currency,
        gross: b.b.gross,
      },
      customer: { id: b.b.buyerId },
    };
  }
  return data;
}

/** Adds `customer.email` when the event names a customer by id (creators see their buyers' and members' emails). */
async function withCustomerEmail(env: Env, data: Record<string, unknown>) {
  const customer = data.customer as { id?: unknown } | undefined;
  if (!customer || typeof customer.id !== "string") return data;
  const u = await getDb(env).query.users.findFirst({ where: eq(users.id, customer.id), columns: { email: true } });
  return { ...data, customer: { ...customer, email: u?.email ?? null } };
}

export type AttemptOutcome = { result: "delivered" | "retry" | "failed" | "skipped"; delaySeconds?: number; disabled?: boolean };

/** Reads at most `max` characters of a response body, then stops reading. */
async function excerpt(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let out = "";
  try {
    while (out.length < max) {
      const { done, value } = await reader.read();
      if (done) break;
      out += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** One attempt of a delivery. Returns what the queue should do with the message. */
export async function attemptDelivery(env: Env, raw: unknown): Promise<AttemptOutcome> {
  const { deliveryId } = v.parse(WebhookDeliveryMessage, raw);
  const db = getDb(env);
  const now = nowSeconds();
  // Claim the attempt: only a pending delivery, and the count moves in the same statement.
  const [d] = await db
    .update(webhookDeliveries)
    .set({
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lastAttemptAt: now,
      firstAttemptAt: sql`coalesce(${webhookDeliveries.firstAttemptAt}, ${now})`,
      nextAttemptAt: null,
    })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")))
    .returning();
  if (!d) return { result: "skipped" };
  const [row] = await db
    .select({ endpoint: webhookEndpoints, event: webhookEvents })
    .from(webhookEndpoints)
    .innerJoin(webhookEvents, eq(webhookEvents.id, d.eventId))
    .where(eq(webhookEndpoints.id, d.endpointId))
    .limit(1);
  if (!row) return { result: "skipped" };
  const { endpoint, event } = row;

  const log = async (a: {
    status: number | null;
    ok: boolean;
    error: string | null;
    request: string;
    response: string;
    ms: number | null;
  }) =>
    db.insert(webhookAttempts).values({
      id: newId(),
      deliveryId,
      attempt: d.attempts,
      at: now,
      status: a.status,
      ok: a.ok,
      error: a.error,
      requestExcerpt: a.request,
      responseExcerpt: a.response,
      durationMs: a.ms,
    });

  if (endpoint.disabledAt && !d.manual) {
    await log({ status: null, ok: false, error: "Not sent: the endpoint is turned off.", request: "", response: "", ms: null });
    await db.update(webhookDeliveries).set({ status: "skipped" }).where(eq(webhookDeliveries.id, deliveryId));
    return { result: "skipped" };
  }

  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && (endpoint.previousSecretExpiresAt ?? 0) > now) secrets.push(endpoint.previousSecret);
  const headers = {
    "content-type": "application/json",
    "user-agent": "AllThrive-Webhooks/1",
    ...(await webhookHeaders(secrets, event.id, now, event.payload)),
  };
  const request = [
    `POST ${endpoint.url}`,
    `webhook-id: ${event.id}`,
    `webhook-timestamp: ${now}`,
    "webhook-signature: (not shown)",
    "",
    event.payload.length > REQUEST_EXCERPT ? `${event.payload.slice(0, REQUEST_EXCERPT)}…` : event.payload,
  ].join("\n");

  // The SSRF guard runs again at delivery: the rules (or APP_ENV) may be stricter than at save.
  const verdict = checkWebhookUrl(endpoint.url, { production: isProduction(env) });
  let ok = false;
  let status: number | null = null;
  let error: string | null = null;
  let response = "";
  let ms: number | null = null;
  if (!verdict.ok) {
    error = `Blocked: ${verdict.reason}`;
  } else {
    const started = Date.now();
    try {
      const res = await fetch(verdict.url, {
        method: "POST",
        headers,
        body: event.payload,
        // A redirect is an answer, not a hop: following it could lead anywhere the guard refused.
        redirect: "manual",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.status;
      ok = res.status >= 200 && res.status < 300;
      response = await excerpt(res, RESPONSE_EXCERPT);
      if (!ok)
        error =
          res.status >= 300 && res.status < 400
            ? `Answered a redirect (${res.status}); redirects are not followed.`
            : `Answered ${res.status}.`;
    } catch (e) {
      error =
        e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")
          ? `No answer within ${TIMEOUT_MS / 1000} s.`
          : `Could not connect: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300);
    }
    ms = Date.now() - started;
  }
  await log({ status, ok, error, request, response, ms });

  if (ok) {
    await db.batch([
      db.update(webhookDeliveries).set({ status: "delivered", lastStatus: status }).where(eq(webhookDeliveries.id, deliveryId)),
      db.update(webhookEndpoints).set({ lastSuccessAt: now }).where(eq(webhookEndpoints.id, endpoint.id)),
    ]);
    return { result: "delivered" };
  }
  if (!d.manual && d.attempts < MAX_ATTEMPTS) {
    const delaySeconds = RETRY_DELAYS[d.attempts - 1];
    await db
      .update(webhookDeliveries)
      .set({ lastStatus: status, nextAttemptAt: now + delaySeconds })
      .where(eq(webhookDeliveries.id, deliveryId));
    return { result: "retry", delaySeconds };
  }
  await db.update(webhookDeliveries).set({ status: "failed", lastStatus: status }).where(eq(webhookDeliveries.id, deliveryId));
  if (d.manual) return { result: "failed" };
  return { result: "failed", disabled: await disableIfPersistentlyFailing(env, endpoint.id, d.firstAttemptAt ?? now) };
}

/**
 * The automatic disable rule: a delivery failed its whole schedule (≈3 days) and the endpoint has
 * answered nothing with 2xx since that delivery was first tried. One conditional UPDATE decides, so
 * two deliveries failing at once disable (and email) once.
 */
async function disableIfPersistentlyFailing(env: Env, endpointId: string, since: number): Promise<boolean> {
  const now = nowSeconds();
  const db = getDb(env);
  const [off] = await db
    .update(webhookEndpoints)
    .set({ disabledAt: now, disabledReason: "failing", updatedAt: now })
    .where(
      and(
        eq(webhookEndpoints.id, endpointId),
        isNull(webhookEndpoints.disabledAt),
        or(isNull(webhookEndpoints.lastSuccessAt), lt(webhookEndpoints.lastSuccessAt, since)),
      ),
    )
    .returning({ userId: webhookEndpoints.userId, url: webhookEndpoints.url });
  if (!off) return false;
  console.warn(`webhook endpoint ${endpointId} of ${off.userId} turned off after failing since ${since}`);
  // Straight onto the email queue (the email module imports the domains that emit webhooks, so
  // this module doesn't import it back): keyed on the disable, so it is sent once.
  const mail: TxEmailMessage = {
    type: "tx_email",
    kind: "webhook_disabled",
    key: `webhook-disabled:${endpointId}:${now}`,
    ref: { creatorId: off.userId, url: off.url, failedForSeconds: now - since },
  };
  await env.EMAIL_QUEUE.send(mail, { contentType: "json" });
  return true;
}

/** The queue handler for one message of the webhook queue. */
export async function processWebhookMessage(env: Env, body: unknown): Promise<AttemptOutcome | null> {
  const type = (body as { type?: unknown } | null)?.type;
  if (type === "webhook_event") {
    await fanOutEvent(env, body);
    return null;
  }
  return attemptDelivery(env, body);
}
