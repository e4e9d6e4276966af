/**
 * The dead-letter store: every queue's dead-letter queue is consumed into D1 (`dead_letters`) so no
 * message that exhausted its retries is invisible. Admins see them all at /admin/dead-letters and
 * either retry one (re-enqueued once onto its original queue) or discard it (marked handled); both
 * record who decided and when on the row.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { nowSeconds } from "~/lib/ids";
import type { Viewer } from "~/modules/identity/auth.server";
import { deadLetters } from "~/modules/payments/schema";

/** Every live queue (wrangler.toml consumers), its dead-letter queue and its producer binding. */
export const QUEUES = {
  fanout: { name: "allthrive-fanout", dlq: "allthrive-fanout-dlq", binding: "FANOUT_QUEUE" },
  email: { name: "allthrive-email", dlq: "allthrive-email-dlq", binding: "EMAIL_QUEUE" },
  stripeEvents: { name: "allthrive-stripe-events", dlq: "allthrive-stripe-events-dlq", binding: "STRIPE_EVENTS" },
  exports: { name: "allthrive-exports", dlq: "allthrive-exports-dlq", binding: "EXPORT_QUEUE" },
  webhooks: { name: "allthrive-webhooks", dlq: "allthrive-webhooks-dlq", binding: "WEBHOOK_QUEUE" },
  analytics: { name: "allthrive-analytics", dlq: "allthrive-analytics-dlq", binding: "ANALYTICS_QUEUE" },
} as const satisfies Record<string, { name: string; dlq: string; binding: keyof Env }>;

const byDlq = new Map<string, (typeof QUEUES)[keyof typeof QUEUES]>(Object.values(QUEUES).map((q) => [q.dlq, q]));

/** True when `queue` is exactly one of our dead-letter queues. */
export const isDeadLetterQueue = (queue: string) => byDlq.has(queue);

const MAX_BODY = 100_000;

/**
 * Stores a dead-letter batch (idempotent by message id) together with `extra` statements in one
 * D1 batch, then acks it. A failure throws, so the queue redelivers the batch.
 */
export async function storeDeadLetters(
  batch: MessageBatch<unknown>,
  env: Env,
  extra: (rowsEventIds: string[]) => BatchItem<"sqlite">[] = () => [],
): Promise<void> {
  const db = getDb(env);
  const rows = batch.messages.map((m) => {
    const body = (m.body ?? {}) as { eventId?: unknown; type?: unknown };
    return {
      id: m.id,
      queue: batch.queue,
      eventId: typeof body.eventId === "string" ? body.eventId : null,
      eventType: typeof body.type === "string" ? body.type : null,
      body: JSON.stringify(m.body ?? null).slice(0, MAX_BODY),
      attempts: m.attempts,
      createdAt: nowSeconds(),
    };
  });
  if (rows.length) {
    const ids = rows.map((r) => r.eventId).filter((x): x is string => !!x);
    await db.batch([db.insert(deadLetters).values(rows).onConflictDoNothing(), ...extra(ids)] as [
      BatchItem<"sqlite">,
      ...BatchItem<"sqlite">[],
    ]);
  }
  batch.ackAll();
}

/** A one-line description of what a dead message was about. */
function describe(body: string): string {
  try {
    const b = JSON.parse(body) as Record<string, unknown>;
    if (b.type === "fanout") return `activity ${b.activityId} of creator ${b.creatorId}${b.after ? `, followers after ${b.after}` : ""}`;
    if (b.type === "tx_email") return `${b.kind} email (${b.key})`;
    if (b.type === "tier_message") return `tier message ${b.messageId}, ${Array.isArray(b.userIds) ? b.userIds.length : 0} recipient(s)`;
    if (b.type === "webhook_event") return `webhook ${b.eventType} of creator ${b.creatorId} (${b.key})`;
    if (b.type === "webhook_delivery") return `webhook delivery ${b.deliveryId}`;
    if (b.type === "post_email") return `post ${b.postId}, ${Array.isArray(b.userIds) ? b.userIds.length : 0} recipient(s)`;
    const o = (b.event as { data?: { object?: { id?: string } } } | undefined)?.data?.object;
    return o?.id ? `object ${o.id}` : "";
  } catch {
    return "(message body too large to show)";
  }
}

export async function listDeadLetters(env: Env, limit = 200) {
  const db = getDb(env);
  const [rows, [counts]] = await Promise.all([
    db
      .select()
      .from(deadLetters)
      .orderBy(sql`${deadLetters.outcome} IS NOT NULL`, desc(deadLetters.createdAt))
      .limit(limit),
    db.select({ total: sql<number>`count(*)`, open: sql<number>`coalesce(sum(${deadLetters.outcome} IS NULL), 0)` }).from(deadLetters),
  ]);
  return {
    total: Number(counts.total),
    open: Number(counts.open),
    items: rows.map((r) => ({
      id: r.id,
      queue: r.queue,
      eventId: r.eventId,
      eventType: r.eventType,
      attempts: r.attempts,
      createdAt: r.createdAt,
      summary: describe(r.body),
      outcome: r.outcome as "retried" | "discarded" | null,
      handledAt: r.handledAt,
    })),
  };
}

/** Claims an open letter for `outcome`; only one admin action ever wins. */
async function claim(env: Env, viewer: Viewer, id: string, outcome: "retried" | "discarded") {
  if (!viewer.isAdmin) throw forbidden("Admins only.");
  const db = getDb(env);
  const [row] = await db
    .update(deadLetters)
    .set({ outcome, handledBy: viewer.id, handledAt: nowSeconds() })
    .where(and(eq(deadLetters.id, id), isNull(deadLetters.outcome)))
    .returning();
  if (row) return row;
  const existing = await db.query.deadLetters.findFirst({ where: eq(deadLetters.id, id) });
  if (!existing) throw notFound("That dead letter doesn't exist.");
  throw conflict(`That message was already ${existing.outcome}.`);
}

/** Re-enqueues a dead letter once onto the queue it died on. */
export async function retryDeadLetter(env: Env, viewer: Viewer, id: string) {
  if (!viewer.isAdmin) throw forbidden("Admins only.");
  const existing = await getDb(env).query.deadLetters.findFirst({ where: eq(deadLetters.id, id) });
  if (!existing) throw notFound("That dead letter doesn't exist.");
  const target = byDlq.get(existing.queue);
  if (!target)
    throw unprocessable(`Messages from ${existing.queue} can't be retried: it isn't a known dead-letter queue. Discard it instead.`);
  let body: unknown;
  try {
    body = JSON.parse(existing.body);
  } catch {
    throw unprocessable("This message was too large to store whole, so it can't be retried. Discard it instead.");
  }
  const row = await claim(env, viewer, id, "retried");
  try {
    await (env[target.binding] as Queue).send(body, { contentType: "json" });
  } catch (e) {
    await getDb(env).update(deadLetters).set({ outcome: null, handledBy: null, handledAt: null }).where(eq(deadLetters.id, id));
    throw e;
  }
  console.info(`dead letter ${id} (${existing.queue}) retried onto ${target.name} by admin ${viewer.id}`);
  return { id: row.id, queue: target.name };
}

/** Marks a dead letter handled without running it again. */
export async function discardDeadLetter(env: Env, viewer: Viewer, id: string) {
  const row = await claim(env, viewer, id, "discarded");
  console.info(`dead letter ${id} (${row.queue}) discarded by admin ${viewer.id}`);
  return { id: row.id };
}
