// Creator analytics in a real browser: an anonymous visit with a UTM campaign reaches the creator's
// rollups through the queue; the creator opens /dashboard/analytics (demo seed: 120 days of history),
// switches range, exports a table as CSV. Screenshots of the page and of each chart in
// test-results/screenshots (analytics-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { launchBrowser, snap, SCREENSHOT_DIR, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_ANALYTICS_PORT ?? 8871);
const STRIPE_PORT = Number(process.env.E2E_ANALYTICS_STRIPE_PORT ?? 12271);
const persistTo = mkdtempSync(join(tmpdir(), "allthrive-analytics-"));
let app, stripe, browser;

before(async () => {
  migrate({ persistTo, quiet: true });
  stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  await seed(app.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await stripe?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

test("a creator sees their analytics, switches range and exports CSV; a visit shows up", async () => {
  // An anonymous visitor arrives from a campaign link.
  // A person's browser (headless Chromium says "HeadlessChrome", which the bot filter rightly skips).
  const anon = await browser.newContext({
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  });
  const visitor = await anon.newPage();
  const res = await visitor.goto(`${app.url}/@maya-builds?utm_source=e2e&utm_campaign=browser-check`);
  assert.equal(res.status(), 200);
  await anon.close();

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill("maya@demo.allthrive.app");
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));

  // The visit travels through the queue into the rollups (off the response path): poll the page.
  const sources = page.locator("table[data-table=sources]");
  for (let i = 0; i < 40; i++) {
    await page.goto(`${app.url}/dashboard/analytics?range=7d`);
    if ((await sources.count()) && (await sources.innerText()).includes("browser-check")) break;
    await page.waitForTimeout(500);
  }
  assert.match(await sources.innerText(), /browser-check/, "the campaign of the visit is listed");
  await page.getByRole("heading", { name: "Analytics" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "7 days" }).getAttribute("aria-current"), "page");

  await page.getByRole("navigation", { name: "Date range" }).getByRole("link", { name: "90 days" }).click();
  await page.waitForURL(/range=90d/);
  const charts = page.getByRole("img");
  assert.ok((await charts.count()) >= 4, "traffic, apps, audience, money and MRR charts");
  assert.match(await page.getByRole("region", { name: "Summary" }).innerText(), /\$\d/);
  await snap(page, "analytics-90-days");
  const names = ["traffic", "apps", "audience", "money", "mrr"];
  for (let i = 0; i < Math.min(names.length, await charts.count()); i++)
    await charts.nth(i).screenshot({ path: join(SCREENSHOT_DIR, `analytics-chart-${names[i]}.png`) });

  // CSV of the money table (its data table sits under the chart, folded): one row per day.
  await page.getByRole("region", { name: "Money" }).getByText("Data table").click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download Money by day as CSV" }).click(),
  ]);
  const csv = readFileSync(await download.path(), "utf8");
  assert.match(csv.split("\r\n")[0], /^"Day","Currency","Sales","Gross","Fee \(8%\)","Net","Refunds"$/);
  assert.equal(csv.trim().split("\r\n").length - 1, 90, "one row per day of the range");

  await page.getByRole("link", { name: "12 months" }).click();
  await page.waitForURL(/range=12m/);
  await page.getByText("Money by month").first().waitFor();
  // The seeded history's followers gained − lost equals the follower count on the same page (the
  // seeded follows go through the follow graph and the queue: poll until they have all landed).
  const card = async (label) =>
    Number(
      (
        await page
          .getByRole("region", { name: label === "Followers" ? "Audience" : "Summary" })
          .getByText(label, { exact: true })
          .first()
          .locator("..")
          .innerText()
      )
        .split("\n")[1]
        .replace(/,/g, ""),
    );
  let net = -1;
  let followers = -2;
  for (let i = 0; i < 40 && net !== followers; i++) {
    if (i) {
      await page.waitForTimeout(500);
      await page.reload();
    }
    [net, followers] = [await card("Net followers"), await card("Followers")];
  }
  assert.ok(followers > 10, "the demo creator has followers");
  assert.equal(net, followers, "net followers over 12 months = followers now");

  // A phone: nothing wider than the screen (wide tables scroll inside their own box).
  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "analytics-12-months-phone");
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, "the page fits a 390 px phone");

  // The owner's own numbers on their app page (fetched after load; never on the public page).
  await page.goto(`${app.url}/apps/bookbot`);
  const panel = page.getByRole("region", { name: /Your stats/ });
  await panel.getByText("Try-clicks").waitFor();
  assert.match(await panel.innerText(), /Views\s*[1-9]/i);
  await panel.screenshot({ path: join(SCREENSHOT_DIR, "analytics-owner-app-stats.png") });

  // The quarterly survey on the dashboard: answered once, then gone for the quarter.
  await page.goto(`${app.url}/dashboard`);
  const survey = page.getByRole("group", { name: /recommend All Thrive/ });
  await survey.getByText("9", { exact: true }).click();
  await snap(page, "analytics-nps-survey-phone");
  await page.getByRole("button", { name: "Send answer" }).click();
  await page.getByText("Thank you").waitFor();
  assert.equal(await page.getByRole("group", { name: /recommend All Thrive/ }).count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});
