import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "~/test/http";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { deferHydration, shouldDeferHydration } from "./hydration";

describe("shouldDeferHydration", () => {
  it("defers only anonymous, non-shared renders of routes that opted in", () => {
    const optIn = { hydrate: "on-intent" };
    expect(shouldDeferHydration({ viewer: null, shared: false }, optIn)).toBe(true);
    expect(shouldDeferHydration({ viewer: { email: "a@b.c" }, shared: false }, optIn)).toBe(false);
    expect(shouldDeferHydration({ viewer: null, shared: true }, optIn)).toBe(false);
    expect(shouldDeferHydration({ viewer: null, shared: false }, undefined)).toBe(false);
  });

  it("makes module preloads and the boot module inert, nothing else", () => {
    const html =
      '<link rel="modulepreload" href="/a.js"/><link rel="stylesheet" href="/s.css"/><script type="module" async="">import "/a.js";</script><script>x()</script>';
    expect(deferHydration(html)).toBe(
      '<link rel="x-modulepreload" href="/a.js"/><link rel="stylesheet" href="/s.css"/><script type="x-module" async="">import "/a.js";</script><script>x()</script>',
    );
  });
});

describe("public pages for anonymous visitors", () => {
  it("carry inert scripts and preload hints; signed-in renders keep their scripts", async () => {
    const c = await makeCreator(env, { avatarColors: ["#0ea5e9", "#6366f1"] });
    const anon = await app(`/@${c.handle}`);
    expect(anon.status).toBe(200);
    const html = await anon.text();
    expect(html).not.toMatch(/<link rel="modulepreload"/);
    expect(html).toContain('<script type="x-module"');
    expect(html).not.toContain('<script type="module"');
    // The storefront's avatar is its priority image, in WebP variants sized for 96 px.
    expect(html).toMatch(/<source type="image\/webp" srcSet="[^"]+\.w128\.webp 128w[^"]*" sizes="96px"\/><img [^>]*fetchpriority="high"/);
    const links = anon.headers.get("Link") ?? "";
    expect(links).toMatch(/<\/assets\/tailwind-[\w-]+\.css>; rel=preload; as=style/);
    expect(links).toMatch(/rel=preload; as=image; type="image\/webp"; imagesrcset="[^"]+\.w64\.webp 64w/);

    const fan = await makeUser(env);
    const signed = await (await app(`/@${c.handle}`, { cookie: await fan.cookie() })).text();
    expect(signed).toMatch(/<link rel="modulepreload"/);
    expect(signed).toContain('<script type="module"');
  });
});
