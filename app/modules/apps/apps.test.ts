import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeApp, makeCreator, makeUser } from "~/modules/demo/factories.server";
import { placeholderPng } from "~/modules/media/placeholder.server";
import { findAppBySlug, screenshotsOf } from "./queries.server";
import { recordAppView, recordVisit } from "./service.server";
import { slugify } from "./validation";
import { isVariantKey } from "~/lib/image-variants";

const fields = (over: Record<string, string> = {}) => ({
  intent: "create",
  name: "Voice Tutor",
  tagline: "Practise speaking with an AI tutor",
  description: "Talk **out loud** <script>alert(1)</script>",
  appUrl: "https://tutor.example.com",
  demoVideoUrl: "https://youtu.be/dQw4w9WgXcQ",
  category: "voice",
  techStack: "OpenAI, Whisper, openai, React",
  status: "beta",
  ...over,
});
/** Uploaded originals under `prefix` (their resized variants beside them are left out: D0107). */
const r2Keys = async (prefix: string) => (await env.MEDIA.list({ prefix })).objects.map((o) => o.key).filter((k) => !isVariantKey(k));
const rawUpload = (path: string, body: BodyInit, cookie: string) =>
  app(path, { method: "POST", body, cookie, headers: { "Content-Type": "application/octet-stream" } });

describe("registering and editing apps", () => {
  it("registers an app, shows it on its page and the storefront with a sanitised description and embed", async () => {
    const c = await makeCreator(env);
    const res = await postForm("/apps/new", fields({ name: `Voice Tutor ${c.handle}` }), { cookie: await c.cookie() });
    expect(res.status).toBe(302);
    const slug = slugify(`Voice Tutor ${c.handle}`);
    expect(res.headers.get("Location")).toBe(`/apps/${slug}/edit?created=1`);
    const stored = await findAppBySlug(env, slug);
    expect(stored?.techStack).toEqual(["OpenAI", "Whisper", "React"]);
    const html = await (await app(`/apps/${slug}`)).text();
    expect(html).toContain("<strong>out loud</strong>");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
    expect(html).toContain(`/apps/${slug}/try`);
    expect(html).toContain("Beta");
    expect(await (await app(`/@${c.handle}`)).text()).toContain(`/apps/${slug}`);
  });

  it.each([
    [{ appUrl: "javascript:alert(1)" }, "appUrl", "must"],
    [{ appUrl: "ftp://files.example.com" }, "appUrl", "http:// or https://"],
    [{ demoVideoUrl: "https://example.com/video.mp4" }, "demoVideoUrl", "YouTube, Loom or Vimeo"],
    [{ tagline: "x".repeat(121) }, "tagline", "120 characters"],
    [{ category: "crypto" }, "category", "listed categories"],
    [{ techStack: Array.from({ length: 13 }, (_, i) => `t${i}`).join(",") }, "techStack", "at most 12"],
    [{ slug: "Bad Slug!" }, "slug", "lowercase letters"],
    [{ slug: "-edge-" }, "slug", "hyphen"],
    [{ slug: "new" }, "slug", "reserved"],
  ])("refuses %j with a message on the field", async (over, field, message) => {
    const c = await makeCreator(env);
    const res = await postForm("/apps/new", fields(over as Record<string, string>), { cookie: await c.cookie() });
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain(message);
    expect(body).toContain(field);
  });

  it("derives unique slugs from the name and refuses a taken explicit slug with 409", async () => {
    const a = await makeCreator(env);
    const b = await makeCreator(env);
    const name = `Twin App ${crypto.randomUUID().slice(0, 6)}`;
    const first = await makeApp(env, a, { name });
    const second = await makeApp(env, b, { name });
    expect(first.slug).toBe(slugify(name));
    expect(second.slug).toBe(`${slugify(name)}-2`);
    const res = await postForm("/apps/new", fields({ slug: first.slug }), { cookie: await b.cookie() });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("That address is taken");
  });

  it("never derives a reserved address from a name: an app called “Search” gets search-2 and can still be edited", async () => {
    const c = await makeCreator(env);
    const made = await makeApp(env, c, { name: "Search" });
    expect(made.slug).toMatch(/^search-\d+$/);
    const edit = await postForm(
      `/apps/${made.slug}/edit`,
      { intent: "update", name: "Search", appUrl: "https://x.example", category: "other" },
      { cookie: await c.cookie() },
    );
    expect(edit.status).toBe(200);
  });

  it("someone else gets 403 for every mutation and nothing changes; the page has no edit controls for them", async () => {
    const owner = await makeCreator(env);
    const other = await makeCreator(env);
    const { slug } = await makeApp(env, owner, { name: `Owned ${owner.handle}`, screenshots: 1 });
    const cookie = await other.cookie();
    const shot = (await screenshotsOf(env, (await findAppBySlug(env, slug))!.id))[0];
    for (const intent of ["update", "unpublish", "delete", "delete-screenshot", "move-screenshot"]) {
      const res = await postForm(
        `/apps/${slug}/edit`,
        { ...fields({ name: "Hijacked" }), intent, screenshotId: shot.id, direction: "down" },
        { cookie },
      );
      expect(res.status, intent).toBe(403);
    }
    expect((await rawUpload(`/apps/${slug}/logo`, await placeholderPng(8, 8), cookie)).status).toBe(403);
    expect((await rawUpload(`/apps/${slug}/screenshots`, await placeholderPng(8, 8), cookie)).status).toBe(403);
    expect((await app(`/apps/${slug}/edit`, { cookie })).status).toBe(403);
    const after = await findAppBySlug(env, slug);
    expect(after?.name).toBe(`Owned ${owner.handle}`);
    expect(after?.published).toBe(true);
    const page = await (await app(`/apps/${slug}`, { cookie })).text();
    expect(page).not.toContain(`/apps/${slug}/edit`);
    expect(await (await app(`/apps/${slug}`, { cookie: await owner.cookie() })).text()).toContain(`/apps/${slug}/edit`);
  });

  it("only admins can feature; unpublished apps disappear for visitors", async () => {
    const c = await makeCreator(env);
    const admin = await makeUser(env, { isAdmin: true });
    const { slug } = await makeApp(env, c, { name: `Feat ${c.handle}` });
    expect((await postForm(`/apps/${slug}/edit`, { intent: "feature" }, { cookie: await c.cookie() })).status).toBe(403);
    expect((await postForm(`/apps/${slug}/edit`, { intent: "feature" }, { cookie: await admin.cookie() })).status).toBe(200);
    expect((await findAppBySlug(env, slug))?.featured).toBe(true);
    expect((await postForm(`/apps/${slug}/edit`, { intent: "unpublish" }, { cookie: await c.cookie() })).status).toBe(200);
    expect((await app(`/apps/${slug}`)).status).toBe(404);
    expect(await (await app(`/@${c.handle}`)).text()).not.toContain(`/apps/${slug}"`);
    // Signed in: the owner still sees the draft on their storefront; another member doesn't.
    expect(await (await app(`/@${c.handle}`, { cookie: await c.cookie() })).text()).toContain(`/apps/${slug}"`);
    expect(await (await app(`/@${c.handle}`, { cookie: await admin.cookie() })).text()).not.toContain(`/apps/${slug}"`);
  });
});

