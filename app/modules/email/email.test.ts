import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { app } from "~/test/http";
import { runQueueMessage } from "~/test/queues";
import { payingMember } from "~/test/money";
import { followCreator } from "~/modules/follows/service.server";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { devMailbox, emailSends } from "./schema";
import { getEmailMode } from "./service.server";
import { unsubscribeToken } from "./tokens.server";

const deliver = (body: unknown, attempts = 1) => runQueueMessage("allthrive-email", body, { attempts });

const mailFor = (postId: string) =>
  getDb(env)
    .select()
    .from(devMailbox)
    .where(like(devMailbox.id, `post:${postId}:%`));

describe("new-post emails", () => {
  it("send once per (post, recipient) however often the message is retried", async () => {
    const c = await makeCreator(env);
    const a = await makeUser(env);
    const b = await makeUser(env);
    const post = await makePost(env, c, { title: "Retry-proof", body: "Hello readers." });
    const msg = { type: "post_email", postId: post.id, userIds: [a.id, b.id] };
    const first = await deliver(msg);
    expect(first.explicitAcks).toHaveLength(1);
    // Redelivered (at-least-once), twice, and as a concurrent duplicate.
    await deliver(msg, 2);
    await Promise.all([deliver(msg, 3), deliver(msg, 3)]);
    const mails = await mailFor(post.id);
    expect(mails.map((m) => m.to).sort()).toEqual([a.email, b.email].sort());
    const sends = await getDb(env)
      .select()
      .from(emailSends)
      .where(like(emailSends.key, `post:${post.id}:%`));
    expect(sends.every((s) => s.status === "sent")).toBe(true);
  });

  it("a send that died mid-way is completed on retry, still once", async () => {
    const c = await makeCreator(env);
    const a = await makeUser(env);
    const post = await makePost(env, c, { title: "Crash in the middle" });
    // Simulate a crash after the claim but before the send.
    await getDb(env)
      .insert(emailSends)
      .values({ key: `post:${post.id}:${a.id}`, userId: a.id, kind: "new_post", status: "sending", createdAt: 1 });
    await deliver({ type: "post_email", postId: post.id, userIds: [a.id] }, 2);
    await deliver({ type: "post_email", postId: post.id, userIds: [a.id] }, 3);
    expect(await mailFor(post.id)).toHaveLength(1);
  });

  it("carry HTML and text from one template, an unsubscribe link and List-Unsubscribe headers", async () => {
    const c = await makeCreator(env, { displayName: "Template Tess" });
    const a = await makeUser(env);
    const post = await makePost(env, c, { title: "Templates", body: "Read **this**." });
    await deliver({ type: "post_email", postId: post.id, userIds: [a.id] });
    const [m] = await mailFor(post.id);
    expect(m.subject).toBe("Template Tess: Templates");
    expect(m.html).toContain("<strong>this</strong>");
    expect(m.text).toContain("Read **this**.");
    const token = await unsubscribeToken(env, a.id);
    expect(m.html).toContain(`/unsubscribe?u=${a.id}&amp;t=${token}`);
    expect(m.text).toContain(`/unsubscribe?u=${a.id}&t=${token}`);
    expect(m.headers["List-Unsubscribe"]).toBe(`<http://localhost:8787/unsubscribe?u=${a.id}&t=${token}>`);
    expect(m.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  });

  it("respect preferences: none gets nothing, subscribed-only gets nothing from creators they don't pay", async () => {
    const c = await makeCreator(env);
    const none = await makeUser(env);
    const subOnly = await makeUser(env);
    for (const [u, mode] of [
      [none, "none"],
      [subOnly, "subscribed"],
    ] as const) {
      const res = await app("/settings/email", {
        method: "POST",
        body: new URLSearchParams({ intent: "set-mode", mode }),
        cookie: await u.cookie(),
      });
      expect(res.status).toBe(200);
    }
    const post = await makePost(env, c);
    await deliver({ type: "post_email", postId: post.id, userIds: [none.id, subOnly.id] });
    expect(await mailFor(post.id)).toHaveLength(0);
  });
});

describe("subscribed-only mode with a real paid membership", () => {
  /** Waits until the real fan-out → email queue has settled both recipients' sends for the post. */
  async function settledSends(postId: string, userIds: string[]) {
    for (let i = 0; i < 200; i++) {
      const rows = await getDb(env)
        .select()
        .from(emailSends)
        .where(like(emailSends.key, `post:${postId}:%`));
      if (userIds.every((u) => rows.some((r) => r.key === `post:${postId}:${u}` && r.status !== "sending"))) return rows;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("new-post emails were not processed in time");
  }

  it("a paying subscriber gets the new-post email; a mere follower with the same mode does not", async () => {
    // The member pays through the real paid-tier Checkout (emulator) and the webhooks are applied.
    const { seller, member } = await payingMember();
    const follower = await makeUser(env);
    for (const u of [member, follower]) {
      await followCreator(env, u.viewer, seller.handle);
      expect(
        (
          await app("/settings/email", {
            method: "POST",
            body: new URLSearchParams({ intent: "set-mode", mode: "subscribed" }),
            cookie: await u.cookie(),
          })
        ).status,
      ).toBe(200);
    }
    // Publishing runs the real fan-out, which enqueues the emails.
    const post = await makePost(env, seller, { title: "Members hear first" });
    const sends = await settledSends(post.id, [member.id, follower.id]);
    expect(sends.find((r) => r.userId === member.id)!.status).toBe("sent");
    expect(sends.find((r) => r.userId === follower.id)!.status).toBe("skipped");
    expect((await mailFor(post.id)).map((m) => m.to)).toEqual([member.email]);
  });
});

describe("one-click unsubscribe", () => {
  it("works with a valid token, also as a cross-site one-click POST without Origin", async () => {
    const u = await makeUser(env);
    const t = await unsubscribeToken(env, u.id);
    const page = await app(`/unsubscribe?u=${u.id}&t=${t}`);
    expect(page.status).toBe(200);
    expect(await getEmailMode(env, u.id)).toBe("all"); // GET never unsubscribes (link scanners)
    const res = await (
      await import("cloudflare:workers")
    ).exports.default.fetch(
      new Request(`http://localhost:8787/unsubscribe?u=${u.id}&t=${t}`, {
        method: "POST",
        body: "List-Unsubscribe=One-Click",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      }),
    );
    expect(res.status).toBe(200);
    expect(await getEmailMode(env, u.id)).toBe("none");
  });

  it("refuses tampered tokens and swapped user ids with a readable 400", async () => {
    const u = await makeUser(env);
    const victim = await makeUser(env);
    const t = await unsubscribeToken(env, u.id);
    const flipped = (t[0] === "A" ? "B" : "A") + t.slice(1);
    for (const qs of [`u=${u.id}&t=${flipped}`, `u=${victim.id}&t=${t}`, `u=${u.id}&t=`, `u=&t=${t}`]) {
      const get = await app(`/unsubscribe?${qs}`);
      expect(get.status).toBe(400);
      expect(await get.text()).toContain("This unsubscribe link is not valid");
      const post = await app(`/unsubscribe?${qs}`, { method: "POST", body: new URLSearchParams({}) });
      expect(post.status).toBe(400);
    }
    expect(await getEmailMode(env, victim.id)).toBe("all");
    expect(await getEmailMode(env, u.id)).toBe("all");
  });
});

describe("dev mailbox", () => {
  it("is a 404 unless APP_ENV=development", async () => {
    expect((await app("/dev/mailbox")).status).toBe(404);
    expect((await app("/dev/mailbox/anything")).status).toBe(404);
  });
});
