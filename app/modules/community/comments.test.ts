import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getStripe } from "~/lib/stripe.server";
import { app, postForm } from "~/test/http";
import { purchased } from "~/test/money";
import { deliver } from "~/test/stripe";
import { makeApp, makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { bulkUsers } from "~/modules/demo/bulk.server";
import { startSessions } from "~/modules/identity/auth.server";
import { countLikeRows } from "./queries.server";
import { personalData } from "~/modules/exports/queries.server";

let ipSeq = 0;
/** A fresh client IP per call site, so per-IP limits of one test don't leak into another. */
const freshIp = () => `10.77.${(++ipSeq >> 8) & 255}.${ipSeq & 255}`;

const thread = (type: string, id: string, cookie?: string, query = "") =>
  app(`/comments/${type}/${id}${query ? `?${query}` : ""}`, { cookie });
const threadData = async (type: string, id: string, cookie?: string, query = "") => {
  const res = await app(`/comments/${type}/${id}.data${query ? `?${query}` : ""}`, { cookie });
  return { status: res.status, text: await res.text() };
};
const act = (type: string, id: string, fields: Record<string, string>, cookie?: string, ip = freshIp()) =>
  postForm(`/comments/${type}/${id}`, fields, { cookie, headers: { "CF-Connecting-IP": ip } });
const comment = (type: string, id: string, body: string, cookie?: string, extra: Record<string, string> = {}) =>
  act(type, id, { intent: "comment", body, ...extra }, cookie);
const newestId = async (type: string, id: string, authorId: string) =>
  (await env.DB.prepare(
    "SELECT id FROM comments WHERE target_type=? AND target_id=? AND author_id=? ORDER BY created_at DESC, rowid DESC LIMIT 1",
  )
    .bind(type, id, authorId)
    .first<{ id: string }>())!.id;

async function publicPost() {
  const creator = await makeCreator(env);
  const post = await makePost(env, creator, { body: "A public build log." });
  return { creator, post };
}

/** Accounts older than a day (the "new account" rules are tested on their own). */
async function settledUser(opts: { verified?: boolean } = {}) {
  const u = await makeUser(env, opts);
  await env.DB.prepare("UPDATE users SET created_at = created_at - 172800 WHERE id=?").bind(u.id).run();
  return u;
}

describe("comments on a public post", () => {
  it("a reader comments, the creator replies (marked), the reader edits within 15 minutes; both show in the thread", async () => {
    const { creator, post } = await publicPost();
    const reader = await settledUser();
    const rc = await reader.cookie();
    const res = await comment("post", post.id, "Loved **this** one, see `npm i`", rc);
    expect(res.status).toBe(200);
    const first = await newestId("post", post.id, reader.id);
    expect((await comment("post", post.id, "Thanks!", await creator.cookie(), { parentId: first })).status).toBe(200);
    // Replying to a reply attaches to the top-level comment (one level).
    const reply = await newestId("post", post.id, creator.id);
    expect((await comment("post", post.id, "You're welcome back", rc, { parentId: reply })).status).toBe(200);
    const nested = await env.DB.prepare("SELECT parent_id AS p FROM comments WHERE author_id=? AND body_markdown=?")
      .bind(reader.id, "You're welcome back")
      .first<{ p: string }>();
    expect(nested!.p).toBe(first);
    expect((await act("post", post.id, { intent: "edit", commentId: first, body: "Loved **this** one!" }, rc)).status).toBe(200);

    const html = await (await thread("post", post.id)).text();
    expect(html).toContain("<strong>this</strong> one!");
    expect(html).toContain("edited");
    expect(html).toContain("Thanks!");
    expect(html).toMatch(/Creator<\/span>/);
    expect(html).toContain("3 comments");
    // The thread is per viewer and never cached.
    expect((await thread("post", post.id)).headers.get("Cache-Control")).toBe("private, no-store");
  });

  it("the 15-minute edit window closes; only the author edits or deletes", async () => {
    const { post } = await publicPost();
    const reader = await settledUser();
    const other = await settledUser();
    await comment("post", post.id, "Original", await reader.cookie());
    const id = await newestId("post", post.id, reader.id);
    expect((await act("post", post.id, { intent: "edit", commentId: id, body: "Hijacked" }, await other.cookie())).status).toBe(403);
    expect((await act("post", post.id, { intent: "delete", commentId: id }, await other.cookie())).status).toBe(403);
    expect((await act("post", post.id, { intent: "edit", commentId: id, body: "x" })).status).toBe(401);
    await env.DB.prepare("UPDATE comments SET created_at = created_at - 901 WHERE id=?").bind(id).run();
    const late = await act("post", post.id, { intent: "edit", commentId: id, body: "Too late" }, await reader.cookie());
    expect(late.status).toBe(403);
    expect(await late.text()).toContain("15 minutes");
    expect((await env.DB.prepare("SELECT body_markdown AS b FROM comments WHERE id=?").bind(id).first<{ b: string }>())!.b).toBe(
      "Original",
    );
  });

  it("deleting a comment with replies leaves 'comment deleted'; without replies it disappears", async () => {
    const { post } = await publicPost();
    const a = await settledUser();
    const b = await settledUser();
    await comment("post", post.id, "Parent text here", await a.cookie());
    const parent = await newestId("post", post.id, a.id);
    await comment("post", post.id, "A reply", await b.cookie(), { parentId: parent });
    await comment("post", post.id, "Lonely comment", await b.cookie());
    const lonely = await newestId("post", post.id, b.id);
    expect((await act("post", post.id, { intent: "delete", commentId: parent }, await a.cookie())).status).toBe(200);
    expect((await act("post", post.id, { intent: "delete", commentId: lonely }, await b.cookie())).status).toBe(200);
    const html = await (await thread("post", post.id)).text();
    expect(html).toContain("comment deleted");
    expect(html).not.toContain("Parent text here");
    expect(html).toContain("A reply");
    expect(html).not.toContain("Lonely comment");
    // The last reply goes → the deleted parent goes too.
    const reply = await newestId("post", post.id, b.id);
    expect((await act("post", post.id, { intent: "delete", commentId: reply }, await b.cookie())).status).toBe(200);
    expect(await (await thread("post", post.id)).text()).not.toContain("comment deleted");
  });

  it("orders newest or top and pages by keyset without repeats or gaps", async () => {
    const { post } = await publicPost();
    const authors = await Promise.all(Array.from({ length: 3 }, () => settledUser()));
    const cookies = await Promise.all(authors.map((a) => a.cookie()));
    // 25 comments with distinct times (rate limits: ≤10/min per account, so spread over 3 people).
    for (let i = 0; i < 25; i++) {
      expect((await comment("post", post.id, `Comment number ${i}`, cookies[i % 3])).status).toBe(200);
      await env.DB.prepare("UPDATE comments SET created_at = ? WHERE target_id=? AND body_markdown=?")
        .bind(1_800_000_000 + i, post.id, `Comment number ${i}`)
        .run();
    }
    const liked = await env.DB.prepare("SELECT id FROM comments WHERE target_id=? AND body_markdown='Comment number 3'")
      .bind(post.id)
      .first<{ id: string }>();
    await act("post", post.id, { intent: "like", commentId: liked!.id }, cookies[0]);
    const page1 = await threadData("post", post.id, undefined, "sort=new");
    const firstPageBodies = [...page1.text.matchAll(/Comment number (\d+)/g)].map((m) => Number(m[1]));
    expect(firstPageBodies.slice(0, 3)).toEqual([24, 23, 22]);
    expect(new Set(firstPageBodies).size).toBe(20);
    const next = /"(\d+\.[a-z0-9]+)"/.exec(page1.text.slice(page1.text.indexOf('"next"')))![1];
    const page2 = await threadData("post", post.id, undefined, `sort=new&cursor=${next}`);
    const second = [...new Set([...page2.text.matchAll(/Comment number (\d+)/g)].map((m) => Number(m[1])))];
    expect(second.sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
    const top = await threadData("post", post.id, undefined, "sort=top");
    expect(/Comment number (\d+)/.exec(top.text)![1]).toBe("3");
  });
});

describe("who may comment", () => {
  it("refuses anonymous (401), unverified (403), blocked (403) and follows the creator's per-post setting", async () => {
    const { creator, post } = await publicPost();
    expect((await comment("post", post.id, "hi there")).status).toBe(401);
    const unverified = await settledUser({ verified: false });
    const r = await comment("post", post.id, "hi there", await unverified.cookie());
    expect(r.status).toBe(403);
    expect(await r.text()).toContain("confirm your email");

    const troll = await settledUser();
    const tc = await troll.cookie();
    await comment("post", post.id, "first troll", tc);
    const trollComment = await newestId("post", post.id, troll.id);
    const other = await settledUser();
    // Only the thread's owner (or an admin) moderates: another creator can't block or hide.
    const otherCreator = await makeCreator(env);
    for (const intent of ["block", "hide", "pin"]) {
      expect((await act("post", post.id, { intent, commentId: trollComment }, await otherCreator.cookie())).status).toBe(403);
      expect((await act("post", post.id, { intent, commentId: trollComment }, await other.cookie())).status).toBe(403);
      expect((await act("post", post.id, { intent, commentId: trollComment })).status).toBe(401);
    }
    expect((await act("post", post.id, { intent: "block", commentId: trollComment }, await creator.cookie())).status).toBe(200);
    const blocked = await comment("post", post.id, "again", tc);
    expect(blocked.status).toBe(403);
    // The block covers the creator's other content too.
    const post2 = await makePost(env, creator);
    expect((await comment("post", post2.id, "elsewhere", tc)).status).toBe(403);

    // Policy: off → nobody; members → members only (the creator still may).
    expect((await act("post", post.id, { intent: "policy", policy: "off" }, await other.cookie())).status).toBe(403);
    expect((await act("post", post.id, { intent: "policy", policy: "nope" }, await creator.cookie())).status).toBe(422);
    expect((await act("post", post.id, { intent: "policy", policy: "off" }, await creator.cookie())).status).toBe(200);
    expect((await comment("post", post.id, "closed?", await other.cookie())).status).toBe(403);
    expect((await act("post", post.id, { intent: "policy", policy: "members" }, await creator.cookie())).status).toBe(200);
    const m = await comment("post", post.id, "member?", await other.cookie());
    expect(m.status).toBe(403);
    expect(await m.text()).toContain("members only");
    expect((await comment("post", post.id, "creator may", await creator.cookie())).status).toBe(200);
  });

  it("a suspended author's comments disappear and they can't comment", async () => {
    const { post } = await publicPost();
    const u = await settledUser();
    const cookie = await u.cookie();
    await comment("post", post.id, "Soon suspended text", cookie);
    const admin = await makeUser(env, { isAdmin: true });
    expect(
      (await postForm("/admin/users", { intent: "suspend", userId: u.id, reason: "spam wave" }, { cookie: await admin.cookie() })).status,
    ).toBe(200);
    expect(await (await thread("post", post.id)).text()).not.toContain("Soon suspended text");
    // Their session is gone: the write is refused as anonymous.
    expect((await comment("post", post.id, "still here?", cookie)).status).toBe(401);
  });

  it("validates: empty and oversized comments are 422 with a message, nothing written", async () => {
    const { post } = await publicPost();
    const u = await settledUser();
    const cookie = await u.cookie();
    const empty = await comment("post", post.id, "   ", cookie);
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("Write your comment");
    expect((await comment("post", post.id, "x".repeat(5001), cookie)).status).toBe(422);
    expect((await comment("post", post.id, "reply to nothing", cookie, { parentId: "nope00000000" })).status).toBe(404);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM comments WHERE target_id=?").bind(post.id).first<{ n: number }>();
    expect(n!.n).toBe(0);
  });
});

describe("deleting an account", () => {
  it("wipes the person's comments; one with replies stays as 'comment deleted' and keeps its replies", async () => {
    const { post } = await publicPost();
    const leaver = await settledUser();
    const other = await settledUser();
    await comment("post", post.id, "Words of someone leaving", await leaver.cookie());
    const parent = await newestId("post", post.id, leaver.id);
    await comment("post", post.id, "A reply that stays", await other.cookie(), { parentId: parent });
    await comment("post", post.id, "Another leaving remark", await leaver.cookie());
    expect((await postForm("/settings/delete", { password: leaver.password }, { cookie: await leaver.cookie() })).status).toBe(302);
    const html = await (await thread("post", post.id)).text();
    expect(html).not.toContain("Words of someone leaving");
    expect(html).not.toContain("Another leaving remark");
    expect(html).toContain("comment deleted");
    expect(html).toContain("A reply that stays");
    const left = await env.DB.prepare("SELECT count(*) AS n FROM comments WHERE author_id=? AND body_markdown != ''")
      .bind(leaver.id)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
  });
});

describe("data export", () => {
  it("includes the person's comments (not deleted ones)", async () => {
    const { post } = await publicPost();
    const u = await settledUser();
    await comment("post", post.id, "Export me please", await u.cookie());
    await comment("post", post.id, "Gone soon", await u.cookie());
    await act("post", post.id, { intent: "delete", commentId: await newestId("post", post.id, u.id) }, await u.cookie());
    const data = await personalData(env, u.id);
    expect(data.comments.map((c) => c.body)).toEqual(["Export me please"]);
    expect(data.comments[0]).toMatchObject({ on: "post", targetId: post.id });
  });
});

describe("anti-spam", () => {
  it("rate-limits an account with 429 and Retry-After; refuses duplicate text", async () => {
    const { post } = await publicPost();
    const u = await settledUser();
    const cookie = await u.cookie();
    for (let i = 0; i < 10; i++) expect((await comment("post", post.id, `Thought number ${i}`, cookie)).status).toBe(200);
    const over = await comment("post", post.id, "one more thought", cookie);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await over.text()).toContain("Too many comments");

    const v = await settledUser();
    expect((await comment("post", post.id, "Same words", await v.cookie())).status).toBe(200);
    const dup = await comment("post", post.id, "Same words", await v.cookie());
    expect(dup.status).toBe(409);
  });

  it("rate-limits an IP across accounts", async () => {
    const { post } = await publicPost();
    const ip = freshIp();
    const users = await Promise.all(Array.from({ length: 4 }, () => settledUser()));
    let last = 0;
    for (let i = 0; i < 31; i++) {
      const u = users[i % 4];
      last = (await act("post", post.id, { intent: "comment", body: `Shared IP ${i}` }, await u.cookie(), ip)).status;
      if (i < 30) expect(last).toBe(200);
    }
    expect(last).toBe(429);
  });

  it("new accounts can't post links and have tighter limits", async () => {
    const { post } = await publicPost();
    const fresh = await makeUser(env);
    const cookie = await fresh.cookie();
    for (const body of ["see https://spam.example", "[x](http://spam.example)", "visit www.spam.example", "buy at cheap.xyz now"]) {
      const r = await comment("post", post.id, body, cookie);
      expect(r.status).toBe(422);
      expect(await r.text()).toContain("New accounts can't post links");
    }
    for (let i = 0; i < 3; i++) expect((await comment("post", post.id, `Hello number ${i}`, cookie)).status).toBe(200);
    expect((await comment("post", post.id, "Hello again", cookie)).status).toBe(429);
  });
});

describe("sanitising", () => {
  it("script, event handlers, javascript:/data: links and protocol-relative/backslash tricks are inert", async () => {
    const { post } = await publicPost();
    const u = await settledUser();
    const cookie = await u.cookie();
    const attacks = [
      "<script>alert(1)</script>",
      '<img src=x onerror="alert(2)">',
      "[a](javascript:alert(3))",
      "[b](data:text/html;base64,PHNjcmlwdD4=)",
      "[c](//evil.example/x)",
      "[d](/\\evil.example)",
      "[e](/\\t/evil.example)",
      "[f](/\t/evil.example)",
      "![g](https://tracker.example/p.gif)",
      '<a href="javascript:alert(4)">h</a>',
    ];
    for (let i = 0; i < attacks.length; i++) {
      if (i === 9) await env.DB.prepare("DELETE FROM rate_limits WHERE key LIKE ?").bind(`comment:u:${u.id}`).run();
      expect((await comment("post", post.id, `${attacks[i]} #${i}`, cookie)).status).toBe(200);
    }
    const page = await (await thread("post", post.id)).text();
    const bodies = [...page.matchAll(/data-comment-body[^>]*>([\s\S]*?)<\/div>/g)].map((m) => m[1]);
    expect(bodies.length).toBe(attacks.length);
    for (const out of [bodies.join("\n"), (await threadData("post", post.id)).text]) {
      expect(out).not.toMatch(/<script/i);
      expect(out).not.toMatch(/<img[^>]*onerror/i);
      expect(out).not.toMatch(/href="(javascript|data):/i);
      expect(out).not.toMatch(/href="\/\/|href="\/\\|href="https?:\/\/evil\.example/i);
      expect(out).not.toContain('src="https://tracker.example');
      expect(out).not.toMatch(/<a[^>]+href="javascript/i);
    }
  });

  it("@mentions of existing handles link to the storefront and notify; unknown handles stay text", async () => {
    const { creator, post } = await publicPost();
    const friend = await makeCreator(env);
    const u = await settledUser();
    await comment("post", post.id, `Hey @${friend.handle} and @nobody-${friend.handle}`, await u.cookie());
    const html = await (await thread("post", post.id)).text();
    expect(html).toContain(`<a href="/@${friend.handle}">@${friend.handle}</a>`);
    expect(html).not.toContain(`href="/@nobody-`);
    const n = await env.DB.prepare("SELECT kind, message FROM notifications WHERE user_id=? AND kind='mention'")
      .bind(friend.id)
      .first<{ message: string }>();
    expect(n!.message).toContain("mentioned you");
    const owner = await env.DB.prepare("SELECT kind FROM notifications WHERE user_id=? AND kind='new_comment'").bind(creator.id).first();
    expect(owner).not.toBeNull();
  });
});

describe("comments on gated posts", () => {
  it("only readers entitled to the full post read or write its comments, in every output; a refund ends it", async () => {
    const { seller, buyer, cookie: buyerCookie, paymentIntent, id: productId } = await purchased();
    const post = await makePost(env, seller, { visibility: "product", productId, body: "Paid content here" });
    const secret = "SECRET-COMMENT-7f3a";
    const res = await comment("post", post.id, `The ${secret} trick`, buyerCookie);
    expect(res.status).toBe(200);
    expect(await (await thread("post", post.id, buyerCookie)).text()).toContain(secret);

    const follower = await settledUser();
    const otherCreator = await makeCreator(env);
    const admin = await makeUser(env, { isAdmin: true });
    const viewers: [string, string | undefined][] = [
      ["anonymous", undefined],
      ["signed-in reader", await follower.cookie()],
      ["other creator", await otherCreator.cookie()],
      ["admin", await admin.cookie()],
    ];
    const postUrl = `/@${seller.handle}/posts/${post.slug}`;
    for (const [who, c] of viewers) {
      const t = await thread("post", post.id, c);
      expect(t.status, who).toBe(c ? 403 : 403);
      expect(await t.text(), who).not.toContain(secret);
      expect((await threadData("post", post.id, c)).text, who).not.toContain(secret);
      const embedded = await threadData("post", post.id, c, "embed=1");
      expect(embedded.status, who).toBe(200);
      expect(embedded.text, who).toContain("readers who can read the whole post");
      expect(embedded.text, who).not.toContain(secret);
      expect(await (await app(postUrl, { cookie: c })).text(), who).not.toContain(secret);
      expect(await (await app(`${postUrl}.data`, { cookie: c })).text(), who).not.toContain(secret);
      expect((await comment("post", post.id, "can I?", c)).status, who).toBe(c ? 403 : 401);
      expect((await act("post", post.id, { intent: "react", reaction: "fire" }, c)).status, who).toBe(c ? 403 : 401);
    }
    // Feed, RSS and the creator's pages never carry comments.
    for (const path of [`/@${seller.handle}/feed.xml`, `/@${seller.handle}`, "/feed", "/discover?q=trick&in=posts"]) {
      expect(await (await app(path, { cookie: buyerCookie })).text(), path).not.toContain(secret);
    }
    // Notifications about the thread never quote it.
    const notes = await env.DB.prepare("SELECT message FROM notifications WHERE user_id=?").bind(seller.id).all<{ message: string }>();
    expect(notes.results.map((n) => n.message).join(" ")).not.toContain(secret);

    // A refund removes access to the post, and to its comments.
    await getStripe(env).refunds.create({ payment_intent: paymentIntent });
    await deliver(buyer.id);
    const after = await thread("post", post.id, buyerCookie);
    expect(after.status).toBe(403);
    expect(await after.text()).not.toContain(secret);
    expect((await comment("post", post.id, "still?", buyerCookie)).status).toBe(403);
  });
});

describe("the readers' thread page (rendered once per thread version)", () => {
  it("readers share it yet see only their own likes and edit rights; every write, hide and suspension shows at once", async () => {
    const maker = await makeCreator(env);
    const { id: appId } = await makeApp(env, maker);
    const [u, v] = [await settledUser(), await settledUser()];
    const [uc, vc] = [await u.cookie(), await v.cookie()];
    await comment("app", appId, "Shared first words", uc);
    const first = await newestId("app", appId, u.id);
    const page = async (c?: string) => (await thread("app", appId, c)).text();
    // U's request renders and caches the page; V gets the same page without U's edit and delete buttons.
    expect(await page(uc)).toContain(">Delete<");
    expect(await page(vc)).not.toContain(">Delete<");
    // A like shows at once (the version moved) and is V's alone.
    expect((await act("app", appId, { intent: "like", commentId: first }, vc)).status).toBe(200);
    expect(await page(vc)).toContain("♥ Liked · 1");
    expect(await page(uc)).toContain("♡ Like · 1");
    // New comments and edits show at once to a reader whose page was cached.
    await comment("app", appId, "Second thoughts", vc);
    const second = await newestId("app", appId, v.id);
    expect(await page(uc)).toContain("Second thoughts");
    expect((await act("app", appId, { intent: "edit", commentId: second, body: "Second, edited" }, vc)).status).toBe(200);
    expect(await page(uc)).toContain("Second, edited");
    // Hidden by the maker: gone for readers at once; its author (own page) and the maker still see it.
    expect((await act("app", appId, { intent: "hide", commentId: second }, await maker.cookie())).status).toBe(200);
    expect(await page(uc)).not.toContain("Second, edited");
    expect(await page()).not.toContain("Second, edited");
    expect(await page(vc)).toContain("Hidden — only you");
    expect(await page(await maker.cookie())).toContain("Second, edited");
    // Suspending U (the catalog counter moves): U's comment leaves the cached page.
    const admin = await makeUser(env, { isAdmin: true });
    expect(await page(vc)).toContain("Shared first words");
    expect(
      (await postForm("/admin/users", { intent: "suspend", userId: u.id, reason: "spam" }, { cookie: await admin.cookie() })).status,
    ).toBeLessThan(400);
    expect(await page(vc)).not.toContain("Shared first words");
  });
});

describe("likes and reactions", () => {
  it("500 concurrent likes from 250 people (each twice) count exactly 250; one reaction per person per post", async () => {
    const { post } = await publicPost();
    const author = await settledUser();
    await comment("post", post.id, "Like me", await author.cookie());
    const id = await newestId("post", post.id, author.id);
    const ids = await bulkUsers(env, 250, "liker");
    await env.DB.prepare(`UPDATE users SET email_verified_at = 1, created_at = created_at - 172800 WHERE email LIKE 'liker-%'`).run();
    const cookies = await startSessions(env, ids);
    const results = await Promise.all(
      [...cookies, ...cookies].map((c, i) =>
        act("post", post.id, { intent: "like", commentId: id }, c, `10.99.${i % 200}.${Math.floor(i / 200)}`),
      ),
    );
    expect(results.filter((r) => r.status !== 200).length).toBe(0);
    expect(await countLikeRows(env, id)).toBe(250);
    const row = await env.DB.prepare("SELECT like_count AS n FROM comments WHERE id=?").bind(id).first<{ n: number }>();
    expect(row!.n).toBe(250);
    // Unlike half concurrently: exact again.
    await Promise.all(cookies.slice(0, 125).map((c, i) => act("post", post.id, { intent: "unlike", commentId: id }, c, `10.98.${i}.1`)));
    expect((await env.DB.prepare("SELECT like_count AS n FROM comments WHERE id=?").bind(id).first<{ n: number }>())!.n).toBe(125);

    // Reactions: 100 people, each fires two different reactions at once → 100 reactions in total.
    await Promise.all(
      cookies
        .slice(0, 100)
        .flatMap((c, i) => [
          act("post", post.id, { intent: "react", reaction: "fire" }, c, `10.97.${i}.1`),
          act("post", post.id, { intent: "react", reaction: "heart" }, c, `10.97.${i}.2`),
        ]),
    );
    const total = await env.DB.prepare("SELECT count(*) AS n FROM post_reactions WHERE post_id=?").bind(post.id).first<{ n: number }>();
    expect(total!.n).toBe(100);
    const bad = await act("post", post.id, { intent: "react", reaction: "poop" }, cookies[0]);
    expect(bad.status).toBe(422);
  }, 240_000);
});

describe("moderation by the creator", () => {
  it("pins one comment, hides comments (author still sees theirs), and moderates only their own threads", async () => {
    const maker = await makeCreator(env);
    const a = await makeApp(env, maker);
    const appId = (await env.DB.prepare("SELECT id FROM apps WHERE slug=?").bind(a.slug).first<{ id: string }>())!.id;
    const u = await settledUser();
    const uc = await u.cookie();
    await comment("app", appId, "Great app, first", uc);
    const first = await newestId("app", appId, u.id);
    await comment("app", appId, "Rude words here", uc);
    const rude = await newestId("app", appId, u.id);
    const mc = await maker.cookie();
    expect((await act("app", appId, { intent: "pin", commentId: first }, mc)).status).toBe(200);
    expect((await act("app", appId, { intent: "pin", commentId: rude }, mc)).status).toBe(200);
    const pinned = await env.DB.prepare("SELECT count(*) AS n FROM comments WHERE target_id=? AND pinned_at IS NOT NULL")
      .bind(appId)
      .first<{ n: number }>();
    expect(pinned!.n).toBe(1);
    expect((await act("app", appId, { intent: "hide", commentId: rude }, mc)).status).toBe(200);
    expect(await (await thread("app", appId)).text()).not.toContain("Rude words here");
    expect(await (await thread("app", appId, await (await settledUser()).cookie())).text()).not.toContain("Rude words here");
    const own = await (await thread("app", appId, uc)).text();
    expect(own).toContain("Rude words here");
    expect(own).toContain("Hidden — only you");
    // The app page links the board and holds no comment text itself.
    const page = await (await app(`/apps/${a.slug}`)).text();
    expect(page).toContain(`/apps/${a.slug}/feedback`);
    expect(page).not.toContain("Great app, first");
  });
});
