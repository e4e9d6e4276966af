// Community in a real browser: a visitor comments on an app and files an idea; the maker
// replies and marks it planned; the voter gets the notification; a reader reports the visitor's
// comment and an admin hides it. Screenshots in test-results/screenshots (community-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { seed } from "../lib/app-server.mjs";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_COMMUNITY_PORT ?? 8823);
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

test("visitor comments and files an idea, maker replies and plans it, voter notified, admin hides a reported comment", async () => {
  // The visitor comments on BookBot's page (the thread loads after the page) and files an idea.
  const visitor = await logIn("visitor@demo.allthrive.app");
  const vp = visitor.page;
  await vp.goto(`${app.url}/apps/bookbot`);
  const section = vp.locator("[data-comments^='app:']");
  await section.getByText("Does BookBot work with").waitFor();
  await section.getByPlaceholder(/Add a comment/).fill("The **reminders** are great, but I'd love an export.");
  await section.getByRole("button", { name: "Comment", exact: true }).click();
  await section.locator("[data-comment-body] strong", { hasText: "reminders" }).waitFor();
  await snap(vp, "community-app-comments");

  await vp.getByRole("link", { name: /Feedback board/ }).click();
  await vp.waitForURL(/\/apps\/bookbot\/feedback$/);
  await vp.getByText("Outlook calendar sync").waitFor();
  await vp.getByLabel("Kind").selectOption("idea");
  await vp.getByLabel("Title").fill("Export bookings to CSV");
  await vp.getByLabel("Details").fill("For my accountant, monthly.");
  await vp.getByRole("button", { name: "Post feedback" }).click();
  await vp.waitForURL(/\/apps\/bookbot\/feedback\/[a-z0-9]+$/);
  await vp.getByRole("heading", { name: "Export bookings to CSV" }).waitFor();
  const itemUrl = vp.url();
  await vp.getByRole("button", { name: "Upvote" }).click();
  await vp.getByRole("button", { name: "Remove your upvote" }).waitFor();
  assert.equal(await vp.locator("[data-votes]").innerText(), "1");
  await vp.goto(`${app.url}/apps/bookbot/feedback`);
  await snap(vp, "community-feedback-board");

  // The maker replies (marked as the creator) and marks the idea planned.
  const maker = await logIn("maya@demo.allthrive.app");
  const mp = maker.page;
  await mp.goto(itemUrl);
  const thread = mp.locator("[data-comments^='feedback:']");
  await thread.getByPlaceholder(/Add a comment/).fill("Good idea — coming in the next release.");
  await thread.getByRole("button", { name: "Comment", exact: true }).click();
  await thread.getByText("Good idea — coming in the next release.").waitFor();
  await thread.getByText("Creator", { exact: true }).waitFor();
  await mp.getByLabel("Status").selectOption("planned");
  await mp.getByRole("button", { name: "Set status" }).click();
  await mp.getByText("Status set to planned").waitFor();
  await mp.locator('[data-status="planned"]').waitFor();
  await snap(mp, "community-feedback-item-planned");

  // The voter is told.
  await vp.goto(`${app.url}/notifications`);
  await vp.getByText("“Export bookings to CSV” on BookBot is now planned.").waitFor();
  await snap(vp, "community-notifications");

  // Another reader reports the visitor's comment; the admin hides it from the moderation queue.
  const reader = await logIn("sam@demo.allthrive.app");
  await reader.page.goto(`${app.url}/apps/bookbot`);
  const theComment = reader.page.locator("[data-comment]", { hasText: "I'd love an export" });
  await theComment.getByRole("button", { name: "Report" }).click();
  await theComment.getByLabel("Reason").selectOption("spam");
  await theComment.getByRole("button", { name: "Send report" }).click();
  await theComment.getByText("Reported — thank you").waitFor();

  const admin = await logIn("admin@demo.allthrive.app");
  const ap = admin.page;
  await ap.goto(`${app.url}/admin`);
  assert.match(await ap.getByRole("link", { name: /Open reports/ }).innerText(), /1/);
  await ap.getByRole("link", { name: /Open reports/ }).click();
  await ap.waitForURL(/\/admin\/moderation/);
  const report = ap.locator("[data-report]", { hasText: "I'd love an export" });
  await report.getByPlaceholder("Reason (logged)").fill("not spam really, but testing hide");
  await snap(ap, "community-admin-moderation");
  await report.getByRole("button", { name: "Hide content" }).click();
  await ap.getByText("Content hidden").waitFor();

  const anon = await (await browser.newContext()).newPage();
  await anon.goto(`${app.url}/apps/bookbot`);
  // An anonymous visitor's page hydrates once they interact (decision 0106): here, scrolling down to the thread.
  await anon.locator("[data-comments^='app:']").scrollIntoViewIfNeeded();
  await anon.locator("[data-comments^='app:']").getByText("Does BookBot work with").waitFor();
  assert.equal(await anon.getByText("I'd love an export").count(), 0, "the hidden comment is gone for others");
  await vp.goto(`${app.url}/apps/bookbot`);
  await vp.getByText(/Hidden — only you/).waitFor();

  // A followers-only post: an anonymous reader's comments section says why, and shows no comment.
  const anonErrors = watchPageErrors(anon);
  const gated = await anon.goto(`${app.url}/@lena-voice/posts/build-log-pronunciation-scoring`);
  assert.equal(gated.status(), 200);
  // A short post's thread is already on screen; it loads at the reader's first interaction (decision 0126).
  assert.equal(await anon.locator('script[type="x-module"]').count(), 1, "nothing hydrates before the reader does anything");
  await anon.mouse.move(20, 20);
  await anon.locator("[data-comments^='post:']").getByText("Comments on this post are for readers who can read the whole post.").waitFor();
  assert.equal(await anon.locator("[data-comment]").count(), 0);
  await snap(anon, "community-gated-post-comments");
  assert.deepEqual(anonErrors, []);

  for (const s of [visitor, maker, reader, admin]) assert.deepEqual(s.errors, []);
  for (const s of [visitor, maker, reader, admin]) await s.context.close();
});
