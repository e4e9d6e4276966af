// Browser test of services against `wrangler dev` + the local Stripe emulator: the demo creator sets
// her availability and creates a per-session service; a visitor in another time zone (Asia/Kolkata)
// sees the times in their own zone, books and pays; both see the booking. Screenshots go to
// test-results/screenshots/services-*.png (desktop and 390 px wide).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { launchBrowser, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_SERVICES_PORT ?? 8851);
const STRIPE_PORT = Number(process.env.E2E_SERVICES_STRIPE_PORT ?? 12251);
const shots = "test-results/screenshots";
mkdirSync(shots, { recursive: true });
const persistTo = mkdtempSync(join(tmpdir(), "allthrive-services-"));
let app, stripe, browser;

before(async () => {
  if (!process.env.E2E_SKIP_BUILD) build({ quiet: true });
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

const shot = async (page, name) => (
  await page.evaluate(() => window.scrollTo(0, 0)),
  page.screenshot({ path: `${shots}/services-${name}.png`, fullPage: true })
);
async function narrow(page, name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function logIn(page, email) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: /log in/i }).click()]);
}

test("a creator sets availability and a service; a visitor in Kolkata books and pays; both see the booking", async () => {
  assert.equal((await seed(app.url)).seeded, true);

  // The creator (New York).
  const cctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "America/New_York" });
  const c = await cctx.newPage();
  const cErrors = watchPageErrors(c);
  await logIn(c, "maya@demo.allthrive.app");
  await c.goto(`${app.url}/dashboard/availability`);
  await c.getByLabel("Saturday").fill("");
  await c.getByLabel("Sunday").fill("10:00-14:00");
  await c.getByLabel("Minimum notice (minutes)").fill("60");
  // Changes allowed until the session starts (the default 24 h would hide "Reschedule" for a booking tomorrow).
  await c.getByLabel("Free cancellation window (hours)").fill("0");
  await c.getByRole("button", { name: "Save availability" }).click();
  await c.getByText("Availability saved").waitFor();
  await shot(c, "01-availability");
  await narrow(c, "01-availability");

  await c.goto(`${app.url}/dashboard/services/new`);
  await c.getByLabel("Title").fill("Code review session");
  await c.getByLabel("Web address").fill("code-review");
  await c.getByLabel("Description (Markdown)").fill("I review one **pull request** with you, live.");
  await c.getByLabel("Price", { exact: true }).fill("75");
  await c.getByLabel("Session length (minutes)").fill("45");
  await c.getByLabel("Question 1").fill("Link to the pull request");
  await shot(c, "02-new-service");
  await Promise.all([c.waitForURL(/\/dashboard\/services\/[^/]+\?created=1/), c.getByRole("button", { name: "Create draft" }).click()]);
  await c.getByRole("button", { name: "Publish" }).click();
  await c.getByText("Published. It's on your storefront now.").waitFor();
  await shot(c, "03-service-published");

  // The visitor (Kolkata): storefront cards, then the service page in their own zone.
  const vctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Asia/Kolkata" });
  const v = await vctx.newPage();
  // Errors on our pages only: the emulator's stand-in checkout page has no favicon (its 404 isn't ours).
  const vErrors = [];
  v.on("pageerror", (e) => vErrors.push(`pageerror: ${e.message}`));
  v.on(
    "console",
    (m) => m.type() === "error" && !m.location().url.startsWith(`http://127.0.0.1:${STRIPE_PORT}`) && vErrors.push(`console: ${m.text()}`),
  );
  await logIn(v, "member3@demo.allthrive.app");
  // The storefront is served from the edge cache, whose key version an isolate may memoise for up to
  // a second (D29): reload until the new service's card is there.
  const card = v.getByTestId("service-card").filter({ hasText: "Code review session" });
  for (let i = 0; i < 20 && !(await card.count()); i++) {
    await v.goto(`${app.url}/@maya-builds`);
    if (!(await card.count())) await v.waitForTimeout(250);
  }
  await card.waitFor();
  await v.locator("#services").scrollIntoViewIfNeeded();
  await shot(v, "04-storefront");
  await narrow(v, "04-storefront");
  await v.getByTestId("service-card").filter({ hasText: "Code review session" }).click();
  // The page asks for the browser's zone once (?tz=), so times are shown in Kolkata time.
  // (Chromium's ICU names the zone by its older alias, Asia/Calcutta: the same rules.)
  await v.waitForURL(/tz=Asia%2F(Kolkata|Calcutta)/);
  await v.waitForFunction(() => /^Asia\/(Kolkata|Calcutta)$/.test(document.querySelector("#tz")?.value ?? ""));
  assert.match(await v.getByLabel("Times shown in").inputValue(), /^Asia\/(Kolkata|Calcutta)$/);
  const first = v.locator('input[name="start"]').first();
  const iso = await first.getAttribute("value");
  const label = (await v.locator("time").first().innerText()).trim();
  const expected = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Kolkata", hour: "numeric", minute: "2-digit" }).format(new Date(iso));
  assert.equal(label, expected, "slot labelled in the visitor's zone");
  await shot(v, "05-service-page");
  await narrow(v, "05-service-page");
  // Keyboard: focus the first time and choose it with the space bar.
  await first.focus();
  await v.keyboard.press("Space");
  assert.equal(await first.isChecked(), true);
  await v.getByLabel(/Link to the pull request/).fill("https://github.com/example/app/pull/42");
  await Promise.all([v.waitForURL(/\/checkout\/pay\//), v.getByRole("button", { name: /Continue to payment \(\$75\.00\)/ }).click()]);
  await shot(v, "06-checkout");
  await Promise.all([v.waitForURL(/\/checkout\/return/), v.getByRole("button", { name: "Pay", exact: true }).click()]);
  await v.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 20_000 });
  await shot(v, "07-thank-you");
  await v.getByRole("link", { name: "See your bookings" }).click();
  await v.getByTestId("booking").filter({ hasText: "Code review session" }).waitFor();
  assert.match(await v.getByTestId("booking").filter({ hasText: "Code review session" }).innerText(), /GMT\+5:30|IST/);
  await shot(v, "08-library-bookings");
  await narrow(v, "08-library-bookings");

  // The time is gone for everyone, and the creator sees the booking with its answer.
  await v.goto(`${app.url}/@maya-builds/services/code-review?tz=Asia/Kolkata`);
  assert.equal(await v.locator(`input[name="start"][value="${iso}"]`).count(), 0);
  await c.goto(`${app.url}/dashboard/services`);
  await c.getByTestId("creator-booking").filter({ hasText: "pull/42" }).waitFor();
  await shot(c, "09-creator-bookings");
  await narrow(c, "09-creator-bookings");

  // The visitor reschedules from their library: the page lists times again (minus their own), they pick
  // another one, the booking moves and the old time is open again.
  await v.goto(`${app.url}/library/bookings`);
  await Promise.all([
    v.waitForURL(/reschedule=/),
    v.getByTestId("booking").filter({ hasText: "Code review session" }).getByRole("link", { name: "Reschedule" }).click(),
  ]);
  await v.waitForURL(/tz=Asia%2F(Kolkata|Calcutta)/);
  await v.waitForFunction(() => /^Asia\/(Kolkata|Calcutta)$/.test(document.querySelector("#tz")?.value ?? ""));
  assert.equal(await v.locator(`input[name="start"][value="${iso}"]`).count(), 0, "their own time isn't offered");
  const target = v.locator('input[name="start"]').nth(1);
  const movedTo = await target.getAttribute("value");
  await target.check({ force: true });
  await shot(v, "10-reschedule");
  await Promise.all([v.waitForURL(/\/library\/bookings\?moved=1/), v.getByRole("button", { name: "Move my booking" }).click()]);
  await v.getByText("Moved.").first().waitFor();
  const movedLabel = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Kolkata", hour: "numeric", minute: "2-digit" }).format(
    new Date(movedTo),
  );
  assert.ok((await v.getByTestId("booking").filter({ hasText: "Code review session" }).innerText()).includes(movedLabel));
  await shot(v, "11-rescheduled");
  await v.goto(`${app.url}/@maya-builds/services/code-review?tz=Asia/Kolkata`);
  assert.equal(await v.locator(`input[name="start"][value="${iso}"]`).count(), 1, "the old time is open again");
  assert.equal(await v.locator(`input[name="start"][value="${movedTo}"]`).count(), 0);

  // A guest (no account, not signed in) books with a name and an email and pays; the thank-you page
  // links the booking's manage page; the confirmation is in the dev mailbox.
  const gctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/London" });
  const g = await gctx.newPage();
  const gErrors = [];
  g.on("pageerror", (e) => gErrors.push(`pageerror: ${e.message}`));
  await g.goto(`${app.url}/@maya-builds/services/code-review?tz=Europe/London`);
  await g.locator('input[name="start"]').nth(2).check({ force: true });
  await g.getByLabel(/Link to the pull request/).fill("https://github.com/example/app/pull/7");
  await g.getByLabel("Name").fill("Grace Guest");
  await g.getByLabel("Email").fill("grace.guest@example.test");
  await shot(g, "12-guest-form");
  await narrow(g, "12-guest-form");
  await Promise.all([g.waitForURL(/\/checkout\/pay\//), g.getByRole("button", { name: /Continue to payment/ }).click()]);
  await Promise.all([g.waitForURL(/\/checkout\/return/), g.getByRole("button", { name: "Pay", exact: true }).click()]);
  await g.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 20_000 });
  await shot(g, "13-guest-thank-you");
  await Promise.all([g.waitForURL(/\/bookings\/[^/]+\/manage\//), g.getByRole("link", { name: "Manage your booking" }).click()]);
  await g.getByTestId("booking-status").filter({ hasText: "Confirmed" }).waitFor();
  await shot(g, "14-guest-manage");
  await narrow(g, "14-guest-manage");
  await g.goto(`${app.url}/dev/mailbox`);
  await g
    .getByText(/Booked: Code review session/)
    .first()
    .waitFor({ timeout: 20_000 });
  assert.deepEqual(gErrors, []);
  await gctx.close();

  assert.deepEqual(cErrors, []);
  assert.deepEqual(vErrors, []);
  await cctx.close();
  await vctx.close();
});
