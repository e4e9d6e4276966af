import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../../workers/index";
import { getDb } from "~/lib/db.server";
import { app, postForm } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { followCreator } from "~/modules/follows/service.server";
import { feedItems } from "~/modules/feed/schema";
import type { FanoutMessage } from "~/modules/feed/messages";
import { deadLetters } from "~/modules/payments/schema";
import { discardDeadLetter, retryDeadLetter } from "./dead-letters.server";

const runQueue = worker.queue as unknown as (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>;

/** A post by a creator with two followers whose first fan-out message was captured, not run. */
async function pendingFanout() {
  const c = await makeCreator(env);
  const followers = [await makeUser(env), await makeUser(env)];
  for (const f of followers) await followCreator(env, f.viewer, c.handle);
  const sent: FanoutMessage[] = [];
  const cap = {
    ...env,
    FANOUT_QUEUE: {
      send: async (m: FanoutMessage) => void sent.push(m),
      sendBatch: async (ms: { body: FanoutMessage }[]) => void sent.push(...ms.map((m) => m.body)),
    },
    EMAIL_QUEUE: { send: async () => {}, sendBatch: async () => {} },
  } as unknown as Env;
  const post = await makePost(cap, c, { title: "Dead-lettered post" });
  const msg = sent.shift()!;
  sent.length = 0;
  return { c, post, msg, cap, sent, followers };
}

const feedRowsFor = (activityId: string) => getDb(env).select().from(feedItems).where(eq(feedItems.activityId, activityId));

async function deliverToDlq(queue: string, id: string, body: unknown, e: Env = env) {
  const batch = createMessageBatch(queue, [{ id, timestamp: new Date(), attempts: 6, body }]);
  const ctx = createExecutionContext();
  await runQueue(batch, e, ctx);
  return getQueueResult(batch, ctx);
}

describe("dead-letter queues", () => {
  it("a fan-out message that died is stored (not run as fan-out) and shown to admins", async () => {
    const { post, msg } = await pendingFanout();
    const result = await deliverToDlq("allthrive-fanout-dlq", "dlq-fanout-1", msg);
    expect(result.ackAll).toBe(true);
    // The DLQ's name starts with the fan-out queue's name, but nobody's feed got the post.
    expect(await feedRowsFor(post.id)).toHaveLength(0);
    const row = await getDb(env).query.deadLetters.findFirst({ where: eq(deadLetters.id, "dlq-fanout-1") });
    expect(row).toMatchObject({ queue: "allthrive-fanout-dlq", eventType: "fanout", outcome: null });

    const admin = await makeUser(env, { isAdmin: true });
    const html = await (await app("/admin/dead-letters", { cookie: await admin.cookie() })).text();
    expect(html).toContain("allthrive-fanout-dlq");
    expect(html).toContain(`activity ${post.id}`);
    expect(html).toContain("Retry");
  });

  it("an email message that died is stored too", async () => {
    const result = await deliverToDlq("allthrive-email-dlq", "dlq-email-1", { type: "post_email", postId: "p_x", userIds: ["u1", "u2"] });
    expect(result.ackAll).toBe(true);
    const row = await getDb(env).query.deadLetters.findFirst({ where: eq(deadLetters.id, "dlq-email-1") });
    expect(row).toMatchObject({ queue: "allthrive-email-dlq", eventType: "post_email" });
  });

  it("retry re-enqueues onto the original queue exactly once, and the fan-out then reaches the followers", async () => {
    const { post, msg, cap, sent, followers } = await pendingFanout();
    await deliverToDlq("allthrive-fanout-dlq", "dlq-fanout-2", msg);
    const admin = await makeUser(env, { isAdmin: true });
    await expect(retryDeadLetter(cap, admin.viewer, "dlq-fanout-2")).resolves.toMatchObject({ queue: "allthrive-fanout" });
    await expect(retryDeadLetter(cap, admin.viewer, "dlq-fanout-2")).rejects.toMatchObject({ status: 409 });
    await expect(discardDeadLetter(cap, admin.viewer, "dlq-fanout-2")).rejects.toMatchObject({ status: 409 });
    expect(sent).toEqual([msg]);
    // The live consumer runs it.
    const batch = createMessageBatch(
      "allthrive-fanout",
      sent.map((body, i) => ({ id: `re-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await runQueue(batch, cap, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["re-0"]);
    expect((await feedRowsFor(post.id)).map((r) => r.userId).sort()).toEqual(followers.map((f) => f.id).sort());
    const row = await getDb(env).query.deadLetters.findFirst({ where: eq(deadLetters.id, "dlq-fanout-2") });
    expect(row).toMatchObject({ outcome: "retried", handledBy: admin.id });
  });

  it("discard is admin-only, marks the letter handled and records who did it", async () => {
    await deliverToDlq("allthrive-email-dlq", "dlq-email-2", { type: "post_email", postId: "p_y", userIds: ["u1"] });
    const someone = await makeUser(env);
    const refused = await postForm("/admin/dead-letters", { id: "dlq-email-2", intent: "discard" }, { cookie: await someone.cookie() });
    expect(refused.status).toBe(403);
    const admin = await makeUser(env, { isAdmin: true });
    const missing = await postForm("/admin/dead-letters", { id: "nope", intent: "discard" }, { cookie: await admin.cookie() });
    expect(missing.status).toBe(404);
    const ok = await postForm("/admin/dead-letters", { id: "dlq-email-2", intent: "discard" }, { cookie: await admin.cookie() });
    expect(ok.status).toBe(200);
    const row = await getDb(env).query.deadLetters.findFirst({ where: eq(deadLetters.id, "dlq-email-2") });
    expect(row).toMatchObject({ outcome: "discarded", handledBy: admin.id });
    expect(row!.handledAt).toBeGreaterThan(0);
  });
});
