// Personal access tokens in a real browser: a creator creates a token in Settings → API tokens,
// sees it once, calls the API with it (last use shows up), revokes it (the API refuses it), and
// reads the API reference. Screenshots in test-results/screenshots (api-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seed } from "../lib/app-server.mjs";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_API_PORT ?? 8881);
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

test("a creator creates a token, sees it once, uses it, and revokes it", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill("maya@demo.allthrive.app");
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));

  await page.goto(`${app.url}/settings`);
  await page.getByRole("link", { name: "API tokens →" }).click();
  await page.getByRole("heading", { name: "API tokens" }).waitFor();
  await page.getByText("No tokens yet").waitFor();
  await page.getByRole("button", { name: "Create token" }).click();
  await page.getByText("Choose at least one permission.").waitFor();

  await page.getByLabel("Name").fill("Build script");
  await page.getByLabel("Storefront and profile: read").check();
  await page.getByLabel("Apps: read").check();
  await page.getByLabel("Expires after").selectOption("30");
  await page.getByRole("button", { name: "Create token" }).click();
  const box = page.getByLabel("Token value");
  await box.waitFor();
  const token = await box.inputValue();
  assert.match(token, /^at_pat_[A-Za-z0-9_-]{43}$/);
  await page.getByText("it is shown only once").waitFor();
  await snap(page, "api-token-created");

  // Shown once: a reload lists the token by its prefix only.
  await page.goto(`${app.url}/settings/tokens`, { waitUntil: "domcontentloaded" });
  assert.equal(await page.getByLabel("Token value").count(), 0);
  assert.ok(!(await page.content()).includes(token), "the token never appears again");
  await page.getByText(`${token.slice(0, 11)}…`).waitFor();
  await page.getByText("never used").waitFor();

  const me = await fetch(`${app.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).handle, "maya-builds");
  const apps = await fetch(`${app.url}/api/v1/apps`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(apps.status, 200);
  assert.ok((await apps.json()).data.length > 0, "the seeded creator's apps come back");
  const noScope = await fetch(`${app.url}/api/v1/posts`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(noScope.status, 403);

  await page.reload();
  await page.getByText("last used just now").waitFor();
  await snap(page, "api-token-list");

  await page.getByRole("button", { name: "Revoke Build script" }).click();
  await page.getByText("Token revoked.").waitFor();
  await page.getByText("revoked", { exact: true }).waitFor();
  const after = await fetch(`${app.url}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
  assert.equal(after.headers.get("content-type"), "application/problem+json");

  await page.goto(`${app.url}/docs/api`);
  await page.getByRole("heading", { name: "All Thrive API" }).waitFor();
  await page.getByRole("heading", { name: "Licenses", exact: true }).waitFor();
  await page.getByText("/api/v1/entitlements").first().waitFor();
  await snap(page, "api-reference");
  await page.screenshot({ path: "test-results/screenshots/api-reference-top.png" });

  await page.goto(`${app.url}/dashboard`);
  await page.getByRole("link", { name: "License keys" }).click();
  await page.getByRole("heading", { name: "License keys" }).waitFor();
  await snap(page, "api-dashboard-licenses");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${app.url}/settings/tokens`, { waitUntil: "domcontentloaded" });
  await snap(page, "api-token-list-mobile");
  // The empty form's 422 (asserted above as a message on the page) is the only failed request.
  assert.deepEqual(
    errors.filter((e) => !/status of 422/.test(e)),
    [],
  );
  await context.close();
});
