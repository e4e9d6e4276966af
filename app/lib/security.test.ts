import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm } from "~/test/http";
import { makeUser } from "~/modules/demo/factories.server";
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
    const res = await app("/signup", { method: "POST", body: new URLSearchParams({ email: "x@example.test", password: "a-long-password" }), headers: { Origin: "" } });
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
    const html = renderMarkdown('Hi <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://example.com) **bold**');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img src=x");
    expect(html).not.toContain("javascript:");
    expect(html).toContain('<a href="https://example.com/"');
    expect(html).toContain("<strong>bold</strong>");
  });
});

describe("not found", () => {
  it("unknown paths get a friendly 404 page", async () => {
    const res = await app("/no/such/page");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Page not found");
  });
});
