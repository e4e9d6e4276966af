// The notifications page: each line is a link to its subject naming who did what, repeats fold
// into one line, following a link marks it read, "Mark all read" clears the bell. Screenshots in
// test-results/screenshots (notifications-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seed } from "../lib/app-server.mjs";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_NOTIFICATIONS_PORT ?? 8798);
let app, browser;

before(async () => {
  app = await startTestApp(PORT);
  await seed(app.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

async function logIn(email, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  return { context, page, errors };
}

const bell = (page) => page.locator('header a[href="/notifications"]').getAttribute("aria-label");

test("a creator's notifications are grouped links; opening one marks its group read", async () => {
  const { context, page, errors } = await logIn("maya@demo.allthrive.app");
  await page.goto(`${app.url}/notifications`);
  const followers = page.getByRole("link", { name: /new followers/ });
  await followers.waitFor();
  assert.match(await followers.getAttribute("href"), /^\/@maya-builds\/followers$/);
  assert.match(await followers.innerText(), /\(@[a-z0-9-]+\)/, "names who followed");
  assert.match(await bell(page), /unread/);
  await snap(page, "notifications-creator");
  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "notifications-creator-mobile");
  await page.setViewportSize({ width: 1280, height: 900 });

  const before = Number((await bell(page)).match(/(\d+) unread/)[1]);
  await followers.click();
  await page.waitForURL(/\/@maya-builds\/followers$/);
  for (let i = 0; i < 40; i++) {
    await page.goto(`${app.url}/notifications`);
    const label = await bell(page);
    const now = Number(label.match(/(\d+) unread/)?.[1] ?? 0);
    if (now === before - 1) break;
    assert.ok(i < 39, `the bell went from ${before} to ${now}`);
    await page.waitForTimeout(250);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("a reader's new posts link to the posts, and 'Mark all read' clears the bell", async () => {
  const { context, page, errors } = await logIn("visitor@demo.allthrive.app");
  await page.goto(`${app.url}/notifications`);
  const post = page.locator('main a[href*="/posts/"]').first();
  await post.waitFor();
  assert.match(await post.innerText(), /posted/);
  await snap(page, "notifications-reader");
  await page.getByRole("button", { name: "Mark all read" }).click();
  await page.getByRole("button", { name: "Mark all read" }).waitFor({ state: "detached" });
  assert.equal(await bell(page), "Notifications");
  assert.deepEqual(errors, []);
  await context.close();
});
