// Browser test for apps: register an app with a logo and three screenshots (watching the
// progress bars), see it on the storefront and in /discover (category + search), follow and
// unfollow from another account. Screenshots (desktop + 390 px phone) → test-results/screenshots/.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { chromium } from "playwright-core";
import { build, migrate, startApp } from "../lib/app-server.mjs";
import { confirmEmail } from "./lib.mjs";

const PORT = Number(process.env.E2E_APPS_PORT ?? 8791);
const SHOTS = "test-results/screenshots";
let app, browser, persistTo, files;

/** A real PNG (solid colour) so uploads pass the magic-byte check. */
function png(w, h, [r, g, b]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const x of buf) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([(r + x) & 255, (g + y) & 255, b], y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

before(async () => {
  const busy = await fetch(`http://127.0.0.1:${PORT}/`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`Port ${PORT} is in use; set E2E_APPS_PORT.`);
  build({ quiet: true });
  persistTo = mkdtempSync(join(tmpdir(), "allthrive-e2e-apps-"));
  migrate({ persistTo, quiet: true });
  app = await startApp({ port: PORT, persistTo, quiet: true });
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
  mkdirSync(SHOTS, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), "allthrive-e2e-files-"));
  files = {
    logo: join(dir, "logo.png"),
    shots: [0, 1, 2].map((i) => join(dir, `shot-${i}.png`)),
  };
  writeFileSync(files.logo, png(128, 128, [90, 60, 240]));
  // Large enough (~1.2 MB each) that the progress bar is visible while uploading.
  files.shots.forEach((f, i) => writeFileSync(f, png(640 + i, 640, [40 * i, 120, 200])));
});

after(async () => {
  await browser?.close();
  await app?.stop();
  if (persistTo) rmSync(persistTo, { recursive: true, force: true });
});

