/**
 * Stripe → us. The endpoint verifies, records the event id once and enqueues it once; the queue
 * consumer applies it (events.server.ts) with retries and backoff; poison messages end in the
 * dead-letter queue, whose consumer stores them in D1 for /admin/dead-letters.
 */
import { backoffSeconds } from "~/lib/backoff";
import { eq, sql } from "drizzle-orm";
import * as v from "valibot";
import { getDb } from "~/lib/db.server";
import { isAppError } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import { StripeFailure, verifyStripeEvent, type Stripe } from "~/lib/stripe.server";
import { applyStripeEvent, HANDLED_EVENTS } from "./events.server";
import { storeDeadLetters } from "~/modules/queues/dead-letters.server";
import { stripeEvents } from "./schema";

export type StripeEventMessage = { eventId: string; type: string; event: Stripe.Event };

/**
 * The envelope every Stripe event has. A correctly signed body that lacks any of it (a hand-made or
 * truncated event) is refused with 400 before anything is stored or enqueued.
 */
const StripeEventEnvelope = v.looseObject({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  object: v.optional(v.literal("event")),
  type: v.pipe(v.string(), v.minLength(1), v.maxLength(255)),
  created: v.pipe(v.number(), v.integer(), v.minValue(0)),
  data: v.looseObject({ object: v.looseObject({}) }),
});

const text = (body: string, status: number) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });

/** POST /webhooks/stripe */
export async function receiveStripeWebhook(request: Request, env: Env): Promise<Response> {
  if (request.method !== "POST") return text("Method not allowed", 405);
  const declared = Number(request.headers.get("Content-Length") ?? 0);
  if (declared > 512 * 1024) return text("Payload too large", 413);
  const raw = await request.text();
  let event: Stripe.Event | null;
  try {
    event = await verifyStripeEvent(env, raw, request.headers.get("Stripe-Signature"));
  } catch (e) {
    if (isAppError(e)) return text(e.message, e.status); // e.g. 503: no signing secret configured
    throw e;
  }
  if (!event) return text("Invalid Stripe signature", 400);
  const envelope = v.safeParse(StripeEventEnvelope, event);
  if (!envelope.success) {
    const problems = envelope.issues.map((i) => `${v.getDotPath(i) ?? "event"}: ${i.message}`).join("; ");
    console.warn(`stripe webhook: signed event refused, not a whole Stripe event (${problems})`);
    return text(`Not a complete Stripe event (it needs an id, a type, a created time and data.object): ${problems}`, 400);
  }
  const handled = HANDLED_EVENTS.has(event.type);
  const inserted = await getDb(env)
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, created: event.created, status: handled ? "queued" : "ignored", receivedAt: nowSeconds() })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  if (inserted.length && handled) {
    try {
      await env.STRIPE_EVENTS.send({ eventId: event.id, type: event.type, event } satisfies StripeEventMessage, { contentType: "json" });
    } catch (e) {
      // Not enqueued: forget the id so Stripe's retry of this delivery enqueues it.
      await getDb(env).delete(stripeEvents).where(eq(stripeEvents.id, event.id));
      throw e;
    }
  }
  return Response.json({ received: true, duplicate: !inserted.length });
}

/** The stripe-events consumer: each message acked on success, retried with backoff on failure. */
export async function consumeStripeEvents(batch: MessageBatch<StripeEventMessage>, env: Env): Promise<void> {
  const db = getDb(env);
  for (const msg of batch.messages) {
    const { eventId, event } = msg.body;
    try {
      const row = await db.query.stripeEvents.findFirst({ where: eq(stripeEvents.id, eventId) });
      if (row?.status === "processed") {
        msg.ack();
        continue;
      }
      const outcome = await applyStripeEvent(env, event);
      await db
        .update(stripeEvents)
        .set({ status: outcome, processedAt: nowSeconds(), attempts: msg.attempts, lastError: null })
        .where(eq(stripeEvents.id, eventId));
      msg.ack();
    } catch (e) {
      const message = e instanceof StripeFailure ? e.detail : e instanceof Error ? e.message : String(e);
      await db
        .update(stripeEvents)
        .set({ attempts: msg.attempts, lastError: message.slice(0, 500) })
        .where(eq(stripeEvents.id, eventId))
        .catch(() => {});
      console.warn(`stripe event ${eventId} (${event?.type}) failed on attempt ${msg.attempts}: ${message}`);
      // 10 s, 20 s, 40 s … capped at 10 minutes.
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}

/** The dead-letter consumer: keeps every poison message in D1 (nothing is silently dropped). */
export async function consumeDeadLetters(batch: MessageBatch<StripeEventMessage>, env: Env): Promise<void> {
  const db = getDb(env);
  await storeDeadLetters(batch, env, (eventIds) =>
    eventIds.map((id) => db.update(stripeEvents).set({ status: "dead" }).where(eq(stripeEvents.id, id))),
  );
}

export async function lastErrorFor(env: Env, eventIds: string[]) {
  if (!eventIds.length) return new Map<string, string | null>();
  const rows = await getDb(env)
    .select({ id: stripeEvents.id, lastError: stripeEvents.lastError })
    .from(stripeEvents)
    .where(
      sql`${stripeEvents.id} IN (${sql.join(
        eventIds.map((i) => sql`${i}`),
        sql`, `,
      )})`,
    );
  return new Map(rows.map((r) => [r.id, r.lastError]));
}
