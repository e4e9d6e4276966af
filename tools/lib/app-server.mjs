// Starts the built Worker under `wrangler dev` (workerd with local D1, R2, Durable Objects, Queues)
// and, unless a real STRIPE_SECRET_KEY is configured, the local Stripe emulator beside it.
// Shared by `npm start` and the browser tests.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startEmulator } from "../stripe-emulator/server.mjs";

const npx = process.platform === "win32" ? "npx.cmd" : "npx";

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    stdio: opts.quiet ? "pipe" : "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...opts.env },
  });
  if (r.status !== 0) {
    if (opts.quiet) process.stderr.write(String(r.stdout ?? "") + String(r.stderr ?? ""));
    throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${r.status}`);
  }
  return r;
}

/**
 * Builds the Worker. `npm test` builds once at its start and sets ALLTHRIVE_SKIP_BUILD=1 for the
 * stages after it, so the browser tests that build for themselves when run alone don't rebuild.
 */
export function build({ quiet = false } = {}) {
  if (process.env.ALLTHRIVE_SKIP_BUILD === "1" && existsSync("build/server/index.js")) return;
  run(npx, ["remix", "vite:build"], { quiet });
}

function applyMigrations(persistTo, quiet) {
  const args = ["wrangler", "d1", "migrations", "apply", "DB", "--local"];
  if (persistTo) args.push("--persist-to", persistTo);
  run(npx, args, { quiet, env: { CI: "1" } });
}

/** A digest of every migration file: a template made from other migrations is never reused. */
function migrationsDigest() {
  const h = createHash("sha256");
  for (const f of readdirSync("migrations")
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    h.update(f)
      .update("\0")
      .update(readFileSync(join("migrations", f)))
      .update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

const isEmptyDir = (dir) => !existsSync(dir) || readdirSync(dir).length === 0;

const migrationFiles = () =>
  readdirSync("migrations")
    .filter((f) => f.endsWith(".sql"))
    .sort();

/**
 * Rows of a read-only query on the local D1 under `stateDir`, read straight from its SQLite file
 * with node:sqlite — only while no wrangler has it open. Null when that can't be done (no node:sqlite,
 * no database or more than one, a file it can't read): the caller asks wrangler instead.
 */
function readLocalD1(stateDir, sql) {
  try {
    const sqlite = process.getBuiltinModule?.("node:sqlite");
    const dir = join(stateDir, "v3", "d1", "miniflare-D1DatabaseObject");
    if (!sqlite || !existsSync(dir)) return null;
    const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
    if (files.length !== 1) return null;
    const db = new sqlite.DatabaseSync(join(dir, files[0]), { readOnly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

/**
 * True when the local D1 under `stateDir` already records every migration file in `d1_migrations`
 * (the table wrangler keeps), read in milliseconds where `wrangler d1 migrations apply` takes ~10 s
 * of CPU to find nothing to do. False when it can't tell: wrangler decides.
 */
function alreadyMigrated(stateDir) {
  const rows = readLocalD1(stateDir, "SELECT name FROM d1_migrations");
  if (!rows) return false;
  const applied = new Set(rows.map((r) => r.name));
  return migrationFiles().every((f) => applied.has(f));
}

/**
 * The connected-account ids the local D1 refers to, read from its file before `wrangler dev` opens
 * it (`npm start` compares them with the emulator's state once it knows it didn't seed). Null when
 * the file can't be read that way: then `accountsMissingFromEmulator` asks wrangler.
 */
export function localPayoutAccountIds({ persistTo } = {}) {
  return (
    readLocalD1(persistTo ?? join(".wrangler", "state"), "SELECT stripe_account_id AS id FROM payout_accounts")?.map((r) => r.id) ?? null
  );
}

/** The once-migrated template for the current migrations (made now if missing); see `migrate`. */
function migratedTemplate(quiet) {
  const template = join(tmpdir(), `allthrive-migrated-${migrationsDigest()}`);
  if (!existsSync(template)) {
    // Build it under a staging name and rename: a parallel test never sees a half-made template.
    const staging = mkdtempSync(join(tmpdir(), "allthrive-migrating-"));
    applyMigrations(staging, quiet);
    try {
      renameSync(staging, template);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process made it first
    }
  }
  return template;
}

/**
 * Applies the migrations to the local D1 under `persistTo` (default `.wrangler/state`). A fresh
 * state directory (every browser test and bench makes one) gets a copy of a once-migrated template
 * kept in the OS temp directory, keyed by the migrations' digest: `wrangler d1 migrations apply`
 * costs ~10 s of CPU per run and gives the same bytes each time. A directory that already holds
 * state (`npm start`) is left alone when its D1 already records every migration, gets the template's
 * D1 when it has none (only the database was deleted), and is migrated in place otherwise
 * (decisions 0090, 0144). `ALLTHRIVE_NO_MIGRATION_TEMPLATE=1` always runs wrangler.
 */
export function migrate({ persistTo, quiet = false } = {}) {
  if (process.env.ALLTHRIVE_NO_MIGRATION_TEMPLATE === "1") {
    applyMigrations(persistTo, quiet);
    return;
  }
  const stateDir = persistTo ?? join(".wrangler", "state");
  if (isEmptyDir(stateDir) && persistTo) {
    cpSync(migratedTemplate(quiet), persistTo, { recursive: true });
    return;
  }
  if (alreadyMigrated(stateDir)) return;
  const d1 = join(stateDir, "v3", "d1");
  if (isEmptyDir(d1)) {
    cpSync(join(migratedTemplate(quiet), "v3", "d1"), d1, { recursive: true });
    return;
  }
  applyMigrations(persistTo, quiet);
}

/** True when a real Stripe key is configured (env or .dev.vars): then no emulator is started. */
export function hasRealStripeKey() {
  if (process.env.STRIPE_SECRET_KEY) return true;
  return existsSync(".dev.vars") && /^\s*STRIPE_SECRET_KEY\s*=\s*\S+/m.test(readFileSync(".dev.vars", "utf8"));
}

/**
 * Starts the local Stripe emulator with webhooks delivered to `${appUrl}/webhooks/stripe`.
 * @param {{port?: number, appUrl: string, quiet?: boolean}} opts
 */
/** Where `npm start` keeps the emulator's state: beside the local D1, so deleting `.wrangler/state` resets both. */
export const stripeStateFile = (persistTo = ".wrangler/state") => `${persistTo}/stripe-emulator/state.bin`;

/** @param {{port?: number, appUrl: string, quiet?: boolean, stateFile?: string|null}} opts */
export async function startStripe({ port = 12111, appUrl, quiet = false, stateFile = null }) {
  return startEmulator({
    port,
    webhookUrl: `${appUrl}/webhooks/stripe`,
    stateFile,
    log: quiet ? () => {} : (l) => console.log(`[stripe-emulator] ${l}`),
  });
}

/**
 * Connected-account ids the local D1 refers to that the emulator doesn't know (someone deleted only
 * one of the two states). Empty when they agree.
 */
export function accountsMissingFromEmulator(emulator, { persistTo } = {}) {
  const args = ["wrangler", "d1", "execute", "DB", "--local", "--json", "--command", "SELECT stripe_account_id AS id FROM payout_accounts"];
  if (persistTo) args.push("--persist-to", persistTo);
  const r = run(npx, args, { quiet: true, env: { CI: "1" } });
  const rows = JSON.parse(String(r.stdout)).flatMap((x) => x.results ?? []);
  return missingAccounts(
    rows.map((x) => x.id),
    emulator.state,
  );
}

/** The account ids (from the database) that the emulator's state doesn't hold as accounts. */
export function missingAccounts(accountIds, emulatorState) {
  return accountIds.filter((id) => emulatorState.get(id)?.object !== "account");
}

/**
 * `npm start`'s one line when the database and the emulator disagree, or null when they agree.
 * `stateDir` is where both live (what to delete to start over).
 */
export function disagreementMessage(missing, stateDir = ".wrangler/state") {
  if (!missing.length) return null;
  return `✖ The local database refers to ${missing.length} Stripe account(s) the local Stripe emulator doesn't know (its state under ${stateDir}/stripe-emulator was deleted or came from elsewhere), so payments would fail — stop and delete ${stateDir} to start over with fresh demo data.`;
}

