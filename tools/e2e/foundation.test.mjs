// A person signs up, opens a storefront, uploads an avatar, writes a bio, sees it public, logs out and back in.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { confirmEmail, launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = 8790;
let app, browser;

before(async () => {
  app = await startTestApp(PORT);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

// A real 96×96 PNG made by the test (solid colour), so the upload goes through magic-byte checks.
import { deflateSync, crc32 } from "node:zlib";
function png(w, h, [r, g, b]) {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([r, g, b], y * (w * 3 + 1) + 1 + x * 3);
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

test("sign up → become a creator → avatar → bio → public storefront → log out → log in", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchPageErrors(page);
  const email = `e2e-${Date.now()}@example.test`;
  const password = "a-strong-password";

  await page.goto(`${app.url}/signup`);
  await snap(page, "foundation-01-signup");
  // Weak password first: the form says why, next to the field.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByText("Use at least 10 characters").waitFor();
  await snap(page, "foundation-02-signup-error");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  // Sign-up lands on the home page; opening a storefront is an offer there.
  await page.waitForURL(/\/\?welcome=1$/);
  await page.getByTestId("welcome").getByRole("link", { name: "Open your storefront" }).click();
  await page.waitForURL(/\/settings\/profile/);
  // Not yet: the form says the address must be confirmed first, with a "Resend link".
  await page.getByText("Confirm your email address to").waitFor();
  await page.getByRole("button", { name: "Resend link" }).waitFor();
  await snap(page, "foundation-03a-confirm-email-first");
  await confirmEmail(page, app.url, email);
  await snap(page, "foundation-03b-email-confirmed");
  await page.getByRole("link", { name: "Open your storefront" }).click();
  await page.waitForURL(/\/settings\/profile/);

  await page.getByLabel("Handle").fill("e2e-builder");
  await page.getByLabel("Display name").fill("E2E Builder");
  await snap(page, "foundation-03-become-creator");
  await page.getByRole("button", { name: "Create my storefront" }).click();
  await page.getByText("Your storefront is live at /@e2e-builder").waitFor();

  // Avatar: a disguised text file is refused with a message; a real PNG uploads with a progress bar.
  await page
    .getByLabel("Upload a new avatar")
    .setInputFiles({ name: "me.png", mimeType: "image/png", buffer: Buffer.from("definitely not an image") });
  await page.getByText("isn't a PNG, JPEG, WebP or GIF").waitFor();
  await page
    .getByLabel("Upload a new avatar")
    .setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png(96, 96, [124, 92, 255]) });
  await page.getByText("me.png uploaded.").waitFor();
  await page.locator('img[alt="E2E Builder\'s avatar"]').waitFor();

  await page.getByLabel("Bio").fill("I build **agents** that book meetings.\n\n<script>alert('x')</script>");
  await page.getByLabel("GitHub").fill("https://github.com/e2e-builder");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByText("Profile saved.").waitFor();
  await snap(page, "foundation-04-profile");

  await page.goto(`${app.url}/@e2e-builder`);
  assert.equal(await page.locator("h1").textContent(), "E2E Builder");
  assert.equal(await page.locator("strong", { hasText: "agents" }).count(), 1);
  assert.equal(await page.locator("script", { hasText: "alert('x')" }).count(), 0);
  const avatar = page.locator('img[alt="E2E Builder\'s avatar"]');
  assert.ok(await avatar.evaluate((img) => img.complete && img.naturalWidth === 96), "avatar image loads from R2");
  assert.equal(await page.getByRole("link", { name: "GitHub" }).getAttribute("href"), "https://github.com/e2e-builder");
  const sections = await page.locator("main h2").allTextContents();
  assert.deepEqual(sections.slice(0, 5), ["Apps", "Products", "Subscriptions", "Services", "Latest updates"]);
  await snap(page, "foundation-05-storefront");

  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("link", { name: "Log in" }).waitFor();
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("wrong-password-here");
  await page.getByRole("button", { name: "Log in" }).click();
  // One message whether or not the email has an account (decision D39).
  await page.getByText("That email and password don't match an account").waitFor();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("link", { name: "My storefront" }).waitFor();

  // Phone-sized storefront and the 404 page.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${app.url}/@e2e-builder`);
  await snap(phone, "foundation-06-storefront-phone");
  const missing = await phone.goto(`${app.url}/@nobody-at-all`);
  assert.equal(missing.status(), 404);
  await phone.getByText("Page not found").waitFor();
  await snap(phone, "foundation-07-404-phone");
  assert.deepEqual(
    errors.filter((e) => !/Failed to load resource.*(4\d\d)/.test(e)),
    [],
  );
});
