/**
 * Creators' webhook endpoints (decision 0099): create, edit, rotate the secret, turn on/off,
 * delete, read the delivery log, replay a delivery and send a test event. Every function takes the
 * viewer and touches only endpoints whose `user_id` is theirs (one SQL condition, so another
 * creator's endpoint id answers 404, never its data).
 */
import { and, desc, eq, inArray, ne } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { conflict, forbidden, notFound, unprocessable } from "~/lib/errors";
import { newId, nowSeconds } from "~/lib/ids";
import { parseOrThrow } from "~/lib/validation";
import type { Viewer } from "~/modules/identity/auth.server";
import { creators } from "~/modules/storefronts/schema";
import { emitTestEvent } from "./emit.server";
import type { WebhookDeliveryMessage } from "./messages";
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from "./schema";
import { newSigningSecret } from "./signing";
import { checkWebhookUrl, isProduction } from "./url-guard";
import { EndpointInput } from "./validation";

/** At most this many endpoints per creator. */
export const MAX_ENDPOINTS = 10;
/** After a rotation the old secret signs alongside the new one for this long. */
export const ROTATION_OVERLAP_SECONDS = 24 * 60 * 60;

async function requireCreator(env: Env, viewer: Viewer) {
  const c = await getDb(env).query.creators.findFirst({ where: eq(creators.userId, viewer.id), columns: { userId: true, hiddenAt: true } });
  if (!c) throw forbidden("Webhooks are for creators: open your storefront first.");
  if (c.hiddenAt) throw forbidden("Your storefront is suspended, so webhooks are paused.");
}

async function ownEndpoint(env: Env, viewer: Viewer, id: string) {
  const ep = await getDb(env).query.webhookEndpoints.findFirst({
    where: and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, viewer.id)),
  });
  if (!ep) throw notFound("That webhook endpoint doesn't exist.");
  return ep;
}

function parseEndpoint(env: Env, raw: unknown) {
  const input = parseOrThrow(EndpointInput, raw);
  const verdict = checkWebhookUrl(input.url, { production: isProduction(env) });
  if (!verdict.ok) throw unprocessable(verdict.reason, { url: verdict.reason });
  return { ...input, url: verdict.url.toString(), eventTypes: [...new Set(input.eventTypes)] };
}

export async function listEndpoints(env: Env, viewer: Viewer) {
  const rows = await getDb(env)
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.userId, viewer.id))
    .orderBy(desc(webhookEndpoints.createdAt));
  return rows.map(({ secret, previousSecret, ...ep }) => ({
    ...ep,
    secret,
    rotating: !!previousSecret && (ep.previousSecretExpiresAt ?? 0) > nowSeconds(),
  }));
}

export async function createEndpoint(env: Env, viewer: Viewer, raw: unknown) {
  await requireCreator(env, viewer);
  const input = parseEndpoint(env, raw);
  const db = getDb(env);
  const existing = await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(eq(webhookEndpoints.userId, viewer.id));
  if (existing.length >= MAX_ENDPOINTS) throw conflict(`You can have up to ${MAX_ENDPOINTS} endpoints; delete one first.`);
  const now = nowSeconds();
  const [ep] = await db
    .insert(webhookEndpoints)
    .values({
      id: `whe_${newId()}`,
      userId: viewer.id,
      url: input.url,
      description: input.description,
      eventTypes: input.eventTypes,
      secret: newSigningSecret(),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return ep;
}

export async function updateEndpoint(env: Env, viewer: Viewer, id: string, raw: unknown) {
  await requireCreator(env, viewer);
  await ownEndpoint(env, viewer, id);
  const input = parseEndpoint(env, raw);
  await getDb(env)
    .update(webhookEndpoints)
    .set({ url: input.url, description: input.description, eventTypes: input.eventTypes, updatedAt: nowSeconds() })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, viewer.id)));
}

