import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/lib/db.server";
import { app, postForm, sessionCookie } from "~/test/http";
import { linkIn, mailIds, waitForMail } from "~/test/mail";
import { makeCreator, makeUser } from "~/modules/demo/factories.server";
import { accountTokens, users } from "~/modules/identity/schema";
import { hashAccountToken } from "~/modules/identity/tokens.server";
import { followCreator } from "~/modules/follows/service.server";
import { createPost, publishPost } from "~/modules/posts/service.server";
import { createProduct } from "~/modules/products/service.server";
import { saveTier } from "~/modules/tiers/service.server";
import { startOnboarding } from "~/modules/payments/connect.server";
import { createApp } from "~/modules/apps/service.server";
import { becomeCreator } from "~/modules/storefronts/service.server";
import { makePost } from "~/modules/demo/factories.server";

const uniqueEmail = () => `a${crypto.randomUUID().slice(0, 8)}@example.test`;
const ip = () => `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
const forgot = (email: string, from = ip()) => postForm("/forgot-password", { email }, { headers: { "CF-Connecting-IP": from } });
const signedIn = async (cookie: string) => (await app("/settings", { cookie })).status === 200;

async function requestReset(email: string) {
  const before = await mailIds(email);
  const res = await forgot(email);
  expect(res.status).toBe(200);
  return linkIn(await waitForMail(email, "Reset your All Thrive password", { after: before }), "reset-password");
}

describe("password reset", () => {
  it("answers an existing and an unknown address identically, and mails only the real account", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const stranger = uniqueEmail();
    const [a, b] = [await forgot(u.email), await forgot(stranger)];
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const strip = (html: string) => html.replace(/\s+/g, " ");
    expect(strip(await a.text())).toBe(strip(await b.text()));
    await waitForMail(u.email, "Reset your All Thrive password");
    expect(await mailIds(stranger)).toEqual([]);
  });

  it("a link works once, sets a new password with sign-up's rules, ends every other session and signs this browser in", async () => {
    const u = await makeUser(env, { email: uniqueEmail(), password: "old-password-1" });
    const otherDevice = await u.cookie();
    const link = await requestReset(u.email);
    // The form page shows, without using the link.
    expect(await (await app(link)).text()).toContain("Choose a new password");
    // Too short: refused like sign-up, and the link still works afterwards.
    const weak = await postForm(link, { password: "short" });
    expect(weak.status).toBe(422);
    expect(await weak.text()).toContain("Use at least 10 characters");
    const ok = await postForm(link, { password: "brand-new-password" });
    expect(ok.status).toBe(302);
    const cookie = sessionCookie(ok)!;
    expect(cookie).toBeTruthy();
    expect(await signedIn(cookie)).toBe(true);
    expect(await signedIn(otherDevice)).toBe(false);
    // Used: a second use fails with a clear message.
    const again = await postForm(link, { password: "another-password-2" });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("invalid, already used or expired");
    expect(await (await app(link)).text()).toContain("This link doesn&#x27;t work");
    // The new password signs in; the old one no longer does.
    expect(
      (await postForm("/login", { email: u.email, password: "brand-new-password" }, { headers: { "CF-Connecting-IP": ip() } })).status,
    ).toBe(302);
    expect(
      (await postForm("/login", { email: u.email, password: "old-password-1" }, { headers: { "CF-Connecting-IP": ip() } })).status,
    ).toBe(401);
  });

  it("stores only the SHA-256 of a token: the database holds no usable link", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const link = await requestReset(u.email);
    const token = link.split("/").pop()!;
    const rows = await getDb(env).select().from(accountTokens).where(eq(accountTokens.userId, u.id));
    expect(rows).toHaveLength(1);
    expect(rows[0].tokenHash).toBe(await hashAccountToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    // What the database holds does not work as a link.
    const stolen = await postForm(`/reset-password/${rows[0].tokenHash.slice(0, 43)}`, { password: "attacker-password" });
    expect(stolen.status).toBe(400);
    const stolenFull = await postForm(`/reset-password/${rows[0].tokenHash}`, { password: "attacker-password" });
    expect(stolenFull.status).toBe(400);
  });

  it("a newer request invalidates the older link", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const first = await requestReset(u.email);
    const second = await requestReset(u.email);
    expect(second).not.toBe(first);
    expect((await postForm(first, { password: "first-link-password" })).status).toBe(400);
    expect((await postForm(second, { password: "second-link-password" })).status).toBe(302);
  });

  it("expires after 1 hour", async () => {
    const u = await makeUser(env, { email: uniqueEmail() });
    const link = await requestReset(u.email);
    const [row] = await getDb(env).select().from(accountTokens).where(eq(accountTokens.userId, u.id));
    expect(row.expiresAt - row.createdAt).toBe(3600);
    await getDb(env)
      .update(accountTokens)
      .set({ expiresAt: Math.floor(Date.now() / 1000) - 1 })
      .where(eq(accountTokens.tokenHash, row.tokenHash));
    expect(await (await app(link)).text()).toContain("invalid, already used or expired");
    expect((await postForm(link, { password: "too-late-password" })).status).toBe(400);
  });

  it("throttles per address and per IP with a clear 429", async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 3; i++) expect((await forgot(email)).status).toBe(200);
    const limited = await forgot(email);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("Retry-After")).toBeTruthy();
    expect(await limited.text()).toContain("Too many reset requests for this email address. Try again in");

    const from = ip();
    for (let i = 0; i < 10; i++) expect((await forgot(uniqueEmail(), from)).status).toBe(200);
    const byIp = await forgot(uniqueEmail(), from);
    expect(byIp.status).toBe(429);
    expect(await byIp.text()).toContain("Too many reset requests from your network.");
  });
});

async function signUp() {
  const email = uniqueEmail();
  const res = await postForm("/signup", { email, password: "a-long-password" }, { headers: { "CF-Connecting-IP": ip() } });
  expect(res.status).toBe(302);
  return { email, cookie: sessionCookie(res)! };
}

async function unverify(userId: string) {
  await getDb(env).update(users).set({ emailVerifiedAt: null }).where(eq(users.id, userId));
}

describe("email verification", () => {
  it("a new account can't open a storefront until it clicks the emailed link (403, clear message, notice with Resend)", async () => {
    const { email, cookie } = await signUp();
    const page = await (await app("/settings/profile", { cookie })).text();
    expect(page).toContain("Confirm your email address to open your storefront");
    expect(page).toContain("Resend link");
    const refused = await postForm(
      "/settings/profile",
      { intent: "become-creator", handle: `v-${crypto.randomUUID().slice(0, 6)}`, displayName: "V" },
      { cookie },
    );
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Please confirm your email address first");

    const link = linkIn(await waitForMail(email, "Confirm your email address"), "verify-email");
    expect(await (await app(link, { cookie })).text()).toContain("your email address is confirmed");
    // Single use.
    expect(await (await app(link, { cookie })).text()).toContain("invalid, already used or expired");
    expect(await (await app("/settings/profile", { cookie })).text()).not.toContain("Resend link");
    const handle = `v-${crypto.randomUUID().slice(0, 6)}`;
    const ok = await postForm("/settings/profile", { intent: "become-creator", handle, displayName: "V" }, { cookie });
    expect(ok.status).toBe(302);
  });

  it("an unverified person can still follow, but can't publish, sell or write", async () => {
    const c = await makeCreator(env);
    const draft = await makePost(env, c, { status: "draft" });
    const fan = await makeUser(env, { verified: false });
    await followCreator(env, fan.viewer, c.handle);
    await unverify(c.id);
    const attempts = {
      becomeCreator: () => becomeCreator(env, fan.viewer, { handle: `x-${crypto.randomUUID().slice(0, 6)}`, displayName: "X" }),
      createPost: () => createPost(env, c.viewer, {}),
      publishPost: () => publishPost(env, c.viewer, draft.id),
      createProduct: () => createProduct(env, c.viewer, {}),
      saveTier: () => saveTier(env, c.viewer, null, {}),
      startOnboarding: () => startOnboarding(env, c.viewer, "http://localhost:8787"),
      createApp: () => createApp(env, c.viewer, {}),
    };
    for (const [name, attempt] of Object.entries(attempts)) {
      const err = await attempt().then(
        () => null,
        (e: unknown) => e as { status?: number; message?: string },
      );
      expect(err?.status, name).toBe(403);
      expect(err?.message, name).toContain("Please confirm your email address first");
    }
    // Through HTTP too: the new-post form answers 403 with the message.
    const res = await postForm("/dashboard/posts/new", { title: "Nope", body: "x", visibility: "public" }, { cookie: await c.cookie() });
    expect(res.status).toBe(403);
  });

  it("Resend link sends a fresh link (the older one stops working) and is throttled", async () => {
    const { email, cookie } = await signUp();
    const first = linkIn(await waitForMail(email, "Confirm your email address"), "verify-email");
    const before = await mailIds(email);
    const resent = await postForm("/verify-email/resend", {}, { cookie });
    expect(resent.status).toBe(200);
    const second = linkIn(await waitForMail(email, "Confirm your email address", { after: before }), "verify-email");
    expect(second).not.toBe(first);
    expect(await (await app(first)).text()).toContain("invalid, already used or expired");
    await postForm("/verify-email/resend", {}, { cookie });
    const beforeLast = await mailIds(email);
    expect((await postForm("/verify-email/resend", {}, { cookie })).status).toBe(200);
    const limited = await postForm("/verify-email/resend", {}, { cookie });
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain("sent you several links");
    const last = linkIn(await waitForMail(email, "Confirm your email address", { after: beforeLast }), "verify-email");
    expect(await (await app(second)).text()).toContain("invalid, already used or expired");
    expect(await (await app(last)).text()).toContain("your email address is confirmed");
  });

  it("expires after 24 hours", async () => {
    const { email } = await signUp();
    const link = linkIn(await waitForMail(email, "Confirm your email address"), "verify-email");
    const hash = await hashAccountToken(link.split("/").pop()!);
    const [row] = await getDb(env).select().from(accountTokens).where(eq(accountTokens.tokenHash, hash));
    expect(row.expiresAt - row.createdAt).toBe(24 * 3600);
    await getDb(env).update(accountTokens).set({ expiresAt: 1 }).where(eq(accountTokens.tokenHash, hash));
    expect(await (await app(link)).text()).toContain("invalid, already used or expired");
  });
});

describe("change email", () => {
  it("needs the current password, takes effect only from the new inbox, and the old inbox can undo it (ending all sessions)", async () => {
    const u = await makeUser(env, { email: uniqueEmail(), password: "my-password-1" });
    const cookie = await u.cookie();
    const next = uniqueEmail();
    const wrong = await postForm("/settings", { intent: "change-email", newEmail: next, currentPassword: "nope-nope-nope" }, { cookie });
    expect(wrong.status).toBe(422);
    const asked = await postForm("/settings", { intent: "change-email", newEmail: next, currentPassword: "my-password-1" }, { cookie });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain(`We&#x27;ve sent a confirmation link to ${next}`);
    const email = async () => (await getDb(env).query.users.findFirst({ where: eq(users.id, u.id) }))!.email;
    expect(await email()).toBe(u.email);

    const confirm = linkIn(await waitForMail(next, "Confirm your new email address"), "change-email");
    expect(await (await app(confirm)).text()).toContain("Use this address"); // GET changes nothing
    expect(await email()).toBe(u.email);
    expect((await postForm(confirm, {})).status).toBe(200);
    expect(await email()).toBe(next);
    expect((await postForm(confirm, {})).status).toBe(400); // single use

    const undo = linkIn(await waitForMail(u.email, "Your All Thrive email address was changed"), "undo-email-change");
    const [undoRow] = await getDb(env)
      .select()
      .from(accountTokens)
      .where(eq(accountTokens.tokenHash, await hashAccountToken(undo.split("/").pop()!)));
    expect(undoRow.expiresAt - undoRow.createdAt).toBe(7 * 24 * 3600);
    expect(await signedIn(cookie)).toBe(true);
    const undone = await postForm(undo, {});
    expect(undone.status).toBe(200);
    expect(await email()).toBe(u.email);
    expect(await signedIn(cookie)).toBe(false);
    expect((await postForm(undo, {})).status).toBe(400);
  });

  it("enforces uniqueness when the link is clicked", async () => {
    const u = await makeUser(env, { email: uniqueEmail(), password: "my-password-1" });
    const next = uniqueEmail();
    await postForm("/settings", { intent: "change-email", newEmail: next, currentPassword: "my-password-1" }, { cookie: await u.cookie() });
    const confirm = linkIn(await waitForMail(next, "Confirm your new email address"), "change-email");
    await makeUser(env, { email: next }); // someone took it meanwhile
    const res = await postForm(confirm, {});
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("Another account already uses that email address");
  });
});
