// Forgot password, end to end in Chromium: "Forgot password?" on /login → email form → the link
// from /dev/mailbox → a new password → signed in here, signed out everywhere else; the link then
// no longer works. Screenshots in test-results/screenshots (password-reset-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_PASSWORD_RESET_PORT ?? 8812);
let app, browser;

before(async () => {
  app = await startTestApp(PORT);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

test("forgot password: email link from the mailbox, new password, other sessions ended", async () => {
  const email = `reset-${Date.now()}@example.test`;
  // Device 1: signs up and stays signed in.
  const device1 = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const p1 = await device1.newPage();
  const errors1 = watchPageErrors(p1);
  await p1.goto(`${app.url}/signup`);
  await p1.getByLabel("Email").fill(email);
  await p1.getByLabel("Password").fill("first-password-1");
  await p1.getByRole("button", { name: "Sign up" }).click();
  await p1.waitForURL((u) => !u.pathname.startsWith("/signup"));

  // Device 2: has forgotten the password.
  const device2 = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await device2.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${app.url}/login`);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.waitForURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(email);
  await snap(page, "password-reset-1-form");
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await page.getByText("If an account uses that address").waitFor();
  await snap(page, "password-reset-2-requested");

  // The email, through the dev mailbox (the queue delivers it within a second or two).
  const subject = page.getByRole("link", { name: /Reset your All Thrive password/ });
  for (let i = 0; i < 40; i++) {
    await page.goto(`${app.url}/dev/mailbox?to=${encodeURIComponent(email)}`);
    if (await subject.count()) break;
    await page.waitForTimeout(250);
  }
  await subject.first().click();
  await page.waitForURL(/\/dev\/mailbox\/.+/);
  await page.getByText("Plain-text version").click();
  const text = await page.locator("pre").innerText();
  await snap(page, "password-reset-3-email");
  const path = /\/reset-password\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
  assert.ok(path, `a reset link in: ${text}`);

  await page.goto(`${app.url}${path}`);
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.getByText("Use at least 10 characters").waitFor();
  await page.getByLabel("New password").fill("second-password-2");
  await snap(page, "password-reset-4-new-password");
  await page.getByRole("button", { name: "Set new password" }).click();
  await page.waitForURL((u) => u.pathname === "/");
  // Signed in on this device…
  await page.goto(`${app.url}/settings`);
  await page.getByText(`Signed in as ${email}`).waitFor();
  await snap(page, "password-reset-5-signed-in");
  // …and signed out on the other.
  await p1.goto(`${app.url}/settings`);
  await p1.waitForURL(/\/login/);
  // The link is used up.
  await page.goto(`${app.url}${path}`);
  await page.getByText("This link doesn't work").waitFor();
  await snap(page, "password-reset-6-used-link");

  // The one expected failure: the too-short password answered 422 (the browser logs any 4xx).
  assert.deepEqual(
    errors.filter((e) => !/status of 422/.test(e)),
    [],
  );
  assert.deepEqual(errors1, []);
  await device1.close();
  await device2.close();
});
