// The post editor in Chromium: toolbar marks, "Insert paywall here", word count, autosave that
// survives a reload, an image dropped in with alt text, and a preview whose HTML equals the
// published page's. Screenshots in test-results/screenshots (editor-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, snap, startTestApp } from "./lib.mjs";

const PORT = Number(process.env.E2E_EDITOR_PORT ?? 8822);
let app, browser;

before(async () => {
  app = await startTestApp(PORT);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

// A 1×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");

test("write with the toolbar, autosave survives a reload, drop an image, preview equals the published post", async () => {
  const stamp = Date.now();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  const email = `editor-${stamp}@example.test`;
  await page.goto(`${app.url}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-strong-password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(/\/\?welcome=1$/);
  // Storefronts and publishing wait for a verified address (D61): the link from the dev mailbox.
  let link = null;
  for (let i = 0; i < 40 && !link; i++) {
    const res = await page.request.get(`${app.url}/dev/mailbox?to=${encodeURIComponent(email)}`);
    const id = /\/dev\/mailbox\/([^"]+)"/.exec(await res.text())?.[1];
    if (id) link = /\/verify-email\/[A-Za-z0-9_-]+/.exec(await (await page.request.get(`${app.url}/dev/mailbox/${id}`)).text())?.[0];
    if (!link) await page.waitForTimeout(250);
  }
  assert.ok(link, "a verification link");
  await page.goto(`${app.url}${link}`);

  await page.goto(`${app.url}/settings/profile`);
  await page.getByLabel("Handle").fill(`ed-${stamp.toString(36)}`);
  await page.getByLabel("Display name").fill("Eddie Editor");
  await Promise.all([page.waitForURL(/welcome=1/), page.getByRole("button", { name: "Create my storefront" }).click()]);
  await snap(page, "editor-0-storefront");

  await page.goto(`${app.url}/dashboard/posts/new`);
  await page.getByLabel("Title").fill("Editor check");
  const body = page.getByLabel("Body");
  await body.fill("Free intro for everyone.\n\nImportant words");
  // Select "Important words" and make it bold with the toolbar.
  await body.evaluate((el) => el.setSelectionRange(el.value.indexOf("Important"), el.value.length));
  await page.getByRole("button", { name: "Bold" }).click();
  await body.evaluate((el) => el.setSelectionRange(el.value.length, el.value.length));
  await page.getByRole("button", { name: "Insert paywall here" }).click();
  await body.pressSequentially("Members read this part.");
  assert.match(await body.inputValue(), /\*\*Important words\*\*\n\n<!-- paywall -->\n\nMembers read this part\./);
  await page.getByTestId("word-count").filter({ hasText: "10 words · 1 min read" }).waitFor();

  // An image dropped onto the body: alt text asked for, then its Markdown swapped in.
  page.once("dialog", (d) => d.accept("A tiny test pixel"));
  await body.evaluate((el, b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], "pixel.png", { type: "image/png" }));
    el.setSelectionRange(el.value.length, el.value.length);
    el.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, PNG.toString("base64"));
  await page.waitForFunction(() => /!\[A tiny test pixel\]\(\/media\/[^)]+\)/.test(document.querySelector("textarea[name=body]").value));
  // On a line of its own; its address doesn't count as words, its alt text does.
  assert.match(await body.inputValue(), /part\.\n\n!\[A tiny test pixel\]\(\/media\/[^)]+\)\n$/);
  await page.getByTestId("word-count").filter({ hasText: "14 words · 1 min read" }).waitFor();

  // Autosave (every 3 s) keeps the work through a reload.
  await page.getByTestId("autosave").filter({ hasText: "Draft saved on this device" }).waitFor({ timeout: 10_000 });
  await snap(page, "editor-1-writing");
  const written = await body.inputValue();
  await page.reload();
  await page.getByText("We restored changes you hadn't saved yet").waitFor();
  assert.equal(await page.getByLabel("Body").inputValue(), written);
  assert.equal(await page.getByLabel("Title").inputValue(), "Editor check");
  await snap(page, "editor-2-restored-after-reload");

  // Preview, then publish: the published page shows exactly the preview's HTML.
  await page.getByRole("tab", { name: "Preview" }).click();
  await page.getByTestId("preview-html").locator("strong").filter({ hasText: "Important words" }).waitFor();
  const previewHtml = await page.getByTestId("preview-html").innerHTML();
  await snap(page, "editor-3-preview");
  await page.getByText("Followers", { exact: true }).click();
  await Promise.all([page.waitForURL(/\/posts\/editor-check/), page.getByRole("button", { name: "Publish now" }).click()]);
  const published = await page.locator(".prose-at").first().innerHTML();
  assert.equal(published, previewHtml);
  await snap(page, "editor-4-published");
  // Submitting cleared the saved draft.
  await page.goto(`${app.url}/dashboard/posts/new`);
  assert.equal(await page.getByText("We restored changes").count(), 0);
  await ctx.close();
});