/**
 * @param {{port?: number, persistTo?: string, vars?: Record<string,string>, quiet?: boolean, stripePort?: number}} opts
 */
/**
 * Starts `wrangler dev` on the built Worker. wrangler's local trace collector (which writes every
 * span of every request into `.wrangler/state/v3/observability` and grows without bound) is off
 * unless `traces` is true or the environment has `LOCAL_TRACES=1` (decision D42).
 */
export async function startApp({
  port = 8787,
  persistTo,
  vars = {},
  quiet = false,
  stripePort,
  extraArgs = [],
  traces = process.env.LOCAL_TRACES === "1",
} = {}) {
  const args = [
    "wrangler",
    "dev",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--show-interactive-dev-session=false",
    "--var",
    "APP_ENV:development",
    "--var",
    `PUBLIC_URL:http://localhost:${port}`,
  ];
  if (stripePort)
    args.push("--var", `STRIPE_API_PORT:${stripePort}`, "--var", "STRIPE_API_HOST:127.0.0.1", "--var", "STRIPE_API_PROTOCOL:http");
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  if (persistTo) args.push("--persist-to", persistTo);
  args.push(...extraArgs);
  // Several wrangler dev processes starting at the same moment (parallel browser tests) can race
  // for one of workerd's internal sockets and lose with "Address already in use": start again, a
  // couple of times, after a short random pause.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchWrangler(args, { port, quiet, traces });
    } catch (e) {
      if (attempt >= 3 || !e.addressInUse) throw e;
      await sleep(500 + Math.random() * 2000);
    }
  }
}

async function launchWrangler(args, { port, quiet, traces }) {
  const child = spawn(npx, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", X_LOCAL_OBSERVABILITY: traces ? "true" : "false" },
    detached: process.platform !== "win32",
  });
  let log = "";
  const onData = (d) => {
    log += d;
    if (!quiet) {
      const s = String(d);
      // Offline runs print a harmless warning about Request.cf; keep the console readable.
      if (!/Request\.cf|ENOTFOUND workers\.cloudflare\.com|onlookupall/.test(s)) process.stdout.write(s);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      // What wrangler started before failing (esbuild's service, workerd) can outlive it and hold
      // our pipes open, which would keep this process — and a test file — alive forever.
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      child.stdout.destroy();
      child.stderr.destroy();
      const error = new Error(`wrangler dev exited early:\n${log}`);
      error.addressInUse = /Address already in use|EADDRINUSE/.test(log);
      throw error;
    }
    try {
      const r = await fetch(`${url}/favicon.svg`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler dev did not become ready in 60 s:\n${log}`);
    await sleep(250);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 5000).unref();
    });
  return { url, child, stop, log: () => log };
}

/** Seeds demo data through the Worker (only works with APP_ENV=development). */
export async function seed(url) {
  const r = await fetch(`${url}/dev/seed`, { method: "POST", headers: { Origin: url } });
  if (!r.ok) throw new Error(`Seeding failed: ${r.status} ${await r.text()}`);
  return r.json();
}
