// `npm test`: build → typecheck → lint + import graph → format check → workerd tests → bundle check → emulator tests → browser tests.
// Exits non-zero on the first failing stage.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
function stage(name, cmd, args) {
  console.log(`\n━━ ${name} ━━`);
  const t = Date.now();
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed (exit ${r.status}).`);
    process.exit(r.status || 1);
  }
  console.log(`✓ ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

stage("Build (remix vite:build)", "npx", ["remix", "vite:build"]);
// The browser tests (and `npm start` inside the restart test) reuse this build instead of rebuilding.
env.ALLTHRIVE_SKIP_BUILD = "1";
stage("Typecheck (tsc)", "npx", ["tsc"]);
stage("Lint (eslint + import graph)", "npm", ["run", "--silent", "lint"]);
stage("Format (prettier --check)", "npm", ["run", "--silent", "format:check"]);
stage("Worker tests in workerd (vitest)", "npx", ["vitest", "run"]);

const out = mkdtempSync(join(tmpdir(), "allthrive-bundle-"));
stage("Deploy dry run (wrangler deploy --dry-run)", "npx", ["wrangler", "deploy", "--dry-run", "--outdir", out]);
let raw = 0,
  gz = 0;
for (const f of readdirSync(out)) {
  const p = join(out, f);
  if (statSync(p).isFile() && /\.(m?js|wasm)$/.test(f)) {
    const buf = readFileSync(p);
    raw += buf.length;
    gz += gzipSync(buf).length;
  }
}
console.log(
  `Worker bundle: ${(raw / 1024).toFixed(0)} KiB raw, ${(gz / 1024).toFixed(0)} KiB gzip (free plan limit: 3 MiB gzip) — ${gz < 3 * 1024 * 1024 ? "OK" : "TOO BIG"}`,
);
if (gz >= 3 * 1024 * 1024) process.exit(1);

stage("Docs: links, named files, decision index (node:test)", "node", ["--test", "tools/docs.test.mjs"]);
stage("Dependencies as published (node:test)", "node", ["--test", "tools/deps-as-published.test.mjs"]);
stage("Tool tests: production build without dev.* routes, dates in UTC (node:test)", "node", [
  "--test",
  "tools/production-build.test.mjs",
  "tools/dates.test.mjs",
]);
if (existsSync("tools/stripe-emulator")) stage("Stripe emulator tests (node:test)", "node", ["--test", "tools/stripe-emulator/*.test.mjs"]);
stage("Capacity projection tests (node:test)", "node", ["--test", "tools/capacity.test.mjs"]);
stage("OpenAPI document validates (node:test)", "node", ["--test", "tools/openapi.test.mjs"]);
// Two browser-test files at a time: each starts its own app, emulator and Chromium on its own ports,
// and a single file spends most of its time waiting on a server (decision D90).
const e2eConcurrency = process.env.E2E_CONCURRENCY ?? "2";
stage(`Browser tests (playwright-core + chromium, ${e2eConcurrency} files at a time)`, "node", [
  "--test",
  `--test-concurrency=${e2eConcurrency}`,
  "tools/e2e/*.test.mjs",
]);
