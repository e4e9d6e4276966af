import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { makeCreator, makePost, makeUser } from "~/modules/demo/factories.server";
import { renderMarkdown } from "~/lib/markdown.server";
import { splitPaywall } from "./paywall";
import { publishDuePosts } from "./service.server";
import { findPostById } from "./queries.server";
import { sql } from "drizzle-orm";
import { getDb } from "~/lib/db.server";
import { newId } from "~/lib/ids";
import { followCreator } from "~/modules/follows/service.server";
import { placeholderPng } from "~/modules/media/placeholder.server";

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
    const html = renderMarkdown('```ts\nconst x = "<b>"; // note\n```');
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
    const res = await app("/dashboard/posts/new", {
      method: "POST",
      body: multipart({
        intent: "save",
        title: "Shipping my booking agent",
        body: "It **works**.\n\n```js\nlet a = 1;\n```",
        visibility: "public",
      }),
      cookie,
    });
    expect(res.status).toBe(302);
    const editUrl = res.headers.get("Location")!;
    expect(editUrl).toMatch(/^\/dashboard\/posts\/[a-z0-9]+\?saved=1$/);
    // Drafts are invisible to everyone else.
    expect((await app(`/@${c.handle}/posts/shipping-my-booking-agent`)).status).toBe(404);
    expect((await app(`/@${c.handle}/posts/shipping-my-booking-agent`, { cookie })).status).toBe(200);

    const id = editUrl.split("/")[3].split("?")[0];
    const pub = await app(`/dashboard/posts/${id}`, {
      method: "POST",
      body: multipart({ intent: "publish", title: "Shipping my booking agent", body: "It **works**.", visibility: "public" }),
      cookie,
    });
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
    const bad = await app("/dashboard/posts/new", {
      method: "POST",
      body: multipart({ intent: "save", title: "  ", visibility: "public" }),
      cookie,
    });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Give your post a title.");
    const noTier = await app("/dashboard/posts/new", {
      method: "POST",
      body: multipart({ intent: "save", title: "Tiered", visibility: "tiers" }),
      cookie,
    });
    expect(noTier.status).toBe(422);
    expect(await noTier.text()).toContain("Choose at least one tier.");
    await makePost(env, c, { slug: "same-slug", title: "One" });
    const dup = await app("/dashboard/posts/new", {
      method: "POST",
      body: multipart({ intent: "save", title: "Two", slug: "same-slug", visibility: "public" }),
      cookie,
    });
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
        const res = await app(`/dashboard/posts/${post.id}`, {
          method: "POST",
          body: multipart({ intent, title: "Hijacked", visibility: "public" }),
          cookie,
        });
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
    const past = await app(`/dashboard/posts/${post.id}`, {
      method: "POST",
      body: multipart({ intent: "schedule", title: "Future post", visibility: "public", publishAt: "2020-01-01T10:00", tzOffset: "0" }),
      cookie,
    });
    expect(past.status).toBe(422);
    const when = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
    const ok = await app(`/dashboard/posts/${post.id}`, {
      method: "POST",
      body: multipart({ intent: "schedule", title: "Future post", visibility: "public", publishAt: when, tzOffset: "0" }),
      cookie,
    });
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

  it("the new-post form offers scheduling and image upload before the first save", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const form = await (await app("/dashboard/posts/new", { cookie })).text();
    expect(form).toContain('name="publishAt"');
    expect(form).toMatch(/<button[^>]*value="schedule"[^>]*>Schedule<\/button>/);
    expect(form).toContain("Images in the post");
    expect(form).toContain('action="/dashboard/posts/images"');

    // An image uploaded from the new form (no post yet) comes back as Markdown for the body.
    const up = await app("/dashboard/posts/images", {
      method: "POST",
      body: await placeholderPng(16, 16),
      headers: { "Content-Type": "application/octet-stream" },
      cookie,
    });
    expect(up.status).toBe(200);
    const { url, markdown } = await up.json<{ url: string; markdown: string }>();
    expect(markdown).toBe(`![](${url})`);
    expect((await app(url)).headers.get("Content-Type")).toBe("image/png");
    // Without JavaScript the upload form goes back to the new-post form with the Markdown.
    const fd = new FormData();
    fd.append("image", new File([await placeholderPng(16, 16)], "a.png", { type: "image/png" }));
    const noJs = await app("/dashboard/posts/images", { method: "POST", body: fd, cookie });
    expect(noJs.headers.get("Location")).toMatch(/^\/dashboard\/posts\/new\?image=/);

    // A bad time refuses the schedule and creates nothing.
    const past = await app("/dashboard/posts/new", {
      method: "POST",
      body: multipart({
        intent: "schedule",
        title: "From the new form",
        body: markdown,
        visibility: "public",
        publishAt: "2020-01-01T10:00",
        tzOffset: "0",
      }),
      cookie,
    });
    expect(past.status).toBe(422);
    expect(await past.text()).toContain("Choose a time in the future.");
    expect((await app(`/@${c.handle}/posts/from-the-new-form`, { cookie })).status).toBe(404);

    const when = new Date(Date.now() + 3600_000).toISOString().slice(0, 16);
    const res = await app("/dashboard/posts/new", {
      method: "POST",
      body: multipart({
        intent: "schedule",
        title: "From the new form",
        body: `Look:\n\n${markdown}`,
        visibility: "public",
        publishAt: when,
        tzOffset: "0",
      }),
      cookie,
    });
    expect(res.status).toBe(302);
    const loc = res.headers.get("Location")!;
    expect(loc).toMatch(/^\/dashboard\/posts\/[a-z0-9]+\?scheduled=1$/);
    const id = loc.split("/")[3].split("?")[0];
    expect((await findPostById(env, id))?.status).toBe("scheduled");
    const edit = await (await app(loc, { cookie })).text();
    expect(edit).toContain("Scheduled for");
    // Not public yet; once published, the body shows the uploaded image.
    expect((await app(`/@${c.handle}/posts/from-the-new-form`)).status).toBe(404);
    await publishDuePosts(env, Math.floor(Date.now() / 1000) + 3700);
    const page = await (await app(`/@${c.handle}/posts/from-the-new-form`)).text();
    expect(page).toContain(`src="${url}"`);
  });

  it("images in posts go through the same upload checks", async () => {
    const c = await makeCreator(env);
    const res = await app("/dashboard/posts/images", {
      method: "POST",
      body: "not an image",
      headers: { "Content-Type": "application/octet-stream" },
      cookie: await c.cookie(),
    });
    expect(res.status).toBe(415);
    expect((await res.json<{ error: string }>()).error).toContain("isn't a PNG, JPEG, WebP or GIF");
  });
});

