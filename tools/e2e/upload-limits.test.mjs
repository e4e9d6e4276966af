// Browser test: an oversized or disguised image is refused in the page with the server's own
// message, before anything is sent, and nothing is stored.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { confirmEmail, launchBrowser, snap, startTestApp } from "./lib.mjs";

const PORT = Number(process.env.E2E_UPLOAD_LIMITS_PORT ?? 8805);
let app, browser;

before(async () => {
  const busy = await fetch(`http://127.0.0.1:${PORT}/`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`Port ${PORT} is in use; set E2E_UPLOAD_LIMITS_PORT.`);
  app = await startTestApp(PORT);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function creatorWithApp(page, id) {
  await page.goto(`${app.url}/signup`);
  await page.getByLabel("Email").fill(`limits-${id}@example.test`);
  await page.getByLabel("Password").fill("a-long-password-1");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(/\/\?welcome=1$/);
  // Opening a storefront needs a confirmed address: the emailed link, then its "Open your storefront".
  await confirmEmail(page, app.url, `limits-${id}@example.test`);
  await page.getByRole("link", { name: "Open your storefront" }).click();
  await page.waitForURL(/\/settings\/profile/);
  await page.getByLabel("Handle").fill(`limits-${id}`);
  await page.getByLabel("Display name").fill("Lim Its");
  await page.getByRole("button", { name: "Create my storefront" }).click();
  await page.waitForURL(/welcome=1/);
  await page.goto(`${app.url}/apps/new`);
  await page.getByLabel("Name").fill(`Limits ${id}`);
  await page.getByLabel("Tagline").fill("Checks sizes before sending");
  await page.getByLabel("Description").fill("A test app.");
  await page.getByLabel("App URL").fill("https://limits.example.com");
  await page.getByLabel("Category").selectOption("voice");
  await page.getByRole("button", { name: "Register app" }).click();
  await page.waitForURL(/\/edit\?created=1/);
}

test("a 31 MB screenshot and a text file named .png are refused in the page, unsent and unstored", async () => {
  const id = Date.now().toString(36);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await creatorWithApp(page, id);

  const uploads = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && /\/apps\/[^/]+\/(screenshots|logo)/.test(r.url())) uploads.push(r.url());
  });

  // 31 MB with a real PNG signature: only the size is wrong.
  const big = Buffer.alloc(31 * 1024 * 1024);
  big.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  await page.locator("#upload-screenshots").setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: big });
  const sizeAlert = page.getByRole("alert").filter({ hasText: "31.0 MB" });
  await sizeAlert.waitFor();
  assert.equal((await sizeAlert.textContent()).trim(), "That image is too large (31.0 MB); images can be at most 5 MB.");

  // A text file wearing a .png name.
  await page
    .locator("#upload-logo")
    .setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from("just some text, not an image\n") });
  const typeAlert = page.getByRole("alert").filter({ hasText: "isn't a PNG" });
  await typeAlert.waitFor();
  assert.equal((await typeAlert.textContent()).trim(), "That file isn't a PNG, JPEG, WebP or GIF image. (SVG isn't accepted.)");
  await snap(page, "upload-limits-refused");

  assert.deepEqual(uploads, [], "nothing was sent to the server");
  await page.reload();
  await page.getByText("Screenshots (0 of 8)").waitFor();
  assert.equal(await page.getByRole("list", { name: "Screenshots in order" }).count(), 0);
  assert.equal(await page.getByRole("alert").count(), 0);
  await ctx.close();
});
