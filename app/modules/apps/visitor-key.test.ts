import { secrets } from "~/lib/secrets";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { makeApp, makeCreator } from "~/modules/demo/factories.server";
import { findAppBySlug } from "./queries.server";
import { tryApp, visitorKey } from "./service.server";

const DAY = 86_400_000;
const day = 20_000; // 2024-10-04
const visit = (ip = "203.0.113.5", ua = "Mozilla/5.0 visitor-key-test") =>
  new Request("http://localhost/apps/x", { headers: { "CF-Connecting-IP": ip, "User-Agent": ua } });
const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
const bytes = (s: string) => new TextEncoder().encode(s);

describe("the anonymous visitor key", () => {
  it("is the same for one visitor all day, and differs on another day, IP or browser", async () => {
    const morning = await visitorKey(env, visit(), null, day * DAY + 60_000);
    const evening = await visitorKey(env, visit(), null, day * DAY + DAY - 60_000);
    expect(morning).toMatch(/^h:[0-9a-f]{24}$/);
    expect(evening).toBe(morning);
    expect(await visitorKey(env, visit(), null, (day + 1) * DAY + 60_000)).not.toBe(morning);
    expect(await visitorKey(env, visit("203.0.113.6"), null, day * DAY)).not.toBe(morning);
    expect(await visitorKey(env, visit(undefined, "curl/8"), null, day * DAY)).not.toBe(morning);
    expect(await visitorKey(env, visit(), "user-1", day * DAY)).toBe("u:user-1");
  });

  it("is an HMAC-SHA-256 under VISITOR_HASH_SECRET, not the plain SHA-256 of its inputs", async () => {
    const key = await visitorKey(env, visit(), null, day * DAY);
    const raw = bytes(`${day}|203.0.113.5|Mozilla/5.0 visitor-key-test`);
    expect(key).not.toBe(`h:${hex(await crypto.subtle.digest("SHA-256", raw))}`);
    const secret = await crypto.subtle.importKey(
      "raw",
      bytes(secrets(env as Env).VISITOR_HASH_SECRET!),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    expect(key).toBe(`h:${hex(await crypto.subtle.sign("HMAC", secret, raw))}`);
    const otherSecret = { ...env, VISITOR_HASH_SECRET: "another-secret-of-enough-length" } as Env;
    expect(await visitorKey(otherSecret, visit(), null, day * DAY)).not.toBe(key);
  });

  it("has a built-in secret only in development; elsewhere a missing or short one means anonymous visits aren't counted", async () => {
    const dev = { ...env, APP_ENV: "development", VISITOR_HASH_SECRET: undefined } as Env;
    expect(await visitorKey(dev, visit(), null)).toMatch(/^h:[0-9a-f]{24}$/);

    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    for (const secret of [undefined, "too-short"]) {
      const prod = { ...env, APP_ENV: "production", VISITOR_HASH_SECRET: secret } as Env;
      expect(await visitorKey(prod, visit(), null)).toBeNull();
      expect(await visitorKey(prod, visit(), "user-2")).toBe("u:user-2");
    }
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("VISITOR_HASH_SECRET"));

    // "Try it" still takes the visitor to the app; the click just isn't counted.
    const c = await makeCreator(env);
    const { slug } = await makeApp(env, c, { appUrl: "https://uncounted.example.com" });
    expect(await tryApp(env, slug, null)).toEqual({ appUrl: "https://uncounted.example.com" });
    expect((await findAppBySlug(env, slug))?.tryCount).toBe(0);
  });
});
