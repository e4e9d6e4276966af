// `npm start` → Ctrl-C → `npm start` again keeps payments working (README, D48/D49): the real start
// script, on a state folder of its own (ALLTHRIVE_STATE_DIR, never the developer's .wrangler/state),
// a demo buyer buying from a seeded creator through the real pages and the emulator's checkout before
// and after the restart. Then the agreement check: only the emulator's state deleted → one ✖ line
// with the fix and a clear 409 (not a 500) when buying; only the database deleted → fresh demo data
// that pays. Uses fixed ports: run under the e2e lock (flock /tmp/e2e.lock …).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { disagreementMessage, missingAccounts } from "../lib/app-server.mjs";
import { launchBrowser, snap } from "./lib.mjs";

const PORT = Number(process.env.E2E_RESTART_PORT ?? 8806);
const STRIPE_PORT = Number(process.env.E2E_RESTART_STRIPE_PORT ?? 12206);
const URL_ = `http://localhost:${PORT}`;
const stateDir = mkdtempSync(join(tmpdir(), "allthrive-restart-"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Runs the real `npm start` on `stateDir`; resolves once it says it is running (or fails with its output). */
async function npmStart() {
  const child = spawn(npm, ["start"], {
    env: {
      ...process.env,
      PORT: String(PORT),
      STRIPE_EMULATOR_PORT: String(STRIPE_PORT),
      ALLTHRIVE_STATE_DIR: stateDir,
      STRIPE_SECRET_KEY: "",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so SIGINT reaches it like Ctrl-C in a terminal
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 240_000;
  while (!/All Thrive is running at/.test(out)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up in 240 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    output: () => out,
    /** Ctrl-C: SIGINT to the whole foreground group; resolves with how it exited. */
    async stop() {
      if (child.exitCode === null) process.kill(-child.pid, "SIGINT");
      const t = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 20_000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

let browser, running;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await running?.stop().catch(() => {});
  await browser?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function signIn(page, email) {
  await page.goto(`${URL_}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("thrive-demo-2026");
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.getByRole("button", { name: /log in/i }).click()]);
}

/** Pays on the emulator's hosted checkout and waits for the thank-you page to say it's ready. */
async function payAndWait(page) {
  await Promise.all([page.waitForURL(/\/checkout\/return/), page.getByRole("button", { name: "Pay", exact: true }).click()]);
  await page.getByTestId("checkout-state").filter({ hasText: "Ready" }).waitFor({ timeout: 30_000 });
}

async function buySupportPrompts(page) {
  await page.goto(`${URL_}/@maya-builds/products/support-triage-prompts`);
  await Promise.all([page.waitForURL(/\/checkout\/pay\//), page.getByRole("button", { name: "Buy for $12.50" }).click()]);
  await payAndWait(page);
}

/** The library lists every title (orders and memberships arrive by webhook: reload until they have). */
async function libraryShows(page, titles) {
  await page.goto(`${URL_}/library`);
  for (let i = 0; i < 60; i++) {
    const counts = await Promise.all(titles.map((t) => page.getByText(t).count()));
    if (counts.every((n) => n > 0)) return;
    await new Promise((r) => setTimeout(r, 500));
    await page.reload();
  }
  await snap(page, "restart-library-missing");
  const text = await page.locator("main").innerText();
  for (const t of titles) assert.ok(text.includes(t), `the library lists ${t}:\n${text}`);
}

const crossLines = (out) => out.split("\n").filter((l) => l.startsWith("✖"));

test("the agreement check names the accounts the emulator lacks and says how to fix it", () => {
  const state = new Map([
    ["acct_1", { object: "account" }],
    ["prod_1", { object: "product" }],
  ]);
  assert.deepEqual(missingAccounts(["acct_1", "acct_2", "prod_1"], state), ["acct_2", "prod_1"]);
  assert.equal(disagreementMessage([], "/x/state"), null);
  const line = disagreementMessage(["acct_2"], "/x/state");
  assert.match(line, /^✖ .*1 Stripe account\(s\).*delete \/x\/state to start over/);
});

test("npm start, buy, Ctrl-C, npm start again on the same state, buy again from the same creator: both in the library", async () => {
  running = await npmStart();
  assert.match(running.output(), /Seeded demo data/);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  // Uncaught page errors fail the test (a missing image or favicon, a console 404, doesn't).
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => {
    if (r.status() === 404) console.log(`(404 ${r.url()})`);
  });
  await signIn(page, "visitor@demo.allthrive.app");
  await buySupportPrompts(page);

  const stopped = await running.stop();
  running = null;
  assert.ok(stopped.code === 0 || stopped.signal === "SIGINT", `Ctrl-C stops npm start cleanly (${JSON.stringify(stopped)})`);

  running = await npmStart();
  const out = running.output();
  assert.match(out, /Database already has data/);
  assert.deepEqual(crossLines(out), [], "the database and the emulator agree after a restart");
  // Same creator, after the restart: her last seat in the capped tier (price and account made before).
  await page.goto(`${URL_}/@maya-builds`);
  await page.getByText("1 of 10 seats left").waitFor();
  await Promise.all([page.waitForURL(/\/tiers\//), page.getByRole("link", { name: "Subscribe" }).first().click()]);
  await page.getByRole("heading", { name: "Inner circle" }).waitFor();
  await page.getByTestId("seats").waitFor();
  await Promise.all([page.waitForURL(/\/checkout\/pay\//), page.getByRole("button", { name: /Subscribe — \$15\.00 \/ month/ }).click()]);
  await payAndWait(page);
  await libraryShows(page, ["Support triage prompts", "Inner circle"]);
  await snap(page, "restart-library");
  assert.ok(existsSync(join(stateDir, "stripe-emulator", "state.bin")), "the emulator keeps its state beside the database");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("only the emulator's state deleted: npm start prints one ✖ line with the fix, and buying answers a clear 409, not a 500", async () => {
  if (running) await running.stop();
  running = null;
  rmSync(join(stateDir, "stripe-emulator"), { recursive: true, force: true });
  running = await npmStart();
  const lines = crossLines(running.output());
  assert.equal(lines.length, 1, running.output());
  assert.match(lines[0], /Stripe emulator doesn't know/);
  assert.match(lines[0], new RegExp(`delete ${stateDir.replace(/[/.]/g, "\\$&")} to start over`));

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, "visitor@demo.allthrive.app");
  // Something the visitor doesn't own yet, from another seeded creator.
  await page.goto(`${URL_}/@promptsmith/products/evals-course`);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/products/evals-course")),
    page.getByRole("button", { name: "Buy for $49.00" }).click(),
  ]);
  assert.equal(res.status(), 409);
  await page
    .getByText(/can.t take payments right now/)
    .first()
    .waitFor();
  await snap(page, "restart-emulator-state-deleted");
  await ctx.close();
});

test("only the database deleted: npm start seeds fresh demo data against the kept emulator, and buying works", async () => {
  if (running) await running.stop();
  running = null;
  rmSync(join(stateDir, "v3", "d1"), { recursive: true, force: true });
  running = await npmStart();
  assert.match(running.output(), /Seeded demo data/);
  assert.deepEqual(crossLines(running.output()), []);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await signIn(page, "visitor@demo.allthrive.app");
  await buySupportPrompts(page);
  await libraryShows(page, ["Support triage prompts"]);
  await ctx.close();
  const stopped = await running.stop();
  running = null;
  assert.ok(stopped.code === 0 || stopped.signal === "SIGINT", JSON.stringify(stopped));
});
