// The production build (`npm run build:production`, what `npm run deploy` ships) leaves out the
// development-only routes (dev.*) and the demo and benchmark code behind them (decision 0057).
// Builds into a temporary folder, so the usual build/ is left alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("the production build has no dev.* routes and no demo code", () => {
  const dir = mkdtempSync(join(tmpdir(), "allthrive-production-build-"));
  try {
    const r = spawnSync("npx", ["remix", "vite:build"], {
      encoding: "utf8",
      env: { ...process.env, ALLTHRIVE_BUILD: "production", ALLTHRIVE_BUILD_DIR: join(dir, "build") },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const server = readFileSync(join(dir, "build", "server", "index.js"), "utf8");
    assert.match(server, /"routes\/feed"/, "the build holds the app's routes");
    assert.deepEqual([...new Set(server.match(/"routes\/dev\.[^"]*"/g) ?? [])], [], "no development-only route is built");
    assert.ok(!server.includes("thrive-demo-2026"), "the demo factories (and their demo password) are not in the bundle");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
