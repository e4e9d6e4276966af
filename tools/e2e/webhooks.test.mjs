// Creators' webhooks in the browser: a creator adds an endpoint pointing at a real local receiver,
// sends a test event, and sees the delivery (HTTP 200) in the log; the receiver verifies the
// signature with the Standard Webhooks reference implementation. A private address is refused with
// a clear message. Screenshots in test-results/screenshots (webhooks-*.png).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { seed } from "../lib/app-server.mjs";
import { launchBrowser, snap, startTestApp, watchPageErrors } from "./lib.mjs";

const PORT = Number(process.env.E2E_WEBHOOKS_PORT ?? 8886);
const RECEIVER_PORT = Number(process.env.E2E_WEBHOOKS_RECEIVER_PORT ?? 8888);
let app, browser, receiver;
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("got it");
    });
  });
  await new Promise((resolve) => receiver.listen(RECEIVER_PORT, "127.0.0.1", resolve));
  app = await startTestApp(PORT);
  await seed(app.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

test("a creator adds an endpoint, sends a test event and sees the delivery in the log", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  await page.goto(`${app.url}/login`);
  await page.getByLabel("Email").fill("maya@demo.allthrive.app");
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));

  await page.goto(`${app.url}/settings/webhooks`);
  await page.getByText("No endpoints yet").waitFor();
  await snap(page, "webhooks-01-empty");

  // A private address is refused, with the reason next to the field.
  await page.getByLabel("Endpoint URL").fill("https://10.0.0.7/hooks");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByRole("alert").filter({ hasText: "private, loopback or reserved" }).first().waitFor();
  await snap(page, "webhooks-02-refused");

  const url = `http://127.0.0.1:${RECEIVER_PORT}/hooks/allthrive`;
  await page.getByLabel("Endpoint URL").fill(url);
  await page.getByLabel("Description (optional)").fill("My app's backend");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await page.getByText("Endpoint added.").waitFor();
  const card = page.getByRole("listitem", { name: `Endpoint ${url}` });
  await card.waitFor();
  await card.getByText("Show signing secret").click();
  const secret = (await card.getByTestId("signing-secret").innerText()).trim();
  assert.match(secret, /^whsec_/);

  await card.getByRole("button", { name: "Send test event" }).click();
  const delivery = page.getByTestId("delivery").filter({ hasText: "webhook.test" });
  await delivery.getByText("delivered").waitFor({ timeout: 15_000 });
  assert.match(await delivery.innerText(), /HTTP 200/);
  await delivery.getByText("1 attempt").click();
  await delivery.getByText("got it").waitFor();
  await snap(page, "webhooks-03-delivered");

  // What the receiver got verifies with the reference implementation and the secret shown.
  assert.equal(received.length, 1);
  const payload = new Webhook(secret).verify(received[0].body, received[0].headers);
  assert.equal(payload.type, "webhook.test");
  assert.match(await delivery.innerText(), new RegExp(received[0].headers["webhook-id"]));

  // Replay: the same webhook-id arrives again.
  await delivery.getByRole("button", { name: "Replay" }).click();
  for (let i = 0; i < 60 && received.length < 2; i++) await page.waitForTimeout(250);
  assert.equal(received.length, 2);
  assert.equal(received[1].headers["webhook-id"], received[0].headers["webhook-id"]);

  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "webhooks-04-mobile");
  // The refused URL's 422 is expected (the form shows why); anything else is a broken page.
  assert.deepEqual(
    errors.filter((e) => !/status of 422/.test(e)),
    [],
  );
  await context.close();
});