/** A new secret; the old one keeps signing too for ROTATION_OVERLAP_SECONDS. */
export async function rotateSecret(env: Env, viewer: Viewer, id: string) {
  await requireCreator(env, viewer);
  const ep = await ownEndpoint(env, viewer, id);
  const now = nowSeconds();
  const secret = newSigningSecret();
  await getDb(env)
    .update(webhookEndpoints)
    .set({ secret, previousSecret: ep.secret, previousSecretExpiresAt: now + ROTATION_OVERLAP_SECONDS, updatedAt: now })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, viewer.id)));
  return { secret };
}

export async function setEndpointEnabled(env: Env, viewer: Viewer, id: string, enabled: boolean) {
  await requireCreator(env, viewer);
  await ownEndpoint(env, viewer, id);
  const now = nowSeconds();
  await getDb(env)
    .update(webhookEndpoints)
    .set(
      enabled ? { disabledAt: null, disabledReason: null, updatedAt: now } : { disabledAt: now, disabledReason: "owner", updatedAt: now },
    )
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, viewer.id)));
}

export async function deleteEndpoint(env: Env, viewer: Viewer, id: string) {
  await ownEndpoint(env, viewer, id);
  await getDb(env)
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.userId, viewer.id)));
}

/** Queues a `webhook.test` event to this endpoint only (one attempt; shows in the log). */
export async function sendTestEvent(env: Env, viewer: Viewer, id: string) {
  await requireCreator(env, viewer);
  const ep = await ownEndpoint(env, viewer, id);
  if (ep.disabledAt) throw conflict("Turn the endpoint on before sending it a test event.");
  await emitTestEvent(env, viewer.id, ep.id);
}

/**
 * Sends a finished delivery again now, as one attempt with the same `webhook-id` and body (a fresh
 * timestamp and signature). Only a delivery that isn't already on its way can be replayed.
 */
export async function replayDelivery(env: Env, viewer: Viewer, deliveryId: string) {
  await requireCreator(env, viewer);
  const db = getDb(env);
  const [own] = await db
    .select({ id: webhookDeliveries.id, disabledAt: webhookEndpoints.disabledAt })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookEndpoints.userId, viewer.id)))
    .limit(1);
  if (!own) throw notFound("That delivery doesn't exist.");
  if (own.disabledAt) throw conflict("Turn the endpoint on before replaying to it.");
  const [claimed] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", manual: true })
    .where(and(eq(webhookDeliveries.id, deliveryId), ne(webhookDeliveries.status, "pending")))
    .returning({ id: webhookDeliveries.id });
  if (!claimed) throw conflict("That delivery is still being sent; it can be replayed once it has finished.");
  const msg: WebhookDeliveryMessage = { type: "webhook_delivery", deliveryId };
  await env.WEBHOOK_QUEUE.send(msg, { contentType: "json" });
}

/** The newest deliveries of the viewer's endpoints with their attempts (the delivery log). */
export async function deliveryLog(env: Env, viewer: Viewer, opts: { endpointId?: string; limit?: number } = {}) {
  const db = getDb(env);
  const rows = await db
    .select({
      id: webhookDeliveries.id,
      endpointId: webhookDeliveries.endpointId,
      status: webhookDeliveries.status,
      manual: webhookDeliveries.manual,
      attempts: webhookDeliveries.attempts,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      lastStatus: webhookDeliveries.lastStatus,
      createdAt: webhookDeliveries.createdAt,
      eventId: webhookEvents.id,
      eventType: webhookEvents.type,
    })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(and(eq(webhookEndpoints.userId, viewer.id), opts.endpointId ? eq(webhookDeliveries.endpointId, opts.endpointId) : undefined))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(opts.limit ?? 50);
  const attempts = rows.length
    ? await db
        .select()
        .from(webhookAttempts)
        .where(
          inArray(
            webhookAttempts.deliveryId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(desc(webhookAttempts.at), desc(webhookAttempts.attempt))
    : [];
  return rows.map((r) => ({ ...r, log: attempts.filter((a) => a.deliveryId === r.id) }));
}
