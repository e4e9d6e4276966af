// A creator publishes a members-only post with a free preview; a follower sees the locked preview
// in /feed, the bell and the email in the dev mailbox; a member of the tier reads it all.
// (The tier is a free one: paid checkout is covered by the money tests; the paid-subscriber rows of
// the visibility matrix run in workerd.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { confirmEmail, launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = 8793;
const PASSWORD = "a-strong-password";
const SECRET = "The secret sentence is: ship the eval harness before the agent.";
let app, browser;

before(async () => {
  app = await startTestApp(PORT);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

async function signUp(viewport, email) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${app.url}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  // Sign-up lands on the home page, where opening a storefront is offered.
  await page.waitForURL(/\/\?welcome=1$/);
  // Opening a storefront needs a confirmed address: the emailed link, then its "Open your storefront".
  await confirmEmail(page, app.url, email);
  await page.getByRole("link", { name: "Open your storefront" }).click();
  await page.waitForURL(/\/settings\/profile/);
  return { context, page, errors };
}

async function until(page, url, predicate, tries = 40) {
  for (let i = 0; i < tries; i++) {
    await page.goto(url);
    if (await predicate()) return;
    await page.waitForTimeout(250);
  }
  assert.fail(`condition never became true on ${url}`);
}

test("members-only post: locked preview for a follower (feed, bell, email), full text for a member", async () => {
  const stamp = Date.now();
  const desktop = { width: 1280, height: 900 };
  const creator = await signUp(desktop, `writer-${stamp}@example.test`);
  await creator.page.getByLabel("Handle").fill("e2e-writer");
  await creator.page.getByLabel("Display name").fill("Wren Writer");
  await creator.page.getByRole("button", { name: "Create my storefront" }).click();
  await creator.page.getByText("Your storefront is live").waitFor();

  // A free membership tier (paid tiers need Stripe; see the note at the top).
  const tierRes = await creator.page.request.post(`${app.url}/dashboard/tiers/new`, {
    form: {
      name: "Insiders",
      pricing: "free",
      currency: "usd",
      description: "Behind the scenes.",
      benefits: "",
      monthly: "",
      annual: "",
      minimum: "",
      maxSubscribers: "",
    },
    headers: { Origin: app.url },
    maxRedirects: 0,
  });
  assert.equal(tierRes.status(), 302);

  const follower = await signUp(desktop, `fan-${stamp}@example.test`);
  await follower.page.goto(`${app.url}/@e2e-writer`);
  await follower.page.getByRole("button", { name: "Follow", exact: true }).click();
  await follower.page.getByRole("button", { name: "Following" }).waitFor();

  const member = await signUp({ width: 390, height: 844 }, `member-${stamp}@example.test`);
  await member.page.goto(`${app.url}/@e2e-writer`);
  await member.page
    .getByRole("link", { name: /Join for free|Subscribe/ })
    .first()
    .click();
  await member.page.getByRole("button", { name: "Join for free" }).click();
  await member.page.waitForLoadState("networkidle");

  // The creator writes the post in the editor.
  const { page } = creator;
  await page.goto(`${app.url}/dashboard/posts/new`);
  await page.getByLabel("Title").fill("How I test my agents");
  await page
    .getByLabel("Body")
    .fill(
      `Every agent I ship goes through the same **three checks**.\n\n\`\`\`ts\nconst passed = cases.filter((c) => judge(c)).length;\n\`\`\`\n\n<!-- paywall -->\n\n${SECRET}\n\nAnd here is the whole checklist.`,
    );
  await page.getByText("Specific tiers").click();
  await page.getByLabel("Insiders").check();
  await snap(page, "posts-01-editor");
  await page.getByRole("button", { name: "Publish now" }).click();
  await page.waitForURL(/\/@e2e-writer\/posts\/how-i-test-my-agents/);
  await page.getByText(SECRET).waitFor(); // the creator reads their own post
  await snap(page, "posts-02-published-creator-view");

  // The follower: locked preview in the feed (fan-out runs through the queue), never the secret.
  const f = follower.page;
  await until(f, `${app.url}/feed`, async () => (await f.getByText("How I test my agents").count()) > 0);
  assert.equal(await f.getByText(SECRET).count(), 0);
  await f.getByText("Unlock to read the rest").waitFor();
  assert.match(await f.getByRole("link", { name: /Notifications, \d+ unread/ }).getAttribute("aria-label"), /1 unread/);
  await snap(f, "posts-03-follower-feed");
  // Once the page has hydrated, a feed link navigates inside the app (one list-level click handler,
  // D31): the document is not reloaded.
  await f.waitForFunction(() =>
    Object.keys(document.querySelector('ol[aria-label="Feed"]') ?? {}).some((k) => k.startsWith("__reactProps")),
  );
  await f.evaluate(() => {
    window.__sameDocument = true;
  });
  await f.getByRole("link", { name: "How I test my agents" }).click();
  await f.getByText("Keep reading").waitFor();
  assert.equal(await f.evaluate(() => window.__sameDocument === true), true, "the feed link navigated without reloading the page");
  assert.equal(await f.getByText(SECRET).count(), 0);
  assert.ok(await f.getByText("three checks").isVisible(), "the free preview is shown");
  await snap(f, "posts-04-follower-locked-post");

  // The email, in the dev mailbox: preview only, with an unsubscribe link.
  const mailbox = `${app.url}/dev/mailbox?to=${encodeURIComponent(`fan-${stamp}@example.test`)}`;
  await until(f, mailbox, async () => (await f.getByText("Wren Writer: How I test my agents").count()) > 0);
  await snap(f, "posts-05-mailbox");
  await f.getByText("Wren Writer: How I test my agents").click();
  const mail = f.frameLocator('iframe[title="Email (HTML)"]');
  await mail.getByText("Subscribe to read").waitFor();
  assert.equal(await mail.getByText(SECRET).count(), 0);
  assert.equal(await mail.getByText("Unsubscribe from these emails").count(), 1);
  await snap(f, "posts-06-email");

  // The member of the tier reads it all (phone-sized screen).
  const m = member.page;
  await m.goto(`${app.url}/@e2e-writer/posts/how-i-test-my-agents`);
  await m.getByText(SECRET).waitFor();
  assert.equal(await m.getByText("Keep reading").count(), 0);
  await snap(m, "posts-07-member-reads-all-390");
  const sideways = (pg) => pg.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok((await sideways(m)) <= 0, "the post page doesn't scroll sideways on a phone");
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await follower.context.storageState() });
  const fp = await phone.newPage();
  await fp.goto(`${app.url}/@e2e-writer/posts/how-i-test-my-agents`);
  await snap(fp, "posts-08-follower-locked-390");
  await fp.goto(`${app.url}/feed`);
  await snap(fp, "posts-09-follower-feed-390");
  assert.ok((await sideways(fp)) <= 0, "the feed doesn't scroll sideways on a phone");

  // The storefront lists it with a lock badge naming the offer that unlocks it (D70).
  await f.goto(`${app.url}/@e2e-writer`);
  await f.locator("#updates").scrollIntoViewIfNeeded();
  assert.ok(await f.getByText("Members of Insiders").first().isVisible());
  await snap(f, "posts-10-storefront");

  // The bell's list, email preferences with a private feed link, the creator's post list.
  await f.goto(`${app.url}/notifications`);
  await f.getByText("Wren Writer posted “How I test my agents”").waitFor();
  await snap(f, "posts-11-notifications");
  await f.goto(`${app.url}/@e2e-writer/posts/how-i-test-my-agents`);
  await f.getByRole("button", { name: "Private RSS" }).click();
  await f.getByLabel("Private feed URL").waitFor();
  const rss = await f.getByLabel("Private feed URL").inputValue();
  assert.match(rss, /\/@e2e-writer\/feed\.xml\?token=[a-z0-9]{32}$/);
  await snap(f, "posts-12-email-settings");
  await page.goto(`${app.url}/dashboard/posts`);
  await snap(page, "posts-13-creator-posts");

  for (const p of [creator, follower, member]) assert.deepEqual(p.errors, []);
  await phone.close();
  for (const p of [creator, follower, member]) await p.context.close();
});
