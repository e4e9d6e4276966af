// Shared helpers for the browser tests: a fresh app per test file, real Chromium, screenshots.
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { migrate, startApp } from "../lib/app-server.mjs";

export const SCREENSHOT_DIR = "test-results/screenshots";

/** Starts the built Worker on `port` with an empty database of its own. (`npm test` builds first.) */
export async function startTestApp(port, { vars } = {}) {
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-e2e-"));
  migrate({ persistTo, quiet: true });
  const app = await startApp({ port, persistTo, vars, quiet: true });
  return {
    ...app,
    async stop() {
      await app.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * Saves a full-page screenshot as a test artefact. Scrolled back to the top first: a full-page
 * capture of a scrolled page draws the sticky header where the viewport was, mid-page.
 */
export async function snap(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Fails the test on any uncaught page error or console error (a broken page is a failed test). */
export function watchPageErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // A request the router cancels (a newer revalidation or a navigation superseding it) is logged as
    // "AbortError: signal is aborted…" by Chromium: nothing failed that a person sees.
    if (m.type() === "error" && !/^AbortError: signal is aborted/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/**
 * Confirms a new account's email the way a person does: opens the "Confirm your email address"
 * mail in the dev mailbox (the queue delivers it within a second or two) and follows its link.
 * Leaves the page on the "Email confirmed" screen, whose link opens the storefront form.
 */
export async function confirmEmail(page, baseUrl, email) {
  const subject = page.getByRole("link", { name: /Confirm your email address/ });
  for (let i = 0; i < 60 && !(await subject.count()); i++) {
    await page.goto(`${baseUrl}/dev/mailbox?to=${encodeURIComponent(email)}`);
    if (!(await subject.count())) await page.waitForTimeout(250);
  }
  await subject.first().click();
  await page.waitForURL(/\/dev\/mailbox\/.+/);
  await page.getByText("Plain-text version").click();
  const text = await page.locator("pre").innerText();
  const path = /\/verify-email\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
  if (!path) throw new Error(`no confirmation link in: ${text}`);
  await page.goto(`${baseUrl}${path}`);
  await page.getByText("Email confirmed").waitFor();
}
