/**
 * The one way the app tells a creator's webhooks that something happened: enqueue and return.
 * Nothing is read or written here, so it never slows the request or the consumer that calls it;
 * the webhook queue claims the event by `key` (one event per key however often it's emitted),
 * finds the creator's endpoints subscribed to `type` and delivers it (decision 0099).
 * A failed enqueue is logged and swallowed: a webhook must never undo or fail the thing it reports.
 */
import type { WebhookEventMessage } from "./messages";
import { TEST_EVENT_TYPE, type WebhookEventType } from "./schema";
import { newId, nowSeconds } from "~/lib/ids";

export async function emitCreatorEvent(
  env: Env,
  creatorId: string | null | undefined,
  type: WebhookEventType,
  data: Record<string, unknown>,
  key: string,
): Promise<void> {
  if (!creatorId) return;
  const msg: WebhookEventMessage = { type: "webhook_event", creatorId, eventType: type, key: `${type}:${key}`, data, at: nowSeconds() };
  try {
    await env.WEBHOOK_QUEUE.send(msg, { contentType: "json" });
  } catch (e) {
    console.warn(`webhook event ${msg.key} of ${creatorId} not enqueued: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The "Send test event" button: a `webhook.test` event to one endpoint, delivered once. */
export async function emitTestEvent(env: Env, creatorId: string, endpointId: string): Promise<void> {
  const msg: WebhookEventMessage = {
    type: "webhook_event",
    creatorId,
    eventType: TEST_EVENT_TYPE,
    key: `${TEST_EVENT_TYPE}:${newId()}`,
    data: { endpoint_id: endpointId, message: "A test event from All Thrive. Your endpoint received it." },
    at: nowSeconds(),
  };
  await env.WEBHOOK_QUEUE.send(msg, { contentType: "json" });
}
