import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app, postForm, sessionCookie } from "~/test/http";
import { makeUser } from "~/modules/demo/factories.server";
import { hashPassword, verifyPassword } from "./passwords.server";

const uniqueEmail = () => `p${crypto.randomUUID().slice(0, 8)}@example.test`;

describe("passwords", () => {
  it("hashes with scrypt, stores parameters, and verifies only the right password", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterz", hash)).toBe(false);
    expect(await hashPassword("correct horse battery")).not.toBe(hash); // per-user salt
  });
});

describe("sign up", () => {
  it("creates an account, signs in and lands on the home page with an offer to open a storefront", async () => {
    const res = await postForm("/signup", { email: uniqueEmail(), password: "a-long-password" });
    expect(res.status).toBe(302);
    expect(res.headers.get("Location")).toBe("/?welcome=1");
    const cookie = sessionCookie(res);
    expect(cookie).toBeTruthy();
    const setCookie = res.headers.getSetCookie().join("\n");
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Secure/i); // not local dev
    const landing = await (await app("/?welcome=1", { cookie })).text();
    expect(landing).toContain("your account is ready");
    expect(landing).toMatch(/href="\/settings\/profile"[^>]*>Open your storefront/);
    const settings = await app("/settings", { cookie });
    expect(settings.status).toBe(200);
  });

  it("refuses a duplicate email, whatever its case, with a clear message", async () => {
    const email = uniqueEmail();
    await postForm("/signup", { email, password: "a-long-password" });
    const res = await postForm("/signup", { email: email.toUpperCase(), password: "another-long-one" });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("An account with this email already exists");
    expect(sessionCookie(res)).toBeUndefined();
  });

  it("refuses a weak password and a malformed email on the form, not with a 500", async () => {
    const weak = await postForm("/signup", { email: uniqueEmail(), password: "short" });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain("Use at least 10 characters");
    const bad = await postForm("/signup", { email: "not-an-email", password: "a-long-password" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Enter a valid email address");
    const missing = await postForm("/signup", {});
    expect(missing.status).toBe(422);
  });
});

describe("log in", () => {
  it("signs in with the right password and gives one message for a wrong password and an unknown email", async () => {
    const u = await makeUser(env, { email: uniqueEmail(), password: "right-password-1" });
    const ok = await postForm("/login", { email: u.email, password: "right-password-1" }, { headers: { "CF-Connecting-IP": "10.0.0.1" } });
    expect(ok.status).toBe(302);
    expect(sessionCookie(ok)).toBeTruthy();

    const wrong = await postForm(
      "/login",
      { email: u.email, password: "wrong-password-1" },
      { headers: { "CF-Connecting-IP": "10.0.0.1" } },
    );
    expect(wrong.status).toBe(401);
    const unknown = await postForm(
      "/login",
      { email: uniqueEmail(), password: "whatever-123" },
      { headers: { "CF-Connecting-IP": "10.0.0.1" } },
    );
    expect(unknown.status).toBe(401);
    const [wrongText, unknownText] = [await wrong.text(), await unknown.text()];
    expect(wrongText).toContain("That email and password don't match an account");
    expect(unknownText).toContain("That email and password don't match an account");
    expect(unknownText).not.toMatch(/no account uses|password is not right/i);
    expect(wrongText).not.toMatch(/no account uses|password is not right/i);
  });

  it("slows down repeated failures for one email with a 429 that says when to retry", async () => {
    const u = await makeUser(env, { email: uniqueEmail(), password: "right-password-1" });
    for (let i = 0; i < 5; i++) {
      const r = await postForm(
        "/login",
        { email: u.email, password: `nope-nope-${i}` },
        { headers: { "CF-Connecting-IP": `10.1.0.${i}` } },
      );
      expect(r.status).toBe(401);
    }
    // Even the right password is refused until the window ends.
    const blocked = await postForm(
      "/login",
      { email: u.email, password: "right-password-1" },
      { headers: { "CF-Connecting-IP": "10.1.1.1" } },
    );
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await blocked.text()).toMatch(/Too many failed sign-in attempts for this account\. Try again in \d+ (minute|second)/);
    expect(sessionCookie(blocked)).toBeUndefined();
  });

  it("slows down many failures from one IP across different emails", async () => {
    const ip = "10.2.0.9";
    for (let i = 0; i < 20; i++) {
      const r = await postForm("/login", { email: uniqueEmail(), password: "guess-guess" }, { headers: { "CF-Connecting-IP": ip } });
      expect(r.status).toBe(401);
    }
    const blocked = await postForm("/login", { email: uniqueEmail(), password: "guess-guess" }, { headers: { "CF-Connecting-IP": ip } });
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toContain("from your network");
  });
});

