// The signed-in storefront is one shared page from the edge cache (decision 55); the browser fills
// in this viewer's parts — follow state, owner controls, the header's account menu and unread
// count — from one /viewer.json request. A browser without scripts gets its own full render.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seed } from "../lib/app-server.mjs";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_SHARED_STOREFRONT_PORT ?? 8808);
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

async function logIn(email, { javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
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
const followButton = (page) => page.locator("main header button[aria-pressed]");

test("a follower sees the shared page filled in with their follow state, account menu and unread count", async () => {
  const { context, page, errors } = await logIn("visitor@demo.allthrive.app");
  // Their own full render of another page: the unread count as the server counts it.
  await page.goto(`${app.url}/feed`);
  const expected = await bell(page);
  assert.match(expected, /Notifications, \d+ unread/, "the seeded visitor has unread notifications");

  const res = await page.goto(`${app.url}/@maya-builds`);
  assert.ok(["HIT", "MISS", "STALE"].includes(res.headers()["x-edge-cache"]), "served from the shared edge cache");
  await page.waitForFunction(() => document.querySelector("main header button[aria-pressed]")?.getAttribute("aria-pressed") === "true");
  assert.equal(await followButton(page).innerText(), "Following");
  assert.equal(await followButton(page).isDisabled(), false);
  assert.equal(await bell(page), expected);
  assert.equal(await page.locator('header a[href="/settings"]').getAttribute("title"), "visitor@demo.allthrive.app");
  assert.equal(await page.getByRole("link", { name: "Become a creator" }).first().isVisible(), true);
  assert.equal(await page.getByRole("link", { name: "Edit profile" }).count(), 0);
  await snap(page, "shared-storefront-follower");

  // Unfollow from the shared page; a reload (the shared page again) shows the new state.
  const count = Number((await page.getByTestId("follower-count").innerText()).replace(/\D/g, ""));
  const unfollowed = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/@maya-builds/follow"));
  await followButton(page).click();
  assert.equal((await unfollowed).ok(), true);
  await page.waitForFunction(() => document.querySelector("main header button[aria-pressed]")?.getAttribute("aria-pressed") === "false");
  for (let i = 0; ; i++) {
    await page.reload();
    await page.waitForFunction(() => document.querySelector("main header button[aria-pressed]")?.disabled === false);
    if ((await followButton(page).innerText()) === "Follow") break;
    assert.ok(i < 20, "the unfollow shows after a reload");
    await page.waitForTimeout(250);
  }
  assert.equal(Number((await page.getByTestId("follower-count").innerText()).replace(/\D/g, "")), count - 1);
  // Follow again and wait for the server's answer (the button turns at once; the POST may still be
  // on its way, and closing the page would cancel it).
  const followed = page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/@maya-builds/follow"));
  await followButton(page).click();
  assert.equal((await followed).ok(), true);
  await page.waitForFunction(() => document.querySelector("main header button[aria-pressed]")?.getAttribute("aria-pressed") === "true");
  assert.equal(Number((await page.getByTestId("follower-count").innerText()).replace(/\D/g, "")), count);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the owner sees their owner controls and account menu on the shared page", async () => {
  const { context, page, errors } = await logIn("maya@demo.allthrive.app");
  const res = await page.goto(`${app.url}/@maya-builds`);
  assert.ok(res.headers()["x-edge-cache"], "served from the shared edge cache");
  await page.getByRole("link", { name: "Edit profile" }).waitFor();
  await page.getByRole("link", { name: "Add an app" }).waitFor();
  assert.equal(await page.locator("main header button[aria-pressed]").count(), 0, "no follow button on your own storefront");
  assert.equal(await page.locator('header a[href="/dashboard"]').first().isVisible(), true);
  assert.match(await bell(page), /^Notifications/);
  await snap(page, "shared-storefront-owner");
  assert.deepEqual(errors, []);
  await context.close();
});

test("without scripts, a signed-in visitor gets their own server render, follow state included", async () => {
  const { context, page } = await logIn("visitor@demo.allthrive.app", { javaScriptEnabled: false });
  const res = await page.goto(`${app.url}/@maya-builds`);
  assert.equal(res.headers()["x-edge-cache"], undefined, "not the shared page");
  assert.equal(await followButton(page).getAttribute("aria-pressed"), "true");
  assert.match(await bell(page), /Notifications, \d+ unread/);
  await context.close();
});
