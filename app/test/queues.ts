/** Runs one message through the real Worker queue handler, as the queue would deliver it. */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env as testEnv } from "cloudflare:workers";
import worker from "../../workers/index";

export async function runQueueMessage(queue: string, body: unknown, opts: { attempts?: number; id?: string; env?: Env } = {}) {
  const batch = createMessageBatch(queue, [
    { id: opts.id ?? crypto.randomUUID(), timestamp: new Date(), attempts: opts.attempts ?? 1, body },
  ]);
  const ctx = createExecutionContext();
  await (worker.queue as unknown as (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>)(
    batch as MessageBatch<unknown>,
    opts.env ?? testEnv,
    ctx,
  );
  return getQueueResult(batch, ctx);
}
