// `npm run bench:analytics`: (1) the creator analytics page for a creator with 365 days of rollups
// vs a static file of the same size, 10 connections, interleaved (target p99 ≤ 3× static);
// (2) the anonymous storefront (edge-cache hit) while every hit records a page view through the
// analytics queue, vs static (target ≥ 0.8× static req/s); (3) ingestion: page views applied to the
// rollups per second, from the first hit until the rollups stop growing. Ports: BENCH_ANALYTICS_PORT.
import http from "node:http";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, migrate, startApp } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const PORT = Number(process.env.BENCH_ANALYTICS_PORT ?? 8872);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
const STATIC_NAME = "__bench-static-analytics.txt";
const STATIC_PATH = join("build", "client", STATIC_NAME);

const { request, loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });

async function post(path, json) {
  const r = await request(new http.Agent({ keepAlive: false }), path, {
    method: "POST",
    body: Buffer.from(JSON.stringify(json)),
    headers: { "Content-Type": "application/json", Origin: `http://localhost:${PORT}` },
  });
  if (r.status !== 200) throw new Error(`${path} → ${r.status}: ${r.body}`);
  return JSON.parse(String(r.body));
}

async function sameSizeStatic(bytes) {
  writeFileSync(STATIC_PATH, "x".repeat(bytes));
  const anon = new http.Agent({ keepAlive: false });
  for (let i = 0; i < 120; i++) {
    const s = await request(anon, `/${STATIC_NAME}`).catch(() => ({ body: "" }));
    if (s.body.length === bytes) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runAnalyticsBench({ buildFirst = process.env.BENCH_SKIP_BUILD !== "1" } = {}) {
  const busy = await fetch(`http://127.0.0.1:${PORT}/`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`Port ${PORT} is already in use; set BENCH_ANALYTICS_PORT to a free port.`);
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false";
  if (buildFirst) build({ quiet: true });
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-analytics-"));
  let app;
  try {
    migrate({ persistTo, quiet: true });
    app = await startApp({ port: PORT, persistTo, quiet: true });
    console.log("▸ Seeding: a creator with 2 apps and 365 days of analytics rollups…");
    const seeded = await post("/dev/bench-seed", { op: "analytics", days: 365 });
    const agent = new http.Agent({ keepAlive: false });
    const pagePath = "/dashboard/analytics?range=12m";
    const page = await request(agent, pagePath, { headers: { Cookie: seeded.cookie } });
    if (page.status !== 200 || !String(page.body).includes("Monthly recurring revenue")) throw new Error(`analytics page: ${page.status}`);
    await sameSizeStatic(page.body.length);
    console.log(`▸ Analytics page, 12 months (${page.body.length} bytes) vs a static file of the same size, 10 connections`);
    const [static10, analytics] = await loadInterleaved([
      { name: "static file, 10 conns", path: `/${STATIC_NAME}`, connections: 10 },
      { name: "analytics page (365 days), signed in", path: pagePath, connections: 10, headers: { Cookie: seeded.cookie } },
    ]);

    const store = `/@${seeded.handle}`;
    const shop = await request(agent, store);
    await request(agent, store); // fill the edge cache
    await sameSizeStatic(shop.body.length);
    const before = (await post("/dev/bench-seed", { op: "analyticsViews", creatorId: seeded.creatorId })).views;
    const isHit = (r) => r.headers["x-edge-cache"] === "HIT" || r.headers["x-edge-cache"] === "STALE";
    console.log(`▸ Anonymous storefront (${shop.body.length} bytes, every hit records a view) vs static, 10 connections`);
    const t0 = performance.now();
    const [static10b, hit] = await loadInterleaved([
      { name: "static file, 10 conns", path: `/${STATIC_NAME}`, connections: 10 },
      { name: "storefront, anonymous (cache hit + view)", path: store, connections: 10, check: isHit },
    ]);
    // Views sent = every storefront request (warm-up included); wait until the rollups stop growing.
    let views = before;
    let lastGrowth = performance.now();
    for (let i = 0; i < 240; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = (await post("/dev/bench-seed", { op: "analyticsViews", creatorId: seeded.creatorId })).views;
      if (now > views) {
        views = now;
        lastGrowth = performance.now();
      } else if (performance.now() - lastGrowth > 5000) break;
    }
    const applied = views - before;
    const secs = (lastGrowth - t0) / 1000;
    console.log(
      `  ingestion: ${applied} page views applied to the rollups in ${secs.toFixed(1)} s → ${(applied / secs).toFixed(0)} events/s`,
    );

    const targets = [
      {
        name: "analytics page (365 days) p99 ≤ 3× static p99 (10 conns)",
        value: analytics.p99 / static10.p99,
        ok: analytics.p99 <= 3 * static10.p99 && analytics.errors === 0,
      },
      {
        name: "storefront cache hit while recording ≥ 0.8× static req/s",
        value: hit.rps / static10b.rps,
        ok: hit.rps >= 0.8 * static10b.rps && hit.errors === 0,
      },
      { name: "ingestion events/s (every storefront hit counted once)", value: applied / secs, ok: applied > 0 },
    ];
    console.log("▸ Targets");
    for (const x of targets) console.log(`  ${x.ok ? "PASS" : "MISS"}  ${x.name}: ${x.value.toFixed(2)}`);
    mkdirSync("tools/bench/results", { recursive: true });
    const file = `tools/bench/results/analytics-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    writeFileSync(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          durationMs: DURATION_MS,
          scenarios: { static10, analytics, static10b, hit },
          ingestion: { applied, secs },
          targets,
        },
        null,
        2,
      ),
    );
    console.log(`▸ Saved ${file}`);
    return targets;
  } finally {
    await app?.stop();
    try {
      unlinkSync(STATIC_PATH);
    } catch {}
    rmSync(persistTo, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAnalyticsBench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
