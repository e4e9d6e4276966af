// The admin console in a real browser: today's numbers, navigation, suspending a creator with a
// reason (their storefront 404s, the log shows who/what/why), unsuspending, featured order; a member
// is refused. Screenshots in test-results/screenshots (admin-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seed } from "../lib/app-server.mjs";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_ADMIN_PORT ?? 8811);
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

async function logIn(email) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  return { context, page, errors };
}

test("an admin suspends a creator with a reason, sees it logged, and unsuspends them", async () => {
  const { context, page, errors } = await logIn("admin@demo.allthrive.app");
  await page.goto(`${app.url}/admin`);
  await page.getByRole("heading", { name: "Admin console" }).waitFor();
  const numbers = page.getByRole("region", { name: "Today's numbers" });
  for (const label of ["Creators", "Members", "GMV this month", "Dead letters", "Open reports"])
    await numbers.getByText(label, { exact: true }).waitFor();
  await numbers.getByText("waiting in moderation").waitFor();
  assert.match(await numbers.innerText(), /\$\d/, "GMV is formatted money");

  const nav = page.getByRole("navigation", { name: "Admin console" });
  await nav.getByRole("link", { name: "Users" }).click();
  await page.waitForURL(/\/admin\/users/);
  await page.getByLabel("Email or handle").fill("sam-automates");
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForURL(/q=sam-automates/);
  const row = page.getByRole("row", { name: /sam@demo\.allthrive\.app/ });
  await row.getByPlaceholder("Reason").fill("Spam links in every post");
  await row.getByRole("button", { name: "Suspend" }).click();
  await page.getByText("Suspended sam@demo.allthrive.app").waitFor();
  await snap(page, "admin-users-suspended");

  const anon = await browser.newContext();
  const visitor = await anon.newPage();
  const res = await visitor.goto(`${app.url}/@sam-automates`);
  assert.equal(res.status(), 404, "the suspended storefront is gone");
  await anon.close();

  await nav.getByRole("link", { name: "Home" }).click();
  await page.waitForURL((u) => u.pathname === "/admin");
  await page.getByRole("cell", { name: "Spam links in every post", exact: true }).waitFor();
  await snap(page, "admin-console");

  await nav.getByRole("link", { name: "Staff picks" }).click();
  await page.getByRole("heading", { name: "Staff picks" }).waitFor();
  await snap(page, "admin-featured");

  await page.goto(`${app.url}/admin/users?q=sam-automates`);
  const again = page.getByRole("row", { name: /sam@demo\.allthrive\.app/ });
  await again.getByPlaceholder("Reason").fill("Reviewed: links removed");
  await again.getByRole("button", { name: "Unsuspend" }).click();
  await page.getByText("Unsuspended sam@demo.allthrive.app").waitFor();
  const back = await (await browser.newContext()).newPage();
  assert.equal((await back.goto(`${app.url}/@sam-automates`)).status(), 200);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a member is refused the console", async () => {
  const { context, page } = await logIn("visitor@demo.allthrive.app");
  const res = await page.goto(`${app.url}/admin`);
  assert.equal(res.status(), 403);
  await context.close();
});
