import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, dataValues, postForm } from "~/test/http";
import { makeApp, makeCreator, makeUser } from "~/modules/demo/factories.server";
import { placeholderPng } from "~/modules/media/placeholder.server";
import { findCreatorByHandle } from "./queries.server";
import { isVariantKey } from "~/lib/image-variants";

const handle = () => `h-${crypto.randomUUID().slice(0, 8)}`;

/** Uploaded originals under `prefix` (each stored image also has its resized variants beside it: D0107). */
async function r2Count(prefix: string) {
  return (await env.MEDIA.list({ prefix })).objects.filter((o) => !isVariantKey(o.key)).length;
}

describe("becoming a creator", () => {
  it("claims a free handle and opens /@handle", async () => {
    const u = await makeUser(env);
    const cookie = await u.cookie();
    const h = handle();
    const res = await postForm(
      "/settings/profile",
      { intent: "become-creator", handle: h.toUpperCase(), displayName: "Ada Builder" },
      { cookie },
    );
    expect(res.status).toBe(302);
    const page = await app(`/@${h}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Ada Builder");
    // The five sections, in order.
    const order = ["Apps", "Products", "Subscriptions", "Services", "Latest updates"].map((s) => html.indexOf(`>${s}</h2>`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it.each([
    ["ab", "3–30 characters"],
    ["a".repeat(31), "3–30 characters"],
    ["bad_handle!", "lowercase letters, digits and hyphens"],
    ["-edgy", "can't start or end with a hyphen"],
    ["admin", "reserved"],
    ["dashboard", "reserved"],
    ["webhooks", "reserved"],
  ])("refuses handle %j", async (h, message) => {
    const u = await makeUser(env);
    const res = await postForm(
      "/settings/profile",
      { intent: "become-creator", handle: h, displayName: "X" },
      { cookie: await u.cookie() },
    );
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(message);
  });

  it("refuses a taken handle case-insensitively", async () => {
    const first = await makeCreator(env);
    const u = await makeUser(env);
    const res = await postForm(
      "/settings/profile",
      { intent: "become-creator", handle: first.handle.toUpperCase(), displayName: "Copycat" },
      { cookie: await u.cookie() },
    );
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("That handle is taken");
  });
});

describe("editing the profile", () => {
  it("renders the bio as sanitised HTML and shows links", async () => {
    const c = await makeCreator(env);
    const res = await postForm(
      "/settings/profile",
      {
        intent: "update-profile",
        handle: c.handle,
        displayName: "New Name",
        bio: "Hello **world** <script>alert(1)</script>",
        website: "https://example.com",
        github: "https://github.com/ada",
      },
      { cookie: await c.cookie() },
    );
    expect(res.status).toBe(200);
    const html = await (await app(`/@${c.handle}`)).text();
    expect(html).toContain("New Name");
    expect(html).toContain("<strong>world</strong>");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain('href="https://github.com/ada"');
  });

  it("refuses links that are not http(s) or point to the wrong site", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const js = await postForm("/settings/profile", { handle: c.handle, displayName: "X", website: "javascript:alert(1)" }, { cookie });
    expect(js.status).toBe(422);
    const wrongHost = await postForm(
      "/settings/profile",
      { handle: c.handle, displayName: "X", github: "https://gitlab.com/me" },
      { cookie },
    );
    expect(wrongHost.status).toBe(422);
    expect(await wrongHost.text()).toContain("GitHub link must point to github.com");
  });

  it("a user cannot change another creator's profile (403) and nothing changes", async () => {
    const victim = await makeCreator(env, { displayName: "Original Name" });
    const attacker = await makeCreator(env);
    const res = await postForm("/settings/profile", { handle: victim.handle, displayName: "Hacked" }, { cookie: await attacker.cookie() });
    expect(res.status).toBe(403);
    expect((await findCreatorByHandle(env, victim.handle))?.displayName).toBe("Original Name");
  });

  it("anonymous editing is sent to log in", async () => {
    const res = await postForm("/settings/profile", { handle: "whoever", displayName: "x" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toContain("/login");
  });
});

describe("avatar upload", () => {
  const upload = (h: string, body: BodyInit, cookie: string) =>
    app(`/settings/avatar?handle=${h}`, { method: "POST", body, cookie, headers: { "Content-Type": "application/octet-stream" } });

  it("accepts a real PNG, stores it in R2 and serves it with caching headers, ETag and 304", async () => {
    const c = await makeCreator(env);
    const png = await placeholderPng(64, 64);
    const res = await upload(c.handle, png, await c.cookie());
    expect(res.status).toBe(200);
    const { avatarUrl } = (await res.json()) as { avatarUrl: string };
    expect(avatarUrl).toMatch(/^\/media\/public\/avatar\/.+\.png$/);

    const media = await app(avatarUrl);
    expect(media.status).toBe(200);
    expect(media.headers.get("Content-Type")).toBe("image/png");
    expect(media.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(media.headers.get("Cache-Control")).toContain("max-age=31536000");
    expect(new Uint8Array(await media.arrayBuffer())).toEqual(png);
    const etag = media.headers.get("ETag")!;
    const again = await app(avatarUrl, { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const ranged = await app(avatarUrl, { headers: { Range: "bytes=0-7" } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(8);
    expect(await (await app(`/@${c.handle}`)).text()).toContain(avatarUrl);
  });

  it("replacing the avatar deletes the old object", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    await upload(c.handle, await placeholderPng(32, 32), cookie);
    await upload(c.handle, await placeholderPng(40, 40), cookie);
    expect(await r2Count(`public/avatar/${c.id}/`)).toBe(1);
  });

  it.each([
    [
      "a text file renamed .png",
      () => new TextEncoder().encode("just some text, honestly, not an image"),
      415,
      "isn't a PNG, JPEG, WebP or GIF",
    ],
    [
      "an SVG",
      () => new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      415,
      "SVG isn't accepted",
    ],
    ["an empty body", () => new Uint8Array(), 422, "Choose an image"],
  ])("refuses %s and stores nothing", async (_name, make, status, message) => {
    const c = await makeCreator(env);
    const res = await upload(c.handle, make(), await c.cookie());
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toContain(message);
    expect(await r2Count(`public/avatar/${c.id}/`)).toBe(0);
  });

  it("refuses an image over 2 MB while streaming and stores nothing", async () => {
    const c = await makeCreator(env);
    const png = await placeholderPng(8, 8);
    const big = new Uint8Array(2 * 1024 * 1024 + 10);
    big.set(png);
    // A stream (no Content-Length) proves the limit holds while reading, not just on the header.
    const stream = new Blob([big]).stream();
    const res = await app(`/settings/avatar?handle=${c.handle}`, {
      method: "POST",
      body: stream,
      cookie: await c.cookie(),
      headers: { "Content-Type": "application/octet-stream" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toContain("too large");
    expect(await r2Count(`public/avatar/${c.id}/`)).toBe(0);
  });

  it("accepts the no-JavaScript multipart form too", async () => {
    const c = await makeCreator(env);
    const form = new FormData();
    form.set("handle", c.handle);
    form.set("avatar", new File([await placeholderPng(16, 16)], "me.gif", { type: "image/gif" }));
    const res = await app("/settings/avatar", { method: "POST", body: form, cookie: await c.cookie() });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/settings/profile?avatar=updated");
    const obj = (await env.MEDIA.list({ prefix: `public/avatar/${c.id}/` })).objects[0];
    expect(obj.key.endsWith(".png")).toBe(true); // type from the bytes, not the name
  });

  it("cannot set another creator's avatar", async () => {
    const victim = await makeCreator(env);
    const attacker = await makeCreator(env);
    const res = await upload(victim.handle, await placeholderPng(16, 16), await attacker.cookie());
    expect(res.status).toBe(403);
    expect(await r2Count(`public/avatar/${victim.id}/`)).toBe(0);
  });
});

describe("storefront page", () => {
  it("an unknown handle gets a proper 404 page", async () => {
    const res = await app("/@nobody-here-123");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("no creator called @nobody-here-123");
  });

  it("the home page lists creators", async () => {
    const c = await makeCreator(env, { displayName: "Listed Creator" });
    const html = await (await app("/")).text();
    expect(html).toContain(`/@${c.handle}`);
  });
});

describe("a signed-in storefront is read in the session lookup's own D1 batch", () => {
  const draftLink = (slug: string) => `/apps/${slug}"`;

  it("shows the owner their drafts and a follower their follow state, in the page and in its .data", async () => {
    const c = await makeCreator(env);
    const { slug } = await makeApp(env, c, { name: `Ride ${c.handle}` });
    expect((await postForm(`/apps/${slug}/edit`, { intent: "unpublish" }, { cookie: await c.cookie() })).status).toBe(200);
    const fan = await makeUser(env);
    const fanCookie = await fan.cookie();
    expect((await postForm(`/@${c.handle}/follow`, { intent: "follow" }, { cookie: fanCookie })).status).toBeLessThan(400);

    const ownerCookie = await c.cookie();
    expect(await (await app(`/@${c.handle.toUpperCase()}`, { cookie: ownerCookie })).text()).toContain(draftLink(slug));
    expect(await (await app(`/@${c.handle}.data`, { cookie: ownerCookie })).text()).toContain(`"${slug}"`);
    const fanPage = await (await app(`/@${c.handle}`, { cookie: fanCookie })).text();
    expect(fanPage).not.toContain(draftLink(slug));
    expect(fanPage).toMatch(/aria-pressed="true"/);
    const fanData = await (await app(`/@${c.handle}.data`, { cookie: fanCookie })).text();
    expect(fanData).not.toContain(`"${slug}"`);
    expect(dataValues(fanData, "viewerFollows")).toEqual([true]);
  });

  it("an expired session gets the public page (no drafts), its cookie cleared", async () => {
    const c = await makeCreator(env);
    const { slug } = await makeApp(env, c, { name: `Gone ${c.handle}` });
    expect((await postForm(`/apps/${slug}/edit`, { intent: "unpublish" }, { cookie: await c.cookie() })).status).toBe(200);
    const stale = await c.cookie();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?")
      .bind(Math.floor(Date.now() / 1000) - 60, stale.split("=")[1])
      .run();
    const res = await app(`/@${c.handle}`, { cookie: stale });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().join("\n")).toMatch(/at_session=;/);
    const html = await res.text();
    expect(html).not.toContain(draftLink(slug));
    expect(html).toContain("Log in");
  });
});
