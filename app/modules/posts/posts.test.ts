import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { renderMarkdown } from "~/lib/markdown.server";
import { splitPaywall } from "./paywall";
import { publishDuePosts } from "./service.server";
import { findPostById } from "./queries.server";

function multipart(fields: Record<string, string>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  return fd;
}

describe("paywall marker", () => {
  it("splits on <!-- paywall --> or ---paywall--- outside code fences", () => {
    expect(splitPaywall("Intro\n\n<!-- paywall -->\n\nSecret")).toEqual({ preview: "Intro", rest: "Secret", hasMarker: true });
    expect(splitPaywall("Intro\n  ---PAYWALL---  \nSecret").hasMarker).toBe(true);
    const fenced = splitPaywall("```\n<!-- paywall -->\n```\nStill free");
    expect(fenced.hasMarker).toBe(false);
    expect(splitPaywall("No marker").preview).toBe("");
  });

  it("highlights code blocks server-side and escapes them", () => {
    const html = renderMarkdown("```ts\nconst x = \"<b>\"; // note\n```");
    expect(html).toContain('<span class="tok-k">const</span>');
    expect(html).toContain('<span class="tok-s">&quot;&lt;b&gt;&quot;</span>');
    expect(html).toContain('<span class="tok-c">// note</span>');
    expect(html).not.toContain("<b>");
  });
});

describe("writing posts", () => {
  it("a creator writes a draft, publishes it, and it shows on the storefront and its page", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const res = await app("/dashboard/posts/new", { method: "POST", body: multipart({ intent: "save", title: "Shipping my booking agent", body: "It **works**.\n\n```js\nlet a = 1;\n```", visibility: "public" }), cookie });
    expect(res.status).toBe(302);
    const editUrl = res.headers.get("Location")!;
    expect(editUrl).toMatch(/^\/dashboard\/posts\/[a-z0-9]+\?saved=1$/);
    // Drafts are invisible to everyone else.
    expect((await app(`/@${c.handle}/posts/shipping-my-booking-agent`)).status).toBe(404);
    expect((await app(`/@${c.handle}/posts/shipping-my-booking-agent`, { cookie })).status).toBe(200);

    const id = editUrl.split("/")[3].split("?")[0];
    const pub = await app(`/dashboard/posts/${id}`, { method: "POST", body: multipart({ intent: "publish", title: "Shipping my booking agent", body: "It **works**.", visibility: "public" }), cookie });
    expect(pub.status).toBe(302);
    expect(pub.headers.get("Location")).toBe(`/@${c.handle}/posts/shipping-my-booking-agent?published=1`);
    const page = await (await app(`/@${c.handle}/posts/shipping-my-booking-agent`)).text();
    expect(page).toContain("<strong>works</strong>");
    const store = await (await app(`/@${c.handle}`)).text();
    expect(store).toContain("Shipping my booking agent");
  });

  it("refuses invalid input with field messages, and duplicate slugs with 409", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const bad = await app("/dashboard/posts/new", { method: "POST", body: multipart({ intent: "save", title: "  ", visibility: "public" }), cookie });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Give your post a title.");
    const noTier = await app("/dashboard/posts/new", { method: "POST", body: multipart({ intent: "save", title: "Tiered", visibility: "tiers" }), cookie });
    expect(noTier.status).toBe(422);
    expect(await noTier.text()).toContain("Choose at least one tier.");
    await makePost(env, c, { slug: "same-slug", title: "One" });
    const dup = await app("/dashboard/posts/new", { method: "POST", body: multipart({ intent: "save", title: "Two", slug: "same-slug", visibility: "public" }), cookie });
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain("already have a post with that slug");
  });

  it("only the owner can edit, publish, unpublish or delete", async () => {
    const c = await makeCreator(env);
    const other = await makeCreator(env);
    const member = await makeUser(env);
    const post = await makePost(env, c, { status: "draft" });
    for (const who of [other, member]) {
      const cookie = await who.cookie();
      for (const intent of ["save", "publish", "unpublish", "delete"]) {
        const res = await app(`/dashboard/posts/${post.id}`, { method: "POST", body: multipart({ intent, title: "Hijacked", visibility: "public" }), cookie });
        expect(res.status).toBe(403);
      }
      expect((await app(`/dashboard/posts/${post.id}`, { cookie })).status).toBe(403);
    }
    expect((await findPostById(env, post.id))?.title).toBe(post.title);
  });

  it("scheduled posts are published by the cron when due", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const post = await makePost(env, c, { status: "draft", title: "Future post" });
    const past = await app(`/dashboard/posts/${post.id}`, { method: "POST", body: multipart({ intent: "schedule", title: "Future post", visibility: "public", publishAt: "2020-01-01T10:00", tzOffset: "0" }), cookie });
    expect(past.status).toBe(422);
    const when = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
    const ok = await app(`/dashboard/posts/${post.id}`, { method: "POST", body: multipart({ intent: "schedule", title: "Future post", visibility: "public", publishAt: when, tzOffset: "0" }), cookie });
    expect(ok.status).toBe(302);
    expect((await findPostById(env, post.id))?.status).toBe("scheduled");
    await publishDuePosts(env, Math.floor(Date.now() / 1000));
    expect((await findPostById(env, post.id))?.status).toBe("scheduled");
    // The scheduler's alarm is armed for the publish time; fired early it publishes nothing and re-arms.
    const stub = env.POST_SCHEDULER.getByName("global");
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now());
    await runDurableObjectAlarm(stub);
    expect((await findPostById(env, post.id))?.status).toBe("scheduled");
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now());
    // When the time has come (the alarm or the cron, whichever runs first) it is published once.
    await publishDuePosts(env, Math.floor(Date.now() / 1000) + 3700);
    expect((await findPostById(env, post.id))?.status).toBe("published");
    expect((await publishDuePosts(env, Math.floor(Date.now() / 1000) + 3700)).published).toBe(0);
    expect((await app(`/@${c.handle}/posts/${post.slug}`)).status).toBe(200);
  });

  it("images in posts go through the same upload checks", async () => {
    const c = await makeCreator(env);
    const res = await app("/dashboard/posts/images", { method: "POST", body: "not an image", headers: { "Content-Type": "application/octet-stream" }, cookie: await c.cookie() });
    expect(res.status).toBe(415);
    expect((await res.json<{ error: string }>()).error).toContain("isn't a PNG, JPEG, WebP or GIF");
  });
});
