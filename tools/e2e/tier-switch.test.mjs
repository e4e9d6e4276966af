// Browser test of switching tiers (D65): a member of a creator's $5/month tier opens the $12/month
// tier, sees "Switch to this tier" with the prorated amount from Stripe's preview, confirms, and
// their library shows the new tier. Against `wrangler dev` + the local Stripe emulator.
// Screenshots: test-results/screenshots/tier-switch-*.png.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, migrate, startApp, startStripe } from "../lib/app-server.mjs";
import { confirmEmail, launchBrowser, snap, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_TIER_SWITCH_PORT ?? 8813);
const STRIPE_PORT = Number(process.env.E2E_TIER_SWITCH_STRIPE_PORT ?? 12212);
mkdirSync("test-results/screenshots", { recursive: true });
const persistTo = mkdtempSync(join(tmpdir(), "allthrive-switch-"));
const uniq = Date.now().toString(36);

let app, stripe, browser;

before(async () => {
  build({ quiet: true });
  migrate({ persistTo, quiet: true });
  stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await stripe?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

async function signUp(page, email) {
  await page.goto(`${app.url}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-test-password");
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/signup")),
    page.getByRole("button", { name: /sign up|create/i }).click(),
  ]);
}

async function createTier(c, name, monthly) {
  await c.goto(`${app.url}/dashboard/tiers/new`);
  await c.getByLabel("Name").fill(name);
  await c.getByLabel("Benefits (one per line)").fill(`${name} posts\nMonthly Q&A`);
  await c.getByLabel("Monthly price").fill(monthly);
  await Promise.all([c.waitForURL(/\/dashboard\?tier=saved/), c.getByRole("button", { name: "Create tier" }).click()]);
}

/** The /tiers/:id address of the tier called `name` on the storefront. */
async function tierHref(page, handle, name) {
  await page.goto(`${app.url}/@${handle}`);
  for (const href of await page.locator('a[href^="/tiers/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute("href")))])) {
    await page.goto(`${app.url}${href}`);
    if ((await page.getByRole("heading", { level: 1 }).textContent())?.trim() === name) return href;
  }
  throw new Error(`no tier called ${name}`);
}

test("a member upgrades to another tier of the same creator and pays the prorated amount", async () => {
  const handle = `switch-${uniq}`;
  const creatorCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const c = await creatorCtx.newPage();
  await signUp(c, `creator-${uniq}@example.test`);
  await confirmEmail(c, app.url, `creator-${uniq}@example.test`);
  await c.goto(`${app.url}/settings/profile`);
  await c.getByLabel("Handle").fill(handle);
  await c.getByLabel("Display name").fill("Sam Switch");
  await Promise.all([c.waitForURL(/welcome=1/), c.getByRole("button", { name: "Create my storefront" }).click()]);
  await c.goto(`${app.url}/dashboard`);
  await Promise.all([c.waitForURL(/\/connect\/onboarding\//), c.getByRole("button", { name: "Set up payouts" }).click()]);
  await Promise.all([c.waitForURL(/\/dashboard\?payouts=/), c.getByRole("button", { name: "Complete onboarding" }).click()]);
  await createTier(c, "Basic", "5");
  await createTier(c, "Pro", "12");

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const b = await ctx.newPage();
  const errors = watchPageErrors(b);
  await signUp(b, `member-${uniq}@example.test`);
  const basic = await tierHref(b, handle, "Basic");
  const pro = await tierHref(b, handle, "Pro");
  await b.goto(`${app.url}${basic}`);
  await Promise.all([b.waitForURL(/\/checkout\/pay\//), b.getByRole("button", { name: /Subscribe — \$5\.00 \/ month/ }).click()]);
  await Promise.all([b.waitForURL(/\/checkout\/return/), b.getByRole("button", { name: "Pay", exact: true }).click()]);
  await b.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 20_000 });

  // The Pro tier page offers a switch with the prorated amount, not a second subscription.
  await b.goto(`${app.url}${pro}`);
  const offer = b.getByTestId("switch-offer");
  await offer.waitFor();
  await offer.getByText("You can hold one paid tier per creator").waitFor();
  const button = b.getByRole("button", { name: /Switch to this tier — pay \$\d+\.\d\d now/ });
  await button.waitFor();
  // Just subscribed: almost the whole period is left, so the charge is about $12 − $5.
  const amount = Number(/\$(\d+\.\d\d)/.exec(await button.textContent())[1]);
  assert.ok(amount > 6.9 && amount <= 7, `prorated amount ${amount}`);
  await snap(b, "tier-switch-01-offer");
  await button.click();
  await b.getByText(/You're now a member of Pro\. We charged \$\d+\.\d\d for the rest of this period\./).waitFor();
  await snap(b, "tier-switch-02-switched");

  await b.goto(`${app.url}/library`);
  await b.getByText("$12.00 / month").waitFor();
  assert.equal(await b.getByText("$5.00 / month").count(), 0);
  await snap(b, "tier-switch-03-library");
  assert.deepEqual(errors, []);
  await ctx.close();
  await creatorCtx.close();
});
