// What a visitor's phone downloads on the public pages (decisions 0106–0108): an anonymous
// storefront loads no JavaScript until the visitor interacts, then hydrates with only the chunks
// the page needs (nothing of the editors or the dashboard); its images arrive as WebP variants
// sized for the screen; and with JavaScript off a post can be read and links followed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seed } from "../lib/app-server.mjs";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_VISITOR_PAGES_PORT ?? 8901);
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

/** Chunks that belong to signed-in tools, never to a public page. */
const TOOLING =
  /(post-editor|markdown-editor|image-upload|multi-image-upload|app-form|product-form|service-form|tier-form|earnings-chart|dashboard|apps\._slug\.edit|admin|settings)/;

test("an anonymous storefront loads no script until the visitor interacts, then only what the page needs", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  const scripts = [];
  const images = [];
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
    if (r.resourceType() === "image") images.push(new URL(r.url()).pathname);
  });
  await page.goto(`${app.url}/@maya-builds`, { waitUntil: "load" });
  await page.waitForLoadState("networkidle");
  assert.deepEqual(scripts, [], "no script is fetched before the visitor interacts");
  assert.equal(await page.evaluate(() => "__remixRouter" in window), false, "not hydrated yet");

  // The avatar is the priority image: a WebP variant chosen for a 96 px box at 2×.
  const avatar = page.getByRole("img", { name: "Maya Chen's avatar" });
  assert.equal(await avatar.getAttribute("fetchpriority"), "high");
  assert.match(await avatar.evaluate((img) => img.currentSrc), /_160x160\.png\.w\d+\.webp$/);
  assert.ok(
    images.every((p) => !/\.(png|jpg)$/.test(p)),
    `every image the browser fetched was a WebP variant: ${images.filter((p) => /\.(png|jpg)$/.test(p)).join(", ")}`,
  );

  // First touch: the page hydrates.
  await page.touchscreen.tap(5, 300);
  await page.waitForFunction(() => "__remixRouter" in window);
  assert.ok(scripts.length > 0, "the page's modules load once the visitor interacts");
  const tooling = scripts.filter((s) => TOOLING.test(s));
  assert.deepEqual(tooling, [], "no editor or dashboard chunk on a public page");
  // Hydrated: a link now navigates inside the app (no new document).
  const nav = page.waitForURL(/\/discover/);
  await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Discover" }).click();
  await nav;
  assert.equal(await page.evaluate(() => "__remixRouter" in window), true, "client-side navigation kept the app");
  await snap(page, "visitor-storefront-phone");
  assert.deepEqual(errors, [], "no page or console errors (a hydration mismatch would show here)");
  await context.close();
});

test("with JavaScript off, a post can be read and its links followed", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${app.url}/@maya-builds`);
  const postLink = page.locator('main a[href^="/@maya-builds/posts/"]').first();
  const title = (await postLink.textContent()).trim();
  await postLink.click();
  await page.waitForURL(/\/@maya-builds\/posts\//);
  assert.equal((await page.getByRole("heading", { level: 1 }).textContent()).trim(), title);
  assert.ok((await page.locator("article").innerText()).length > 200, "the post's text is there to read");
  await snap(page, "visitor-post-no-js");
  await page.getByRole("link", { name: "Maya Chen" }).first().click();
  await page.waitForURL(/\/@maya-builds$/);
  await page.getByRole("link", { name: "Discover" }).first().click();
  await page.waitForURL(/\/discover$/);
  assert.ok(await page.getByRole("heading", { level: 1 }).isVisible());
  await context.close();
});
