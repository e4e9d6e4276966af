// `npm test`: build → workerd tests ‖ typecheck ‖ lint + import graph ‖ format check ‖ node:test suites ‖
// deploy dry run → bundle check → browser tests. Exits non-zero after the first failing stage.
import { spawn, spawnSync } from "node:child_process";
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

/**
 * Runs independent checks at the same time, buffering each one's output and printing it whole when
 * it ends, so the log stays readable. A stage marked `live` prints as it goes instead (the long
 * workerd tests); one marked `background` runs under `nice`, so it only takes CPU the others leave
 * idle and never slows the timing-sensitive tests beside it (decision 0143). Fails after all have
 * ended if any failed, naming each failure.
 */
async function together(stages) {
  console.log(`\n━━ ${stages.map((s) => s[0]).join(" ‖ ")} ━━`);
  const t = Date.now();
  const results = await Promise.all(
    stages.map(
      ([name, cmd, args, opts = {}]) =>
        new Promise((resolve) => {
          const started = Date.now();
          const niced = opts.background && process.platform !== "win32";
          const child = spawn(niced ? "nice" : cmd, niced ? ["-n", "10", cmd, ...args] : args, {
            env,
            stdio: ["ignore", opts.live ? "inherit" : "pipe", opts.live ? "inherit" : "pipe"],
          });
          const out = [];
          child.stdout?.on("data", (d) => out.push(d));
          child.stderr?.on("data", (d) => out.push(d));
          child.on("close", (code) => {
            console.log(`\n── ${name} ──`);
            process.stdout.write(Buffer.concat(out));
            const secs = ((Date.now() - started) / 1000).toFixed(1);
            console.log(code === 0 ? `✓ ${name} (${secs} s)` : `✗ ${name} failed (exit ${code}, ${secs} s).`);
            resolve({ name, code });
          });
        }),
    ),
  );
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length) {
    console.error(`\n✗ failed: ${failed.map((f) => f.name).join(", ")}`);
    process.exit(1);
  }
  console.log(`✓ all ${stages.length} checks (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

stage("Build (remix vite:build)", "npx", ["remix", "vite:build"]);
// The browser tests (and `npm start` inside the restart test) reuse this build instead of rebuilding.
env.ALLTHRIVE_SKIP_BUILD = "1";
// The workerd tests spend much of their time waiting (on the emulator, queues, timers), leaving CPU
// idle: the static checks, the quick node:test suites and the deploy dry run (none depends on
// another) run beside them, niced, instead of as stages of their own before and after them.
const nodeTests = [
  "tools/docs.test.mjs",
  "tools/deps-as-published.test.mjs",
  "tools/production-build.test.mjs",
  "tools/dates.test.mjs",
  "tools/capacity.test.mjs",
  "tools/openapi.test.mjs",
  ...(existsSync("tools/stripe-emulator") ? ["tools/stripe-emulator/*.test.mjs"] : []),
];
const out = mkdtempSync(join(tmpdir(), "allthrive-bundle-"));
const background = { background: true };
await together([
  ["Worker tests in workerd (vitest)", "npx", ["vitest", "run"], { live: true }],
  ["Typecheck (tsc)", "npx", ["tsc"], background],
  ["Lint (eslint + import graph)", "npm", ["run", "--silent", "lint"], background],
  ["Format (prettier --check)", "npm", ["run", "--silent", "format:check"], background],
  [
    "Docs, dependencies as published, production build without dev.* routes, UTC dates, capacity, OpenAPI, Stripe emulator (node:test)",
    "node",
    ["--test", "--test-concurrency=1", ...nodeTests],
    background,
  ],
  ["Deploy dry run (wrangler deploy --dry-run)", "npx", ["wrangler", "deploy", "--dry-run", "--outdir", out], background],
]);

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

// Two browser-test files at a time: each starts its own app, emulator and Chromium on its own ports,
// and a single file spends most of its time waiting on a server (decision D90).
const e2eConcurrency = process.env.E2E_CONCURRENCY ?? "2";
stage(`Browser tests (playwright-core + chromium, ${e2eConcurrency} files at a time)`, "node", [
  "--test",
  `--test-concurrency=${e2eConcurrency}`,
  "tools/e2e/*.test.mjs",
]);
