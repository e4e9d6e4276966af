/** Queue consumers for Stripe events and their dead-letter queue (logic in app/modules/payments). */
import { consumeDeadLetters, consumeStripeEvents, type StripeEventMessage } from "../../app/modules/payments/webhooks.server";

export const STRIPE_EVENTS_QUEUE = "allthrive-stripe-events";
export const STRIPE_EVENTS_DLQ = "allthrive-stripe-events-dlq";

/** Returns true when the batch belonged to one of these queues. */
export async function handleStripeQueues(batch: MessageBatch<unknown>, env: Env): Promise<boolean> {
  if (batch.queue === STRIPE_EVENTS_QUEUE || batch.queue.startsWith(`${STRIPE_EVENTS_QUEUE}-`) && !batch.queue.endsWith("-dlq")) {
    await consumeStripeEvents(batch as MessageBatch<StripeEventMessage>, env);
    return true;
  }
  if (batch.queue === STRIPE_EVENTS_DLQ) {
    await consumeDeadLetters(batch as MessageBatch<StripeEventMessage>, env);
    return true;
  }
  return false;
}