describe("what lists show (teaser and preview stored beside the body)", () => {
  async function feedOf(cookie: string, until: (html: string) => boolean) {
    let html = "";
    for (let i = 0; i < 100; i++) {
      html = await (await app("/feed", { cookie })).text();
      if (until(html)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return html;
  }

  it("an edit that gates a public post takes its text off the storefront, the feed and search at once", async () => {
    const c = await makeCreator(env);
    const creatorCookie = await c.cookie();
    const reader = await makeUser(env);
    await followCreator(env, reader.viewer, c.handle);
    const readerCookie = await reader.cookie();
    const word = `orchid${newId(8)}`;
    const sentence = `The ${word} pipeline notes are for everyone today.`;
    const body = `${sentence}\n\nMore words about the build.`;
    const post = await makePost(env, c, { title: "Pipeline notes", body, visibility: "public" });
    // Public: lists show the start of the body.
    expect(await (await app(`/@${c.handle}`)).text()).toContain(sentence);
    expect(await feedOf(readerCookie, (h) => h.includes("Pipeline notes"))).toContain(sentence);

    // The creator makes it paid-only (no paywall marker: no preview at all).
    const res = await app(`/dashboard/posts/${post.id}`, {
      method: "POST",
      body: multipart({ intent: "save", title: "Pipeline notes", body, visibility: "paid" }),
      cookie: creatorCookie,
    });
    expect(res.status).toBe(302);
    for (const cookie of [undefined, readerCookie]) {
      const store = await (await app(`/@${c.handle}`, { cookie })).text();
      expect(store).toContain("Pipeline notes");
      expect(store).not.toContain(word);
      expect(await (await app(`/@${c.handle}.data`, { cookie })).text()).not.toContain(word);
    }
    const feed = await feedOf(readerCookie, () => true);
    expect(feed).toContain("Pipeline notes");
    expect(feed).not.toContain(word);
    expect(await (await app(`/discover?q=pipeline&in=posts`, { cookie: readerCookie })).text()).not.toContain(word);
  });

  it("posts written before teasers were stored still show their teaser and free preview, and no more", async () => {
    const c = await makeCreator(env);
    const reader = await makeUser(env);
    await followCreator(env, reader.viewer, c.handle);
    const readerCookie = await reader.cookie();
    const preview = `Free preview ${newId(8)} anyone may read.`;
    const secret = `Secret ${newId(10)} for paying readers.`;
    const post = await makePost(env, c, { title: "Older post", body: `${preview}\n\n<!-- paywall -->\n\n${secret}`, visibility: "paid" });
    // As if written before the teaser and preview columns existed.
    await getDb(env).run(sql`UPDATE posts SET teaser = NULL, preview_markdown = NULL WHERE id = ${post.id}`);
    expect((await findPostById(env, post.id))?.teaser).toBeNull();

    const store = await (await app(`/@${c.handle}`, { cookie: readerCookie })).text();
    expect(store).toContain(preview);
    expect(store).not.toContain(secret);
    const feed = await feedOf(readerCookie, (h) => h.includes("Older post"));
    expect(feed).toContain(preview); // the locked entry's free preview
    expect(feed).not.toContain(secret);
  });
});