describe("logo and screenshot uploads", () => {
  it("stores a logo and screenshots, reorders and removes them, and deleting the app removes every R2 object", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const { slug, id } = await makeApp(env, c, { name: `Media ${c.handle}` });
    expect((await rawUpload(`/apps/${slug}/logo`, await placeholderPng(32, 32), cookie)).status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await rawUpload(`/apps/${slug}/screenshots`, await placeholderPng(40 + i, 30), cookie)).status).toBe(200);
    const shots = await screenshotsOf(env, id);
    expect(shots).toHaveLength(3);
    await postForm(`/apps/${slug}/edit`, { intent: "move-screenshot", screenshotId: shots[2].id, direction: "up" }, { cookie });
    expect((await screenshotsOf(env, id)).map((s) => s.id)).toEqual([shots[0].id, shots[2].id, shots[1].id]);
    const del = await postForm(`/apps/${slug}/edit`, { intent: "delete-screenshot", screenshotId: shots[0].id }, { cookie });
    expect(del.status).toBe(200);
    expect(await r2Keys(`public/screenshot/${id}/`)).toHaveLength(2);
    expect(await r2Keys(`public/screenshot/${id}/`)).not.toContain(shots[0].key);
    const gone = await postForm(`/apps/${slug}/edit`, { intent: "delete" }, { cookie });
    expect(gone.status).toBe(302);
    expect(await findAppBySlug(env, slug)).toBeUndefined();
    expect(await r2Keys(`public/screenshot/${id}/`)).toEqual([]);
    expect(await r2Keys(`public/logo/${id}/`)).toEqual([]);
    // Their variants went with them.
    expect((await env.MEDIA.list({ prefix: `public/screenshot/${id}/` })).objects).toEqual([]);
    expect((await env.MEDIA.list({ prefix: `public/logo/${id}/` })).objects).toEqual([]);
  });

  it.each([
    ["a disguised text file", () => new TextEncoder().encode("this is definitely not a png file"), 415, "isn't a PNG, JPEG, WebP or GIF"],
    ["an SVG", () => new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'), 415, "SVG isn't accepted"],
    [
      "an oversized screenshot",
      () => {
        const b = new Uint8Array(5 * 1024 * 1024 + 1);
        b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        return b;
      },
      413,
      "too large",
    ],
  ])("refuses %s and stores nothing", async (_n, make, status, message) => {
    const c = await makeCreator(env);
    const { slug, id } = await makeApp(env, c, { name: `Refuse ${c.handle}` });
    const res = await rawUpload(`/apps/${slug}/screenshots`, make(), await c.cookie());
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toContain(message);
    expect(await r2Keys(`public/screenshot/${id}/`)).toEqual([]);
  });

  it("refuses a 9th screenshot, even when uploads race, and keeps R2 tidy", async () => {
    const c = await makeCreator(env);
    const cookie = await c.cookie();
    const { slug, id } = await makeApp(env, c, { name: `Nine ${c.handle}`, screenshots: 6 });
    const png = await placeholderPng(16, 16);
    const results = await Promise.all([0, 1, 2, 3].map(() => rawUpload(`/apps/${slug}/screenshots`, png, cookie)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    const refused = results.find((r) => r.status === 409)!;
    expect(((await refused.json()) as { error: string }).error).toContain("up to 8 screenshots");
    expect(await screenshotsOf(env, id)).toHaveLength(8);
    expect(await r2Keys(`public/screenshot/${id}/`)).toHaveLength(8);
  });
});

describe("try-clicks", () => {
  it("redirects to the app and counts one try per visitor per day", async () => {
    const c = await makeCreator(env);
    const { slug } = await makeApp(env, c, { name: `Try ${c.handle}`, appUrl: "https://try.example.com/start" });
    const ua = { "User-Agent": "test-agent", "CF-Connecting-IP": "203.0.113.9" };
    for (let i = 0; i < 3; i++) {
      const res = await app(`/apps/${slug}/try`, { headers: ua });
      expect(res.status).toBe(302);
      expect(res.headers.get("Location")).toBe("https://try.example.com/start");
    }
    await app(`/apps/${slug}/try`, { headers: { ...ua, "CF-Connecting-IP": "203.0.113.10" } });
    expect((await findAppBySlug(env, slug))?.tryCount).toBe(2);
    const a = (await findAppBySlug(env, slug))!;
    const tomorrow = Math.floor(Date.now() / 1000) + 86400;
    expect((await recordVisit(env, a.id, "u:someone", "try", tomorrow)).counted).toBe(true);
    expect((await recordVisit(env, a.id, "u:someone", "try", tomorrow)).counted).toBe(false);
    expect((await app("/apps/no-such-app/try")).status).toBe(404);
  });
});

describe("page views", () => {
  it("counts one view per visitor per app per day in one batch; unpublished and unknown apps count nothing", async () => {
    const c = await makeCreator(env);
    const { slug } = await makeApp(env, c, { name: `Views ${c.handle}` });
    const day2 = Math.floor(Date.now() / 1000) + 2 * 86400;
    expect(await recordAppView(env, slug, "h:visitor-a", day2)).toEqual({ counted: true });
    // The same visitor again (this isolate remembers it; the table's key would refuse it anyway).
    expect(await recordAppView(env, slug.toUpperCase(), "h:visitor-a", day2)).toEqual({ counted: false });
    expect(await recordAppView(env, slug, "h:visitor-b", day2)).toEqual({ counted: true });
    expect((await findAppBySlug(env, slug))?.viewCount).toBe(2);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM app_visits WHERE day=? AND kind='view' AND visitor LIKE 'h:visitor-%'")
      .bind(Math.floor(day2 / 86400))
      .first<{ n: number }>();
    expect(rows!.n).toBe(2);
    await env.DB.prepare("UPDATE apps SET published=0 WHERE slug=?").bind(slug).run();
    expect(await recordAppView(env, slug, "h:visitor-c", day2)).toEqual({ counted: false });
    expect(await recordAppView(env, "no-such-app-here", "h:visitor-c", day2)).toEqual({ counted: false });
    expect((await findAppBySlug(env, slug))?.viewCount).toBe(2);
  });
});
