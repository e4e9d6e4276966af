// Two layout checks a user sees: the signed-in header on a phone shows every link whole, and a
// locked post's short free preview is not covered by the fade under it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { confirmEmail, launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = 8804;
const PASSWORD = "a-strong-password";
let app, browser, creator;

before(async () => {
  app = await startTestApp(PORT);
  browser = await launchBrowser();
  // A creator (so the header carries every signed-in link, "My storefront" included).
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`${app.url}/signup`);
  const email = `hdr-${Date.now()}@example.test`;
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(/welcome=1/);
  await confirmEmail(page, app.url, email);
  await page.goto(`${app.url}/settings/profile`);
  await page.getByLabel("Handle").fill("hdr-writer");
  await page.getByLabel("Display name").fill("Hedda Writer");
  await page.getByRole("button", { name: "Create my storefront" }).click();
  await page.getByText("Your storefront is live").waitFor();
  creator = { context, page };
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

/** Every link and button in the header that is shown, with its box and whether its label overflows. */
function headerControls(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll("header a, header button")]
      .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden" && !el.classList.contains("sr-only"))
      .map((el) => {
        const r = el.getBoundingClientRect();
        return {
          label: el.getAttribute("aria-label") || el.textContent.trim(),
          left: r.left,
          right: r.right,
          top: r.top,
          bottom: r.bottom,
          scrollWidth: el.scrollWidth,
          clientWidth: el.clientWidth,
        };
      }),
  );
}

test("signed in on a 390 px phone, every header link is fully visible; the 1280 px header too", async () => {
  const { page } = creator;
  const errors = watchPageErrors(page);
  for (const [width, height] of [
    [390, 844],
    [1280, 900],
  ]) {
    await page.setViewportSize({ width, height });
    await page.goto(`${app.url}/discover`);
    const controls = await headerControls(page);
    const labels = controls.map((c) => c.label);
    for (const name of ["Discover", "Posts", "Dashboard", "My storefront", "Library", "Settings", "Log out"]) {
      assert.ok(labels.includes(name), `${width}px: "${name}" is in the header (${labels.join(", ")})`);
    }
    for (const c of controls) {
      assert.ok(
        c.left >= 0 && c.right <= width && c.top >= 0 && c.bottom <= height,
        `${width}px: "${c.label}" lies within the viewport (${c.left}–${c.right})`,
      );
      assert.ok(c.scrollWidth <= c.clientWidth, `${width}px: "${c.label}" is not cut off (${c.scrollWidth} > ${c.clientWidth})`);
    }
    assert.ok(
      await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth),
      `${width}px: no sideways scroll`,
    );
    await snap(page, `header-signed-in-${width}`);
  }
  assert.deepEqual(errors, []);
});

async function publishLocked(page, title, body) {
  await page.goto(`${app.url}/dashboard/posts/new`);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Body").fill(body);
  await page.getByText("Specific tiers").click();
  await page.getByLabel("Insiders").check();
  await page.getByRole("button", { name: "Publish now" }).click();
  await page.waitForURL(/\/@hdr-writer\/posts\//);
  return page.url();
}

/** The preview's text box and the fade's box on a locked post page. */
function previewAndFade(page) {
  return page.evaluate(() => {
    const preview = document.querySelector("[data-preview]");
    const range = document.createRange();
    range.selectNodeContents(preview);
    const text = range.getBoundingClientRect();
    const fade = preview.parentElement.querySelector('[aria-hidden="true"]').getBoundingClientRect();
    return { textTop: text.top, textBottom: text.bottom, fadeTop: fade.top, fadeBottom: fade.bottom, fadeHeight: fade.height };
  });
}

test("a one-line locked preview is not covered by the fade; a tall one still fades at the end", async () => {
  const { page } = creator;
  const tierRes = await page.request.post(`${app.url}/dashboard/tiers/new`, {
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
  await page.setViewportSize({ width: 1280, height: 900 });
  const shortUrl = await publishLocked(
    page,
    "A short tease",
    "Just one line before the paywall.\n\n<!-- paywall -->\n\nThe rest is for insiders.",
  );
  const longPara = "This paragraph is long enough to wrap over several lines of the preview, so the fade has room to work. ".repeat(4);
  const tallUrl = await publishLocked(page, "A long tease", `${longPara}\n\n${longPara}\n\n<!-- paywall -->\n\nThe rest is for insiders.`);

  // A reader who isn't a member sees the locked previews.
  const reader = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const rp = await reader.newPage();
  const errors = watchPageErrors(rp);
  for (const [width, height] of [
    [390, 844],
    [1280, 900],
  ]) {
    await rp.setViewportSize({ width, height });
    await rp.goto(shortUrl);
    await rp.getByText("Keep reading").waitFor();
    assert.ok(await rp.getByText("Just one line before the paywall.").isVisible());
    const s = await previewAndFade(rp);
    assert.ok(
      s.fadeHeight === 0 || s.fadeTop >= s.textBottom,
      `${width}px: the fade (${s.fadeTop}–${s.fadeBottom}) does not overlap the one-line preview (${s.textTop}–${s.textBottom})`,
    );
    await snap(rp, `locked-preview-short-${width}`);

    await rp.goto(tallUrl);
    await rp.getByText("Keep reading").waitFor();
    const t = await previewAndFade(rp);
    assert.ok(
      t.fadeHeight > 0 && t.fadeTop > t.textTop + 40,
      `${width}px: a tall preview fades only its last part (${t.fadeTop}–${t.fadeBottom} over ${t.textTop}–${t.textBottom})`,
    );
    await snap(rp, `locked-preview-tall-${width}`);
  }
  assert.deepEqual(errors, []);
  await reader.close();
});
