/**
 * Queue consumers for posts and the feed: feed fan-out pages (and new followers' backfills) and new-post emails. Each message is handled on
 * its own: success → ack; failure → retry with backoff (after max_retries the message goes to the
 * dead-letter queue). Handlers are idempotent, so redelivery is always safe. Queues are matched by
 * their exact name: a dead-letter queue is named after its live queue and must never run as it.
 */
import { backoffSeconds } from "../app/lib/backoff";
import { processFeedMessage } from "../app/modules/feed/service.server";
import { processEmailMessage } from "../app/modules/email/service.server";
import { processTierMessageEmails, processTxEmail } from "../app/modules/email/transactional.server";
import { QUEUES, storeDeadLetters } from "../app/modules/queues/dead-letters.server";
import { processExportMessage } from "../app/modules/exports/service.server";
import { processWebhookMessage } from "../app/modules/webhooks/delivery.server";
import { processAnalyticsBatch } from "../app/modules/analytics/rollup.server";

export const FANOUT_QUEUE_NAME = QUEUES.fanout.name;
export const EMAIL_QUEUE_NAME = QUEUES.email.name;

/** 2 s, 4 s, 8 s … capped at 5 minutes. */
const backoff = (attempts: number) => backoffSeconds(attempts, { first: 2, max: 300 });

async function each(batch: MessageBatch, handle: (body: unknown) => Promise<unknown>) {
  for (const msg of batch.messages) {
    try {
      await handle(msg.body);
      msg.ack();
    } catch (e) {
      console.warn(
        `queue ${batch.queue}: message ${msg.id} failed (attempt ${msg.attempts}): ${e instanceof Error ? e.message : String(e)}`,
      );
      msg.retry({ delaySeconds: backoff(msg.attempts) });
    }
  }
}

/** Returns true when the batch belonged to one of these queues. */
export async function handleContentQueues(batch: MessageBatch, env: Env): Promise<boolean> {
  switch (batch.queue) {
    case QUEUES.fanout.name:
      await each(batch, (body) => processFeedMessage(env, body));
      return true;
    case QUEUES.email.name:
      await each(batch, (body) => {
        const type = (body as { type?: unknown } | null)?.type;
        if (type === "tx_email") return processTxEmail(env, body);
        if (type === "tier_message") return processTierMessageEmails(env, body);
        return processEmailMessage(env, body);
      });
      return true;
    case QUEUES.exports.name:
      await each(batch, (body) => processExportMessage(env, body));
      return true;
    case QUEUES.webhooks.name:
      await webhookBatch(batch, env);
      return true;
    case QUEUES.analytics.name:
      // One rollup pass for the whole batch (idempotent per message); a failure retries the batch.
      try {
        await processAnalyticsBatch(env, batch);
      } catch (e) {
        console.warn(`queue ${batch.queue}: batch failed: ${e instanceof Error ? e.message : String(e)}`);
        batch.retryAll({ delaySeconds: backoff(Math.max(...batch.messages.map((m) => m.attempts))) });
      }
      return true;
    case QUEUES.fanout.dlq:
    case QUEUES.email.dlq:
    case QUEUES.exports.dlq:
    case QUEUES.webhooks.dlq:
    case QUEUES.analytics.dlq:
      await storeDeadLetters(batch, env);
      return true;
    default:
      return false;
  }
}

/**
 * Creators' webhooks (decision 0099): a failed HTTP attempt is not an error here — the consumer
 * answers with its own schedule (`retry` with the delay it chose) or acks a finished delivery.
 * Only a throw (D1 unreachable, a bug) takes the generic backoff and, in the end, the DLQ.
 */
async function webhookBatch(batch: MessageBatch, env: Env) {
  for (const msg of batch.messages) {
    try {
      const out = await processWebhookMessage(env, msg.body);
      if (out?.result === "retry") msg.retry({ delaySeconds: out.delaySeconds });
      else msg.ack();
    } catch (e) {
      console.warn(
        `queue ${batch.queue}: message ${msg.id} failed (attempt ${msg.attempts}): ${e instanceof Error ? e.message : String(e)}`,
      );
      msg.retry({ delaySeconds: backoff(msg.attempts) });
    }
  }
}
