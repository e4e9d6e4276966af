// Browser test of growth: a creator makes a discount code and a buyer pays the discounted price
// through the Stripe emulator; the creator buys a promotion, an admin approves it, and it shows
// labelled "Promoted" on /discover (beside the "Staff pick"). Screenshots in test-results/screenshots/.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { launchBrowser, snap, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_GROWTH_PORT ?? 8891);
const STRIPE_PORT = Number(process.env.E2E_GROWTH_STRIPE_PORT ?? 12291);
const persistTo = mkdtempSync(join(tmpdir(), "allthrive-growth-"));
let app, stripe, browser;

before(async () => {
  migrate({ persistTo, quiet: true });
  stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  browser = await launchBrowser();
  assert.equal((await seed(app.url)).seeded, true);
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await stripe?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

async function logIn(email) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  // 404s are checked by address below: the emulator's hosted page has no favicon, ours must have no misses.
  page.on("response", (r) => {
    if (r.status() === 404 && r.url().startsWith(app.url)) errors.push(`404: ${r.url()}`);
  });
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  return { context, page, errors };
}

test("a discount code, then a promotion approved by an admin and shown labelled on /discover", async () => {
  // The creator makes a 50% launch code for all her products.
  const maya = await logIn("maya@demo.allthrive.app");
  await maya.page.goto(`${app.url}/dashboard/discounts`);
  await maya.page.getByRole("textbox", { name: "Code", exact: true }).fill("LAUNCH50");
  await maya.page.getByLabel("Percent (1–100)").fill("50");
  await maya.page.getByLabel("Maximum uses (optional)").fill("10");
  await maya.page.getByRole("button", { name: "Create code" }).click();
  await maya.page.getByText("LAUNCH50 is live").waitFor();
  await snap(maya.page, "growth-01-discount-codes");

  // A visitor (seeded account) follows a ?code= link: the code is filled in; Checkout shows the discount.
  const buyer = await logIn("visitor@demo.allthrive.app");
  await buyer.page.goto(`${app.url}/@maya-builds/products/support-triage-prompts?code=launch50`);
  assert.equal(await buyer.page.getByLabel("Discount code (optional)").inputValue(), "launch50");
  await snap(buyer.page, "growth-02-product-with-code");
  await Promise.all([buyer.page.waitForURL(/\/checkout\/pay\//), buyer.page.getByRole("button", { name: /Buy for/ }).click()]);
  await buyer.page.getByTestId("amount-discount").waitFor();
  assert.equal(await buyer.page.getByTestId("amount-total").innerText(), "$6.25");
  await snap(buyer.page, "growth-03-checkout-discounted");
  await Promise.all([buyer.page.waitForURL(/\/checkout\/return/), buyer.page.getByRole("button", { name: "Pay", exact: true }).click()]);
  await buyer.page.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 20_000 });
  await maya.page.goto(`${app.url}/dashboard/discounts`);
  await maya.page.getByText(/Used 1 of 10/).waitFor();

  // The creator buys three days of Discover · Agents for BookBot (a platform charge).
  await maya.page.goto(`${app.url}/dashboard/promotions`);
  await maya.page.getByLabel("What to promote").selectOption({ label: "BookBot" });
  await maya.page.getByLabel("Where", { exact: true }).selectOption("discover:agent");
  await maya.page.getByLabel("Days (1–30)").fill("3");
  await snap(maya.page, "growth-04-buy-promotion");
  await Promise.all([maya.page.waitForURL(/\/checkout\/pay\//), maya.page.getByRole("button", { name: "Continue to payment" }).click()]);
  assert.equal(await maya.page.getByTestId("amount-total").innerText(), "$30.00");
  await Promise.all([maya.page.waitForURL(/\/dashboard\/promotions/), maya.page.getByRole("button", { name: "Pay", exact: true }).click()]);
  for (let i = 0; i < 40 && !(await maya.page.getByText("In review", { exact: true }).count()); i++) {
    await maya.page.waitForTimeout(250);
    await maya.page.reload();
  }
  await maya.page.getByText("In review", { exact: true }).waitFor();

  // Nothing shows before review; the admin approves it.
  const anon = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const visitor = await anon.newPage();
  const visitorErrors = watchPageErrors(visitor);
  await visitor.goto(`${app.url}/discover?category=agent`);
  assert.equal(await visitor.getByTestId("promoted-card").count(), 0);
  const admin = await logIn("admin@demo.allthrive.app");
  await admin.page.goto(`${app.url}/admin/promotions`);
  await admin.page.getByTestId("admin-promotion").filter({ hasText: "BookBot" }).getByRole("button", { name: "Approve" }).click();
  await admin.page.getByText("Approved — it shows from its start day.").waitFor();
  await snap(admin.page, "growth-05-admin-approved");

  // Labelled "Promoted" on the category page, apart from the organic list; the staff pick keeps its own label.
  await visitor.goto(`${app.url}/discover?category=agent`);
  const card = visitor.getByTestId("promoted-card");
  await card.waitFor();
  assert.match(await card.innerText(), /PROMOTED[\s\S]*BookBot/i);
  await visitor.getByText("Staff pick", { exact: true }).first().waitFor();
  await snap(visitor, "growth-06-discover-promoted");
  await visitor.setViewportSize({ width: 390, height: 844 });
  await snap(visitor, "growth-06-discover-promoted-390");
  await card.getByRole("link", { name: "BookBot" }).click();
  await visitor.waitForURL(/\/apps\/bookbot/);

  // The buyer sees the impression and the click.
  await maya.page.goto(`${app.url}/dashboard/promotions`);
  const stats = maya.page.getByTestId("promotion-stats").first();
  assert.match(await stats.innerText(), /[1-9]\d* impressions · 1 clicks/);
  await snap(maya.page, "growth-07-promotion-stats");

  const real = (errs) => errs.filter((e) => !e.startsWith("console: Failed to load resource"));
  for (const errs of [maya.errors, buyer.errors, admin.errors, visitorErrors]) assert.deepEqual(real(errs), []);
  await Promise.all([maya.context.close(), buyer.context.close(), admin.context.close(), anon.close()]);
});

test("a creator starts an affiliate program, an affiliate shares a link, a buyer buys through it, the affiliate sees the commission", async () => {
  // Dev (promptsmith) turns on affiliates for his course at 20% of his net.
  const dev = await logIn("dev@demo.allthrive.app");
  await dev.page.goto(`${app.url}/dashboard/affiliates`);
  await dev.page.getByLabel("Commission (% of your net)").fill("20");
  await dev.page.getByLabel("Cookie window (days)").fill("30");
  await dev.page.getByLabel("Evals for non-engineers").check();
  await dev.page.getByRole("button", { name: "Turn on affiliates" }).click();
  await dev.page.getByText("Your affiliate program is live").waitFor();
  await snap(dev.page, "growth-08-affiliate-program");

  // The visitor finds the invitation on the storefront and joins from the program page; copies the course link.
  const affiliate = await logIn("visitor@demo.allthrive.app");
  await affiliate.page.goto(`${app.url}/@promptsmith`);
  await affiliate.page.getByText("Earn 20% by sharing").waitFor();
  await snap(affiliate.page, "growth-08b-storefront-affiliate-invite");
  await Promise.all([
    affiliate.page.waitForURL(/\/@promptsmith\/affiliates$/),
    affiliate.page.getByRole("link", { name: "become an affiliate" }).click(),
  ]);
  await snap(affiliate.page, "growth-09-join-program");
  await Promise.all([
    affiliate.page.waitForURL(/\/dashboard\/affiliate\?joined=1/),
    affiliate.page.getByRole("button", { name: "Join the program" }).click(),
  ]);
  const linkBox = affiliate.page.getByLabel("Your link for Evals for non-engineers");
  const link = await linkBox.inputValue();
  assert.match(link, /\/@promptsmith\/products\/evals-course\?via=[A-Z0-9]{8}$/);
  await affiliate.page.getByTestId("affiliate-link").filter({ hasText: "Evals" }).getByRole("button", { name: "Copy link" }).click();
  await snap(affiliate.page, "growth-10-affiliate-links");

  // A member follows the link (the address loses ?via=, the click is kept) and buys the course.
  const buyer = await logIn("member1@demo.allthrive.app");
  await buyer.page.goto(link);
  assert.equal(new URL(buyer.page.url()).search, "");
  await Promise.all([buyer.page.waitForURL(/\/checkout\/pay\//), buyer.page.getByRole("button", { name: /Buy for/ }).click()]);
  await Promise.all([buyer.page.waitForURL(/\/checkout\/return/), buyer.page.getByRole("button", { name: "Pay", exact: true }).click()]);
  await buyer.page.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 20_000 });

  // $49.00 − $3.92 fee = $45.08 net; 20% = $9.016 → $9.02, pending for the holding period.
  await affiliate.page.goto(`${app.url}/dashboard/affiliate`);
  const row = affiliate.page.getByTestId("commission-row").filter({ hasText: "@promptsmith" });
  await row.waitFor();
  assert.match(await row.innerText(), /\$9\.02[\s\S]*pending/i);
  await snap(affiliate.page, "growth-11-affiliate-earnings");
  await affiliate.page.setViewportSize({ width: 390, height: 844 });
  await snap(affiliate.page, "growth-11-affiliate-earnings-390");
  await dev.page.goto(`${app.url}/dashboard/affiliates`);
  assert.match(await dev.page.getByTestId("affiliate-row").first().innerText(), /1 \(1\)\s+1\s+\$9\.02/);
  await snap(dev.page, "growth-12-creator-affiliates");

  const real = (errs) => errs.filter((e) => !e.startsWith("console: Failed to load resource"));
  for (const errs of [dev.errors, affiliate.errors, buyer.errors]) assert.deepEqual(real(errs), []);
  await Promise.all([dev.context.close(), affiliate.context.close(), buyer.context.close()]);
});
