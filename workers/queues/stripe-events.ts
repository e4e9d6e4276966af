/** Queue consumers for Stripe events and their dead-letter queue (logic in app/modules/payments). */
import { consumeDeadLetters, consumeStripeEvents, type StripeEventMessage } from "../../app/modules/payments/webhooks.server";
import { QUEUES } from "../../app/modules/queues/dead-letters.server";

export const STRIPE_EVENTS_QUEUE = QUEUES.stripeEvents.name;
export const STRIPE_EVENTS_DLQ = QUEUES.stripeEvents.dlq;

/** Returns true when the batch belonged to one of these queues (matched by exact name). */
export async function handleStripeQueues(batch: MessageBatch<unknown>, env: Env): Promise<boolean> {
  if (batch.queue === STRIPE_EVENTS_QUEUE) {
    await consumeStripeEvents(batch as MessageBatch<StripeEventMessage>, env);
    return true;
  }
  if (batch.queue === STRIPE_EVENTS_DLQ) {
    await consumeDeadLetters(batch as MessageBatch<StripeEventMessage>, env);
    return true;
  }
  return false;
}
