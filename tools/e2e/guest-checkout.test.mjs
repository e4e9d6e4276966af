// Guest checkout end to end in Chromium against `wrangler dev` + the local Stripe emulator (D71):
// a signed-out visitor buys the seeded "Booking-bot starter kit", types their email in Checkout,
// lands on the thank-you page with the download, gets the receipt in /dev/mailbox, sets a password
// from it and finds the kit in their library. A second visitor pays with the email of an existing
// account: the same thank-you page, and they are not signed in to that account. A guest joins the
// paid "Inner circle" tier the same way (D77), and the free "Followers" tier by email with the
// confirmation link from /dev/mailbox (D125). Screenshots in test-results/screenshots (guest-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { launchBrowser, snap } from "./lib.mjs";

const PORT = Number(process.env.E2E_GUEST_PORT ?? 8821);
const STRIPE_PORT = Number(process.env.E2E_GUEST_STRIPE_PORT ?? 12221);
const persistTo = mkdtempSync(join(tmpdir(), "allthrive-guest-"));
const KIT = "/@maya-builds/products/booking-bot-kit";
let app, stripe, browser;

before(async () => {
  build({ quiet: true });
  migrate({ persistTo, quiet: true });
  stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  assert.equal((await seed(app.url)).seeded, true);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await stripe?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

/** A signed-out browser buys the kit, paying with `email`; returns its page on the thank-you page. */
async function guestBuysKit(email, name) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${app.url}${KIT}`);
  await page.getByText("No account needed").waitFor();
  await snap(page, `guest-${name}-1-product`);
  await Promise.all([page.waitForURL(/\/checkout\/pay\/cs_/), page.getByRole("button", { name: /Buy for/ }).click()]);
  await page.getByLabel("Email").fill(email);
  await snap(page, `guest-${name}-2-checkout`);
  await Promise.all([page.waitForURL(/\/checkout\/return\?session_id=/), page.getByRole("button", { name: "Pay", exact: true }).click()]);
  // The webhook arrives through the queue: the page polls until the order is recorded.
  await page.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 30_000 });
  await snap(page, `guest-${name}-3-thank-you`);
  return { ctx, page };
}

async function mailFor(page, email, subject) {
  const link = page.getByRole("link", { name: subject });
  for (let i = 0; i < 60; i++) {
    await page.goto(`${app.url}/dev/mailbox?to=${encodeURIComponent(email)}`);
    if (await link.count()) break;
    await page.waitForTimeout(250);
  }
  await link.first().click();
  await page.waitForURL(/\/dev\/mailbox\/.+/);
  await page.getByText("Plain-text version").click();
  return page.locator("pre").innerText();
}

test("a new buyer: checkout without an account, download on the thank-you page, receipt, set a password, library", async () => {
  const email = `guest-${Date.now()}@example.test`;
  const { ctx, page } = await guestBuysKit(email, "new");
  const download = page.getByTestId("guest-files").getByRole("link").first();
  const href = await download.getAttribute("href");
  const res = await page.request.get(`${app.url}${href}`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-disposition"] ?? "", /attachment/);
  // Not signed in: the header still offers "Log in".
  await page.getByRole("link", { name: "Log in" }).first().waitFor();

  const text = await mailFor(page, email, /Your receipt/);
  await snap(page, "guest-new-4-receipt");
  const path = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
  assert.ok(path, `a set-password link in: ${text}`);
  await page.goto(`${app.url}${path}`);
  await page.getByLabel("New password").fill("my-new-guest-password");
  await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.getByRole("button", { name: "Set new password" }).click()]);
  await page.goto(`${app.url}/library`);
  await page.getByRole("link", { name: /setup-guide\.pdf/ }).waitFor();
  await snap(page, "guest-new-5-library");
  await ctx.close();
});

test("an existing account's email: the same thank-you page, nobody signed in to it", async () => {
  const { ctx, page } = await guestBuysKit("visitor@demo.allthrive.app", "existing");
  await page.getByText("is yours").waitFor();
  await page.getByRole("link", { name: "Log in" }).first().waitFor();
  await page.goto(`${app.url}/library`);
  await page.waitForURL(/\/login/);
  await snap(page, "guest-existing-4-library-needs-sign-in");
  await ctx.close();
});

test("a guest joins a paid tier through Checkout: thank-you page, welcome email with a set-password link", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const email = `member-${Date.now()}@example.test`;
  await page.goto(`${app.url}/@maya-builds`);
  const card = page.locator("div", { has: page.getByRole("heading", { name: "Inner circle" }) }).last();
  await Promise.all([page.waitForURL(/\/tiers\//), card.getByRole("link", { name: "Subscribe" }).click()]);
  await snap(page, "guest-tier-1-tier-page");
  await Promise.all([page.waitForURL(/\/checkout\/pay\/cs_/), page.getByRole("button", { name: /Subscribe — .*month/ }).click()]);
  await page.getByLabel("Email").fill(email);
  await Promise.all([page.waitForURL(/\/checkout\/return\?session_id=/), page.getByRole("button", { name: "Pay", exact: true }).click()]);
  await page.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 30_000 });
  await page.getByText("Thanks for joining Inner circle").waitFor();
  await page.getByRole("link", { name: "Log in" }).first().waitFor(); // nobody signed in
  await snap(page, "guest-tier-2-thank-you");
  const text = await mailFor(page, email, /You're a member: Inner circle/);
  assert.match(text, /\/reset-password\/[A-Za-z0-9_-]{43}/);
  await snap(page, "guest-tier-3-welcome-email");
  await ctx.close();
});

test("a guest joins a free tier by email: confirmation link from the mailbox, a button, then a member", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  const email = `follower-${Date.now()}@example.test`;
  await page.goto(`${app.url}/@maya-builds`);
  const card = page.locator("div", { has: page.getByRole("heading", { name: "Followers" }) }).last();
  await Promise.all([page.waitForURL(/\/tiers\//), card.getByRole("link", { name: "Join for free" }).click()]);
  await page.getByLabel("Your email").fill(email);
  await snap(page, "guest-free-1-email");
  await page.getByRole("button", { name: "Join for free" }).click();
  await page.getByText(`we've sent a link to ${email}`).waitFor();
  await snap(page, "guest-free-2-check-inbox");
  const text = await mailFor(page, email, /Confirm your membership of Followers/);
  const link = /\/tiers\/confirm\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
  assert.ok(link, `a confirmation link in: ${text}`);
  await page.goto(`${app.url}${link}`);
  await snap(page, "guest-free-3-confirm");
  await page.getByRole("button", { name: "Confirm and join" }).click();
  await page.getByText("You're a member of Followers").waitFor();
  await snap(page, "guest-free-4-member");
  await ctx.close();
});
