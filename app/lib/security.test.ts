import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { renderMarkdown } from "./markdown.server";

describe("origin check", () => {
  it("refuses a state-changing request from another site with 403 and changes nothing", async () => {
    const u = await makeUser(env);
    const cookie = await u.cookie();
    const res = await postForm("/settings", { intent: "logout-all" }, { cookie, headers: { Origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("came from another site");
    expect((await app("/settings", { cookie })).status).toBe(200); // still signed in
  });

  it("refuses a POST with no Origin header", async () => {
    const res = await app("/signup", {
      method: "POST",
      body: new URLSearchParams({ email: "x@example.test", password: "a-long-password" }),
      headers: { Origin: "" },
    });
    expect(res.status).toBe(403);
  });
});

describe("security headers", () => {
  it("every page forbids framing and sniffing, and sends HSTS outside local dev", async () => {
    const res = await app("/");
    expect(res.headers.get("X-Frame-Options")).toBe("DENY");
    expect(res.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Referrer-Policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("Strict-Transport-Security")).toContain("max-age=");
  });
});

describe("renderMarkdown", () => {
  it("escapes raw HTML and drops dangerous link schemes", () => {
    const html = renderMarkdown(
      "Hi <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://example.com) **bold**",
    );
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("javascript:");
    expect(html).toContain('<a href="https://example.com/"');
    expect(html).toContain("<strong>bold</strong>");
  });

  it("drops links and images that would resolve to another site, keeps on-site and external ones", () => {
    const html = renderMarkdown(
      "[a](/\\evil.example) [b](</\t/evil.example>) [c](/\\/evil.example) ![i](/\\evil.example/x.png) [here](/explore?q=1) [ext](https://example.com/x)",
    );
    expect(html).not.toContain("evil.example");
    expect(html).toContain('<a href="/explore?q=1">here</a>');
    expect(html).toMatch(/<a href="https:\/\/example\.com\/x" rel="nofollow ugc noopener" target="_blank">ext<\/a>/);
  });

  it("keeps code highlighting and Markdown's own markup intact", () => {
    const html = renderMarkdown("# Title\n\n```js\nconst a = 1; // hi\n```\n\n- [x] done\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n> quote");
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain('<code class="language-js">');
    expect(html).toContain('<span class="tok-k">const</span>');
    expect(html).toContain('<span class="tok-c">// hi</span>');
    expect(html).toMatch(/<input[^>]*type="checkbox"/);
    expect(html).toContain('<td align="right">2</td>');
    expect(html).toContain("<blockquote>");
  });
});

describe("not found", () => {
  it("unknown paths get a friendly 404 page", async () => {
    const res = await app("/no/such/page");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Page not found");
  });
});

describe("redirects after sign-in, sign-up and follow", () => {
  const offSite = [
    "/%09/evil.example/",
    "/\t/evil.example/",
    "/\\evil.example",
    "//evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "https://evil.example/",
    "/.//evil.example",
  ];
  const staysHere = (location: string | null) => new URL(location ?? "", "http://localhost:8787").origin === "http://localhost:8787";

  it("never leaves the site and never answers 500, whatever redirectTo says", async () => {
    for (const [i, target] of offSite.entries()) {
      const u = await makeUser(env, { password: "right-password-1" });
      const to = target.includes("%") ? decodeURIComponent(target) : target;
      const login = await postForm(
        "/login",
        { email: u.email, password: "right-password-1", redirectTo: to },
        { headers: { "CF-Connecting-IP": `10.9.0.${i}` } },
      );
      expect(login.status, target).toBe(302);
      expect(login.headers.get("Location"), target).toBe("/");
      const signup = await postForm(
        "/signup",
        { email: `r${crypto.randomUUID().slice(0, 8)}@example.test`, password: "a-long-password", redirectTo: to },
        { headers: { "CF-Connecting-IP": `10.9.1.${i}` } },
      );
      expect(signup.status, target).toBe(302);
      expect(signup.headers.get("Location"), target).toBe("/?welcome=1");
    }
  });

  it("following someone goes back to a page on this site only", async () => {
    const c = await makeCreator(env);
    const fan = await makeUser(env);
    const cookie = await fan.cookie();
    for (const target of offSite) {
      const to = target.includes("%") ? decodeURIComponent(target) : target;
      const res = await postForm(`/@${c.handle}/follow`, { intent: "follow", redirectTo: to }, { cookie });
      expect(res.status, target).toBeLessThan(500);
      expect(staysHere(res.headers.get("Location")), target).toBe(true);
    }
    const ok = await postForm(`/@${c.handle}/follow`, { intent: "unfollow", redirectTo: "/explore?q=a b#top" }, { cookie });
    expect(ok.headers.get("Location")).toBe("/explore?q=a%20b#top");
  });
});
