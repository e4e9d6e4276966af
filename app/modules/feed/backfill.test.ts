import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../../workers/index";
import { getDb } from "~/lib/db.server";
import { app } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { followCreator, unfollowCreator } from "~/modules/follows/service.server";
import { activities, feedItems } from "./schema";
import { BACKFILL_ITEMS } from "./service.server";

/** An env whose fan-out queue records messages, so the test delivers them (like the queue would). */
function capturingEnv() {
  const sent: unknown[] = [];
  const e = {
    ...env,
    FANOUT_QUEUE: {
      send: async (m: unknown) => void sent.push(m),
      sendBatch: async (ms: { body: unknown }[]) => void sent.push(...ms.map((m) => m.body)),
    },
    EMAIL_QUEUE: { send: async () => {}, sendBatch: async () => {} },
  } as unknown as Env;
  return { env: e, sent };
}

/** Delivers every captured message through the Worker's real queue handler. */
async function deliver(cap: ReturnType<typeof capturingEnv>) {
  const bodies = cap.sent.splice(0);
  if (!bodies.length) return;
  const batch = createMessageBatch(
    "allthrive-fanout",
    bodies.map((body, i) => ({ id: `m${i}-${Math.random()}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await (worker.queue as unknown as (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>)(batch, cap.env, ctx);
  expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([]);
}

/** A creator with 12 posts published one minute apart (the last one members-only), none fanned out to the reader. */
async function creatorWithPosts() {
  const c = await makeCreator(env, { displayName: "Backfill Bea" });
  const quiet = capturingEnv();
  const posts = [];
  for (let i = 1; i <= 11; i++) posts.push(await makePost(quiet.env, c, { title: `Public note ${String(i).padStart(2, "0")}` }));
  posts.push(
    await makePost(quiet.env, c, {
      title: "Members-only deep dive",
      visibility: "paid",
      body: "The free preview part.\n\n<!-- paywall -->\n\nSECRET-GATED-TEXT for members.",
    }),
  );
  for (const [i, p] of posts.entries())
    await getDb(env)
      .update(activities)
      .set({ publishedAt: 1_800_000_000 + i * 60 })
      .where(eq(activities.id, p.id));
  return { c, posts };
}

const storedFor = (userId: string) => getDb(env).select().from(feedItems).where(eq(feedItems.userId, userId));

describe("feed backfill on follow", () => {
  it("following a creator fills an empty feed with their latest items, gated ones as locked previews", async () => {
    const { c, posts } = await creatorWithPosts();
    const reader = await makeUser(env);
    const cap = capturingEnv();
    await followCreator(cap.env, reader.viewer, c.handle);
    // The follow itself only enqueues (off the request path).
    expect(cap.sent).toEqual([{ type: "backfill", userId: reader.id, creatorId: c.id }]);
    expect(await storedFor(reader.id)).toHaveLength(0);
    await deliver(cap);

    const stored = await storedFor(reader.id);
    expect(stored.map((r) => r.activityId).sort()).toEqual(
      posts
        .slice(-BACKFILL_ITEMS)
        .map((p) => p.id)
        .sort(),
    );
    const html = await (await app("/feed", { cookie: await reader.cookie() })).text();
    expect(html).not.toContain("Your feed is empty");
    expect(html).toContain("Members-only deep dive");
    expect(html).toContain("The free preview part.");
    expect(html).not.toContain("SECRET-GATED-TEXT");
    expect(html).toContain("Public note 11");
    expect(html).not.toContain("Public note 02"); // older than the last 10
  });

  it("follow, unfollow, follow again: each item once", async () => {
    const { c } = await creatorWithPosts();
    const reader = await makeUser(env);
    const cap = capturingEnv();
    await followCreator(cap.env, reader.viewer, c.handle);
    await followCreator(cap.env, reader.viewer, c.handle); // already following: nothing new to do
    expect(cap.sent).toHaveLength(1);
    await deliver(cap);
    await unfollowCreator(cap.env, reader.viewer, c.handle);
    await followCreator(cap.env, reader.viewer, c.handle);
    await deliver(cap);
    const stored = await storedFor(reader.id);
    expect(stored).toHaveLength(BACKFILL_ITEMS);
    expect(new Set(stored.map((r) => r.activityId)).size).toBe(BACKFILL_ITEMS);
  });

  it("an unfollow before the backfill runs leaves the feed alone", async () => {
    const { c } = await creatorWithPosts();
    const reader = await makeUser(env);
    const cap = capturingEnv();
    await followCreator(cap.env, reader.viewer, c.handle);
    await unfollowCreator(cap.env, reader.viewer, c.handle);
    await deliver(cap);
    expect(await storedFor(reader.id)).toHaveLength(0);
  });
});