async function signUp(page, email) {
  await page.goto(`${app.url}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-password-1");
  await page.getByRole("button", { name: "Sign up" }).click();
  // Sign-up lands on the home page; opening a storefront is an offer there.
  await page.waitForURL(/\/\?welcome=1$/);
  // Opening a storefront needs a confirmed address: the emailed link, then its "Open your storefront".
  await confirmEmail(page, app.url, email);
  await page.getByRole("link", { name: "Open your storefront" }).click();
  await page.waitForURL(/\/settings\/profile/);
}

test("a creator registers an app with media; another user finds it and follows the creator", async () => {
  const id = Date.now().toString(36);
  const handle = `e2e-${id}`;
  const creatorCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await creatorCtx.newPage();
  await signUp(page, `creator-${id}@example.test`);
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Display name").fill("Eve Builder");
  await page.getByRole("button", { name: "Create my storefront" }).click();
  await page.waitForURL(/welcome=1/);

  await page.goto(`${app.url}/apps/new`);
  await page.getByLabel("Name").fill(`Gloss Translator ${id}`);
  await page.getByLabel("Tagline").fill("Translates your podcast into twelve languages");
  await page.getByLabel("Description").fill("Upload an episode, get **subtitles** and dubbed audio.");
  await page.getByLabel("App URL").fill("https://gloss.example.com");
  await page.getByLabel(/Demo video/).fill("https://youtu.be/dQw4w9WgXcQ");
  await page.getByLabel("Category").selectOption("voice");
  await page.getByLabel("Tech stack").fill("Whisper, ElevenLabs, Python");
  await page.getByRole("button", { name: "Register app" }).click();
  await page.waitForURL(/\/edit\?created=1/);
  const slug = new URL(page.url()).pathname.split("/")[2];

  await page.locator("#upload-logo").setInputFiles(files.logo);
  await page.getByText("logo.png uploaded.").waitFor();
  // Throttle uploads so the per-file progress bars are observable.
  const cdp = await creatorCtx.newCDPSession(page);
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: 4_000_000,
    uploadThroughput: 1_500_000,
  });
  await page.locator("#upload-screenshots").setInputFiles(files.shots);
  await page.getByRole("progressbar", { name: /Uploading shot-0\.png/ }).waitFor();
  await page.screenshot({ path: `${SHOTS}/apps-upload-progress.png`, fullPage: true });
  await page.getByText("Uploaded").nth(2).waitFor({ timeout: 30_000 });
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.getByRole("list", { name: "Screenshots in order" }).getByRole("listitem").nth(2).waitFor();
  assert.equal(await page.getByRole("list", { name: "Screenshots in order" }).getByRole("listitem").count(), 3);
  await page.screenshot({ path: `${SHOTS}/apps-edit.png`, fullPage: true });

  await page.goto(`${app.url}/@${handle}`);
  await page.getByRole("link", { name: `Gloss Translator ${id}` }).waitFor();
  await page.goto(`${app.url}/apps/${slug}`);
  assert.equal(await page.getByRole("img", { name: /screenshot/ }).count(), 3);
  await page.screenshot({ path: `${SHOTS}/apps-page.png`, fullPage: true });
  // Screenshots open in a lightbox: arrow keys move, Escape closes and focus goes back to the thumbnail.
  const firstShot = page.getByRole("link", { name: /Open .* screenshot 1 larger/ });
  await firstShot.click();
  const box = page.getByRole("dialog");
  await box.getByText("Screenshot 1 of 3").waitFor();
  await page.keyboard.press("ArrowRight");
  await box.getByText("Screenshot 2 of 3").waitFor();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await box.getByText("Screenshot 3 of 3").waitFor();
  await page.screenshot({ path: `${SHOTS}/apps-lightbox.png` });
  await page.keyboard.press("Escape");
  await box.waitFor({ state: "hidden" });
  assert.equal(await firstShot.evaluate((el) => el === document.activeElement), true);

  // Another user: discovery by category and by search, then follow / unfollow.
  const fanCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const fan = await fanCtx.newPage();
  await signUp(fan, `fan-${id}@example.test`);
  await fan.goto(`${app.url}/discover?category=voice`);
  await fan.getByRole("link", { name: `Gloss Translator ${id}` }).waitFor();
  await fan.goto(`${app.url}/discover`);
  await fan.getByLabel("Search apps").fill("podcast twelve");
  await fan.getByRole("button", { name: "Search" }).click();
  await fan.waitForURL(/q=podcast/);
  await fan.getByRole("link", { name: `Gloss Translator ${id}` }).click();
  await fan.waitForURL(new RegExp(`/apps/${slug}$`));
  await fan.getByRole("link", { name: "Eve Builder" }).click();
  await fan.waitForURL(new RegExp(`/@${handle}$`));
  const count = fan.getByTestId("follower-count");
  assert.equal(await count.textContent(), "0 followers");
  const followed = fan.waitForResponse((r) => r.url().includes(`/@${handle}/follow`) && r.request().method() === "POST");
  await fan.getByRole("button", { name: "Follow" }).click();
  await fan.getByRole("button", { name: "Following" }).waitFor(); // optimistic, before the server answers
  assert.equal(await count.textContent(), "1 follower");
  assert.equal((await followed).status(), 200);
  await fan.reload();
  assert.equal(await fan.getByTestId("follower-count").textContent(), "1 follower");
  await fan.screenshot({ path: `${SHOTS}/apps-storefront-following.png`, fullPage: true });
  const unfollowed = fan.waitForResponse((r) => r.url().includes(`/@${handle}/follow`) && r.request().method() === "POST");
  await fan.getByRole("button", { name: "Following" }).click();
  await fan.getByRole("button", { name: "Follow", exact: true }).waitFor();
  assert.equal((await unfollowed).status(), 200);
  assert.equal(await fan.getByTestId("follower-count").textContent(), "0 followers");

  // Phone width.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const p = await phone.newPage();
  for (const [name, path] of [
    ["storefront", `/@${handle}`],
    ["app", `/apps/${slug}`],
    ["discover", "/discover?category=voice"],
  ]) {
    await p.goto(`${app.url}${path}`);
    await p.screenshot({ path: `${SHOTS}/apps-phone-${name}.png`, fullPage: true });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const wide = await p.evaluate(() =>
      [...document.querySelectorAll("body *")]
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 3)
        .map((e) => `${e.tagName}.${e.className}`.slice(0, 120)),
    );
    assert.ok(overflow <= 0, `${name} scrolls sideways on a phone by ${overflow}px: ${wide.join(" | ")}`);
  }
  await Promise.all([creatorCtx.close(), fanCtx.close(), phone.close()]);
});
