// Browser test of the money flows against `wrangler dev` + the local Stripe emulator:
// a creator onboards, creates a product with a file and a capped tier; a buyer purchases and
// downloads, then subscribes; the creator sees earnings with the 8% fee. Screenshots go to
// test-results/screenshots/ (desktop and 390 px wide).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { build, migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { confirmEmail } from "./lib.mjs";

const PORT = Number(process.env.E2E_MONEY_PORT ?? 8792);
const STRIPE_PORT = Number(process.env.E2E_MONEY_STRIPE_PORT ?? 12192);
const shots = "test-results/screenshots";
mkdirSync(shots, { recursive: true });
const persistTo = mkdtempSync(join(tmpdir(), "allthrive-money-"));
const files = mkdtempSync(join(tmpdir(), "allthrive-money-files-"));
const PDF = "%PDF-1.4\n% All Thrive e2e\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
const uniq = Date.now().toString(36);

let app, stripe, browser;

before(async () => {
  build({ quiet: true });
  migrate({ persistTo, quiet: true });
  stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await stripe?.close();
  rmSync(persistTo, { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
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

const shot = async (page, name) => page.screenshot({ path: `${shots}/money-${name}.png`, fullPage: true });
async function narrow(page, name, path) {
  await page.setViewportSize({ width: 390, height: 844 });
  if (path) await page.goto(`${app.url}${path}`);
  await shot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("the demo seed pays through the emulator: a capped tier nearly full, a buyer with a download", async () => {
  const result = await seed(app.url);
  assert.equal(result.seeded, true);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${app.url}/@maya-builds`);
  await page.getByText("1 of 10 seats left").waitFor();
  await page.getByText("Booking-bot starter kit").first().waitFor();
  await shot(page, "00-seeded-storefront");
  await narrow(page, "00-seeded-storefront");
  await page.goto(`${app.url}/@lena-voice`);
  await page.getByText("Coming soon").first().waitFor();
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill("visitor@demo.allthrive.app");
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: /log in/i }).click()]);
  // Orders and memberships arrive by webhook through the queue: reload until they have.
  await page.goto(`${app.url}/library`);
  const pdfLink = page.getByRole("link", { name: /setup-guide\.pdf/ });
  for (let i = 0; i < 60 && !((await pdfLink.count()) && (await page.getByText("Prompt lab").count())); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await page.reload();
  }
  await pdfLink.waitFor();
  await page.getByText("Prompt lab").waitFor();
  await shot(page, "00-seeded-library");
  await ctx.close();
});

test("creator onboards, sells a product and a capped tier; a buyer purchases, downloads and subscribes; earnings show the 8% fee", async () => {
  const handle = `maker-${uniq}`;
  const creatorCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const c = await creatorCtx.newPage();
  await signUp(c, `creator-${uniq}@example.test`);
  await confirmEmail(c, app.url, `creator-${uniq}@example.test`);
  await c.goto(`${app.url}/settings/profile`);
  await c.getByLabel("Handle").fill(handle);
  await c.getByLabel("Display name").fill("Robin Maker");
  await Promise.all([c.waitForURL(/welcome=1/), c.getByRole("button", { name: "Create my storefront" }).click()]);

  // Onboarding through the (emulated) Stripe-hosted page.
  await c.goto(`${app.url}/dashboard`);
  await c.getByRole("heading", { name: "Set up payouts to start selling" }).waitFor();
  await shot(c, "01-dashboard-before-onboarding");
  await Promise.all([c.waitForURL(/\/connect\/onboarding\//), c.getByRole("button", { name: "Set up payouts" }).click()]);
  await shot(c, "02-stripe-onboarding");
  await Promise.all([c.waitForURL(/\/dashboard\?payouts=/), c.getByRole("button", { name: "Complete onboarding" }).click()]);
  await c.getByRole("heading", { name: "Payouts are on" }).waitFor();

  // A product with a file.
  await c.goto(`${app.url}/dashboard/products/new`);
  await c.getByLabel("Type").selectOption("prompt_pack");
  await c.getByLabel("Title").fill("Agent prompt pack");
  await c.getByLabel("Web address").fill("agent-prompts");
  await c.getByLabel("Description").fill("Thirty **battle-tested** prompts for agents.");
  await c.getByLabel("Price", { exact: true }).fill("19");
  await Promise.all([c.waitForURL(/created=1/), c.getByRole("button", { name: "Create draft" }).click()]);
  const pdfPath = join(files, "agent-prompts.pdf");
  writeFileSync(pdfPath, PDF);
  await c.locator("#upload-file").setInputFiles(pdfPath);
  await c.getByText("agent-prompts.pdf uploaded.").waitFor();
  await c.getByText("agent-prompts.pdf", { exact: false }).first().waitFor();
  await c.getByRole("button", { name: "Publish" }).click();
  await c.getByText("Published. It's on your storefront now.").waitFor();
  await shot(c, "03-product-editor");

  // A capped tier.
  await c.goto(`${app.url}/dashboard/tiers/new`);
  await c.getByLabel("Name").fill("Build club");
  await c.getByLabel("Benefits (one per line)").fill("Weekly office hours\nPrivate chat");
  await c.getByLabel("Monthly price").fill("5");
  await c.getByLabel("Maximum members (optional)").fill("3");
  await Promise.all([c.waitForURL(/\/dashboard\?tier=saved/), c.getByRole("button", { name: "Create tier" }).click()]);

  // Buyer: storefront → product → Checkout → thank-you → library → download.
  const buyerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const b = await buyerCtx.newPage();
  await signUp(b, `buyer-${uniq}@example.test`);
  await b.goto(`${app.url}/@${handle}`);
  await b.getByText("3 of 3 seats left").waitFor();
  await shot(b, "04-storefront");
  await narrow(b, "04-storefront");
  await b.getByRole("link", { name: /Agent prompt pack/ }).click();
  await b.getByRole("button", { name: "Buy for $19.00" }).waitFor();
  await shot(b, "05-product-page");
  await narrow(b, "05-product-page");
  await Promise.all([b.waitForURL(/\/checkout\/pay\//), b.getByRole("button", { name: "Buy for $19.00" }).click()]);
  await shot(b, "06-stripe-checkout");
  await Promise.all([b.waitForURL(/\/checkout\/return/), b.getByRole("button", { name: "Pay", exact: true }).click()]);
  await b.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 20_000 });
  await shot(b, "07-thank-you");
  await b.getByRole("link", { name: "Open your library" }).click();
  await b.waitForURL(/\/library/);
  const [download] = await Promise.all([b.waitForEvent("download"), b.getByRole("link", { name: /agent-prompts\.pdf/ }).click()]);
  const saved = join(files, "downloaded.pdf");
  await download.saveAs(saved);
  assert.equal(readFileSync(saved, "utf8"), PDF);

  // Subscribe to the capped tier.
  await b.goto(`${app.url}/@${handle}`);
  await b.getByRole("link", { name: "Subscribe" }).click();
  await b.getByTestId("seats").waitFor();
  await shot(b, "08-tier-page");
  await Promise.all([b.waitForURL(/\/checkout\/pay\//), b.getByRole("button", { name: /Subscribe — \$5\.00 \/ month/ }).click()]);
  await Promise.all([b.waitForURL(/\/checkout\/return/), b.getByRole("button", { name: "Pay", exact: true }).click()]);
  await b.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 20_000 });
  await b.goto(`${app.url}/library`);
  await b.getByText("Build club").waitFor();
  await shot(b, "09-library");
  await narrow(b, "09-library");
  await b.goto(`${app.url}/@${handle}`);
  await b.getByText("2 of 3 seats left").waitFor();

  // Creator: earnings with the 8% fee ($19 + $5 = $24.00; fee $1.52 + $0.40 = $1.92; net $22.08).
  await c.goto(`${app.url}/dashboard`);
  const earnings = c.getByTestId("earnings");
  await earnings.getByText("$24.00").waitFor();
  await earnings.getByText("−$1.92").waitFor();
  await earnings.getByText("$22.08").waitFor();
  await shot(c, "10-dashboard-earnings");
  await narrow(c, "10-dashboard-earnings");

  await creatorCtx.close();
  await buyerCtx.close();
});
