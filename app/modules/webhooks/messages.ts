import * as v from "valibot";
import { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from "./schema";

/** An event of a creator, fanned out by the consumer to their subscribed endpoints. */
export const WebhookEventMessage = v.object({
  type: v.literal("webhook_event"),
  creatorId: v.pipe(v.string(), v.minLength(1)),
  eventType: v.picklist([...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE]),
  /** The business key the event is claimed by (one event per key and creator). */
  key: v.pipe(v.string(), v.minLength(1), v.maxLength(300)),
  data: v.record(v.string(), v.unknown()),
  /** When it happened (unix seconds): the payload's `timestamp`. */
  at: v.number(),
});
export type WebhookEventMessage = v.InferOutput<typeof WebhookEventMessage>;

/** One run of a delivery: scheduled (retried ≈3 days) or manual (one attempt). */
export const WebhookDeliveryMessage = v.object({
  type: v.literal("webhook_delivery"),
  deliveryId: v.pipe(v.string(), v.minLength(1)),
});
export type WebhookDeliveryMessage = v.InferOutput<typeof WebhookDeliveryMessage>;