describe("sessions", () => {
  it("log out ends only this session", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const a = await u.cookie();
    const b = await u.cookie();
    const out = await app("/logout", { method: "POST", cookie: a });
    expect(out.status).toBe(302);
    expect((await app("/settings", { cookie: a })).status).toBe(302); // back to login
    expect((await app("/settings", { cookie: b })).status).toBe(200);
  });

  it("log out of all sessions revokes every device", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const a = await u.cookie();
    const b = await u.cookie();
    const res = await postForm("/settings", { intent: "logout-all" }, { cookie: a });
    expect(res.status).toBe(302);
    for (const c of [a, b]) {
      const r = await app("/settings", { cookie: c });
      expect(r.status).toBe(302);
      expect(r.headers.get("Location")).toContain("/login");
    }
  });

  it("changing the password needs the current one and signs other devices out", async () => {
    const u = await makeUser(env, { email: uniqueEmail(), password: "old-password-1" });
    const here = await u.cookie();
    const elsewhere = await u.cookie();
    const wrong = await postForm("/settings", { currentPassword: "not-it-at-all", newPassword: "new-password-1" }, { cookie: here });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("Your current password is not right");

    const ok = await postForm("/settings", { currentPassword: "old-password-1", newPassword: "new-password-1" }, { cookie: here });
    expect(ok.status).toBe(200);
    const fresh = sessionCookie(ok)!;
    expect((await app("/settings", { cookie: fresh })).status).toBe(200);
    expect((await app("/settings", { cookie: elsewhere })).status).toBe(302);
    const login = await postForm("/login", { email: u.email, password: "new-password-1" }, { headers: { "CF-Connecting-IP": "10.3.0.1" } });
    expect(login.status).toBe(302);
  });

  it("signing in or up while the browser holds a stale session cookie leaves you signed in", async () => {
    const u = await makeUser(env, { email: uniqueEmail(), password: "right-password-1" });
    const stale = await u.cookie();
    await env.DB.prepare("DELETE FROM sessions WHERE id = ?").bind(stale.split("=")[1]).run();
    // The browser keeps the last Set-Cookie for a name: that one must be the new session.
    const lastSession = (res: Response) =>
      res.headers
        .getSetCookie()
        .filter((c) => c.startsWith("at_session="))
        .at(-1)
        ?.split(";")[0];
    const login = await postForm(
      "/login",
      { email: u.email, password: "right-password-1" },
      { cookie: stale, headers: { "CF-Connecting-IP": "10.4.0.1" } },
    );
    expect(login.status).toBe(302);
    const afterLogin = lastSession(login)!;
    expect(afterLogin).toMatch(/^at_session=.+/);
    expect((await app("/settings", { cookie: afterLogin })).status).toBe(200);

    const signup = await postForm(
      "/signup",
      { email: uniqueEmail(), password: "a-long-password" },
      { cookie: stale, headers: { "CF-Connecting-IP": "10.4.0.2" } },
    );
    expect(signup.status).toBe(302);
    const afterSignup = lastSession(signup)!;
    expect(afterSignup).toMatch(/^at_session=.+/);
    expect((await app("/settings", { cookie: afterSignup })).status).toBe(200);
  });

  it("an expired session signs you out (and is deleted); one past half its life is extended", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const expired = await u.cookie();
    const ageing = await u.cookie();
    const idOf = (c: string) => c.split("=")[1];
    const now = Math.floor(Date.now() / 1000);
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?")
      .bind(now - 60, idOf(expired))
      .run();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?")
      .bind(now + 5 * 86_400, idOf(ageing))
      .run();

    const out = await app("/settings", { cookie: expired });
    expect(out.status).toBe(302);
    expect(out.headers.get("Location")).toContain("/login");
    expect(out.headers.getSetCookie().join("\n")).toMatch(/at_session=;/); // cookie cleared
    expect(await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE id = ?").bind(idOf(expired)).first("n")).toBe(0);

    const kept = await app("/settings", { cookie: ageing });
    expect(kept.status).toBe(200);
    expect(sessionCookie(kept)).toBe(ageing); // same session, cookie re-sent with a new expiry
    const expires = (await env.DB.prepare("SELECT expires_at AS e FROM sessions WHERE id = ?").bind(idOf(ageing)).first("e")) as number;
    expect(expires).toBeGreaterThan(now + 29 * 86_400);
    // A fresh session is left alone: no Set-Cookie on every request.
    const fresh = await u.cookie();
    expect(sessionCookie(await app("/settings", { cookie: fresh }))).toBeUndefined();
  });

  it("the header shows the viewer's storefront link and unread count from the session lookup", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const page = await (await app("/settings", { cookie: await u.cookie() })).text();
    expect(page).toContain("Become a creator");
    expect(page).toContain('aria-label="Notifications"');
    expect(page).not.toMatch(/Notifications, \d+ unread/);
  });

  it("anonymous pages set no cookies", async () => {
    const res = await app("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });
});
