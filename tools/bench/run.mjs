// `npm run bench`: loopback benchmarks of the built Worker under `wrangler dev`.
// Every figure is printed beside a baseline measured in the same run on the same server: a static
// file of the same size as the page, at the same concurrency. Results → tools/bench/results/.
// Bounded: each page gets DURATION_MS (default 10 s) of load with a fixed number of connections,
// interleaved with its baseline in BENCH_ROUNDS (5) slices so both see the same VM speed.
import http from "node:http";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, migrate, startApp, startStripe } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const STRIPE_PORT = Number(process.env.BENCH_STRIPE_PORT ?? 12141);
const PORT = Number(process.env.BENCH_PORT ?? 8833);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
// Not .html: the assets server redirects "x.html" to "x" (html_handling), which would skew the baseline.
const STATIC_NAME = "__bench-static.txt";
const STATIC_PATH = join("build", "client", STATIC_NAME);
const STATIC_NAME_SEARCH = "__bench-static-search.txt";
const STATIC_PATH_SEARCH = join("build", "client", STATIC_NAME_SEARCH);
const STATIC_NAME_POST = "__bench-static-post.txt";
const STATIC_PATH_POST = join("build", "client", STATIC_NAME_POST);

const { request, loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function post(path, json, headers = {}) {
  const agent = new http.Agent({ keepAlive: false });
  const body = Buffer.from(JSON.stringify(json));
  const r = await request(agent, path, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", Origin: `http://localhost:${PORT}`, ...headers },
  });
  if (r.status !== 200) throw new Error(`${path} → ${r.status}: ${r.body}`);
  return JSON.parse(String(r.body));
}

const verdict = (ok) => (ok ? "PASS" : "MISS");

async function main() {
  // Another worktree's server on this port would silently answer instead of ours.
  const busy = await fetch(`http://127.0.0.1:${PORT}/`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`Port ${PORT} is already in use; set BENCH_PORT to a free port.`);
  // Measure what a deployment runs: wrangler dev otherwise substitutes the host's NODE_ENV
  // ("development") and the server renders with React's slower development build.
  process.env.NODE_ENV = "production";
  // wrangler dev also runs a local trace collector that writes every span of every request (each
  // D1 query, each fetch) into a SQLite file for its local explorer. Deployed Workers have no such
  // collector; left on, it roughly doubles the CPU cost of a server render here (decision D18).
  process.env.X_LOCAL_OBSERVABILITY = "false";
  // And it wraps the Worker in a middleware that drains unread request bodies (a dev-only safety
  // net; deployed Workers have no such wrapper): one more layer of calls on every Worker request.
  process.env.WRANGLER_DISABLE_REQUEST_BODY_DRAINING = "1";
  console.log("▸ Building…");
  build({ quiet: true });
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-"));
  let app, stripe;
  try {
    migrate({ persistTo, quiet: true });
    // The storefront\'s tiers and products go through the local Stripe emulator, as in `npm start`.
    stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
    app = await startApp({ port: PORT, persistTo, quiet: true, stripePort: STRIPE_PORT });
    console.log(
      "▸ Seeding: a storefront with 8 apps (3 screenshots each), 2 products, 3 tiers (one capped), 6 posts and 1,000 followers; 10,000 apps for discovery…",
    );
    const t0 = Date.now();
    const sf = await post("/dev/bench-seed", { op: "storefront", apps: 8, followers: 1000 });
    for (let i = 0; i < 5; i++) await post("/dev/bench-seed", { op: "apps", count: 2000, seed: i + 1 });
    console.log(
      `  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s (storefront /@${sf.handle}: ${sf.followers} followers, ${sf.offerings.products} products, ${sf.offerings.tiers} tiers, ${sf.offerings.posts} posts)`,
    );

    const anon = new http.Agent({ keepAlive: false });
    const page = await request(anon, `/@${sf.handle}`);
    const q = "tutor";
    const search = await request(anon, `/discover?q=${q}`);
    // A public post of the storefront (its page is the same for everyone who may read it).
    const postPath = /href="(\/@[a-z0-9-]+\/posts\/[a-z0-9-]*public[a-z0-9-]*)"/.exec(String(page.body))?.[1];
    if (!postPath) throw new Error("The seeded storefront lists no public post.");
    const postPage = await request(anon, postPath);
    // Same-size static baselines. Writing into build/client makes wrangler dev reload the Worker,
    // so write both now and wait until they are served before measuring anything.
    const fill = (n) => "x".repeat(n);
    writeFileSync(STATIC_PATH, fill(page.body.length));
    writeFileSync(STATIC_PATH_SEARCH, fill(search.body.length));
    writeFileSync(STATIC_PATH_POST, fill(postPage.body.length));
    for (let i = 0; i < 120; i++) {
      const [a, b, c] = await Promise.all([
        request(anon, `/${STATIC_NAME}`),
        request(anon, `/${STATIC_NAME_SEARCH}`),
        request(anon, `/${STATIC_NAME_POST}`),
      ]).catch(() => [{ body: "" }, { body: "" }, { body: "" }]);
      if (a.body.length === page.body.length && b.body.length === search.body.length && c.body.length === postPage.body.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const { cookies } = await post("/dev/bench-seed", { op: "users", count: 1000 });
    const viewerCookie = cookies[0];
    const results = {
      date: new Date().toISOString(),
      durationMs: DURATION_MS,
      pageBytes: page.body.length,
      searchBytes: search.body.length,
      postBytes: postPage.body.length,
      scenarios: {},
      targets: [],
    };
    // A browser that runs the app's scripts carries at_js=1 (set by root.tsx): its signed-in
    // storefront visit is the shared HTML from the edge cache plus one /viewer.json (decision 55).
    const scriptsCookie = `${viewerCookie}; at_js=1`;
    const isHit = (r) => r.headers["x-edge-cache"] === "HIT" || r.headers["x-edge-cache"] === "STALE";

    console.log(`▸ Storefront (${page.body.length} bytes) vs a static file of the same size, 50 connections`);
    // Two interleaved pairs rather than one rotation of three: the signed-in render leaves garbage
    // in the Worker's heap that V8 collects later, and in a rotation that later is the next page's
    // slice (the cache hits'), charging one page's cost to another.
    console.log(
      `  (each pair interleaved: ${ROUNDS} rounds of ${(DURATION_MS / ROUNDS / 1000).toFixed(1)} s per page, each after a warm-up)`,
    );
    const staticSpec = { name: "static file, 50 conns", path: `/${STATIC_NAME}`, connections: 50 };
    const [static50, hit] = await loadInterleaved([
      staticSpec,
      {
        name: "storefront, anonymous (edge cache hit)",
        path: `/@${sf.handle}`,
        connections: 50,
        check: (r) => r.headers["x-edge-cache"] === "HIT" || r.headers["x-edge-cache"] === "STALE",
      },
    ]);
    const [static50b, shared, perViewer] = await loadInterleaved([
      staticSpec,
      {
        name: "storefront, signed in: shared HTML (edge cache)",
        path: `/@${sf.handle}`,
        connections: 50,
        headers: { Cookie: scriptsCookie },
        check: isHit,
      },
      {
        name: "storefront, signed in: /viewer.json",
        path: `/viewer.json?storefront=${sf.handle}`,
        connections: 50,
        headers: { Cookie: scriptsCookie },
        check: (r) => /"following":/.test(String(r.body)),
      },
    ]);
    // One signed-in page view = both requests, one after the other: views/s = 1 / (1/a + 1/b); its
    // p99 is at most the sum of theirs (the sum is what the target is checked against).
    const ssr = {
      name: "storefront, signed in (shared HTML + /viewer.json)",
      rps: 1 / (1 / shared.rps + 1 / perViewer.rps),
      p99: shared.p99 + perViewer.p99,
    };
    console.log(`  ${ssr.name.padEnd(44)} ${ssr.rps.toFixed(0).padStart(6)} views/s        p99 ≤ ${ssr.p99.toFixed(1)} ms`);
    console.log(`▸ Post page (${postPage.body.length} bytes, ${postPath}) vs a static file of the same size, 50 connections`);
    const staticPostSpec = { name: "static file (post page size), 50 conns", path: `/${STATIC_NAME_POST}`, connections: 50 };
    const [static50p, postHit] = await loadInterleaved([
      staticPostSpec,
      { name: "post page, anonymous (edge cache hit)", path: postPath, connections: 50, check: isHit },
    ]);
    const [static50q, postShared, postPerViewer] = await loadInterleaved([
      staticPostSpec,
      {
        name: "post page, signed in: shared HTML (edge cache)",
        path: postPath,
        connections: 50,
        headers: { Cookie: scriptsCookie },
        check: isHit,
      },
      {
        name: "post page, signed in: /viewer.json",
        path: "/viewer.json",
        connections: 50,
        headers: { Cookie: scriptsCookie },
        check: (r) => /"email":/.test(String(r.body)),
      },
    ]);
    const postSsr = {
      name: "post page, signed in (shared HTML + /viewer.json)",
      rps: 1 / (1 / postShared.rps + 1 / postPerViewer.rps),
      p99: postShared.p99 + postPerViewer.p99,
    };
    console.log(`  ${postSsr.name.padEnd(44)} ${postSsr.rps.toFixed(0).padStart(6)} views/s        p99 ≤ ${postSsr.p99.toFixed(1)} ms`);
    console.log(`▸ /discover full-text search over 10,000 apps (q=${q}, signed in so every request runs FTS5), 10 connections`);
    const [static10, fts] = await loadInterleaved([
      { name: "static file (search page size), 10 conns", path: `/${STATIC_NAME_SEARCH}`, connections: 10 },
      { name: `discover ?q=${q}`, path: `/discover?q=${q}`, connections: 10, headers: { Cookie: viewerCookie } },
    ]);
    Object.assign(results.scenarios, {
      static50,
      hit,
      static50b,
      shared,
      perViewer,
      ssr,
      static50p,
      postHit,
      static50q,
      postShared,
      postPerViewer,
      postSsr,
      static10,
      fts,
    });

    console.log("▸ Follow/unfollow storm: 2,000 concurrent requests (1,000 users × follow + unfollow) against one creator");
    const storm = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const origin = `http://localhost:${PORT}`;
    const form = (intent) => Buffer.from(new URLSearchParams({ intent, js: "1" }).toString());
    const ops = cookies
      .flatMap((c) => [
        ["follow", c],
        ["unfollow", c],
      ])
      .sort(() => Math.random() - 0.5);
    const s0 = performance.now();
    const statuses = await Promise.all(
      ops.map(([intent, cookie]) =>
        request(storm, `/@${sf.handle}/follow`, {
          method: "POST",
          body: form(intent),
          headers: { Cookie: cookie, Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
        }).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    const stormSecs = (performance.now() - s0) / 1000;
    storm.destroy();
    await post("/dev/bench-seed", { op: "flush", creatorId: sf.creatorId });
    const counts = await post("/dev/bench-seed", { op: "counts", creatorId: sf.creatorId });
    const sfPage = String((await request(anon, `/@${sf.handle}`)).body);
    const shown = Number((/data-testid="follower-count"[^>]*>([\d,]+) follower/.exec(sfPage)?.[1] ?? "-1").replace(/,/g, ""));
    const okCount = statuses.filter((s) => s === 200).length;
    const agree =
      counts.doCount === counts.doRows &&
      counts.doCount === counts.d1Edges &&
      counts.doCount === counts.d1Count &&
      counts.doCount === shown;
    console.log(
      `  ${ops.length} requests in ${stormSecs.toFixed(2)} s → ${(ops.length / stormSecs).toFixed(0)} follow ops/s (${okCount} × 200)`,
    );
    console.log(
      `  DO count ${counts.doCount} (rows ${counts.doRows}) · D1 edges ${counts.d1Edges} · D1 mirrored count ${counts.d1Count} · storefront shows ${shown} → ${agree ? "all agree" : "DISAGREE"}`,
    );
    results.scenarios.storm = {
      requests: ops.length,
      seconds: stormSecs,
      opsPerSecond: ops.length / stormSecs,
      ok: okCount,
      ...counts,
      storefrontShows: shown,
      agree,
    };

    const targets = [
      ["anonymous storefront (cache hit) req/s ≥ 0.8 × static @50", hit.rps / static50.rps, hit.rps >= 0.8 * static50.rps],
      ["signed-in storefront views/s ≥ 0.3 × static @50", ssr.rps / static50b.rps, ssr.rps >= 0.3 * static50b.rps],
      ["signed-in storefront p99 ≤ 3 × static p99 @50", ssr.p99 / static50b.p99, ssr.p99 <= 3 * static50b.p99],
      ["anonymous post page (cache hit) req/s ≥ 0.8 × static @50", postHit.rps / static50p.rps, postHit.rps >= 0.8 * static50p.rps],
      ["signed-in post page views/s ≥ 0.3 × static @50", postSsr.rps / static50q.rps, postSsr.rps >= 0.3 * static50q.rps],
      ["signed-in post page p99 ≤ 3 × static p99 @50", postSsr.p99 / static50q.p99, postSsr.p99 <= 3 * static50q.p99],
      ["/discover FTS p99 ≤ 3 × static p99 @10", fts.p99 / static10.p99, fts.p99 <= 3 * static10.p99],
      ["storm: DO count = D1 edges = storefront", null, agree],
    ];
    console.log("▸ Targets");
    for (const [label, ratio, ok] of targets) {
      console.log(`  ${verdict(ok)}  ${label}${ratio === null ? "" : `  (ratio ${ratio.toFixed(2)})`}`);
      results.targets.push({ label, ratio, pass: ok });
    }
    mkdirSync("tools/bench/results", { recursive: true });
    const file = join("tools/bench/results", `bench-${results.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(`▸ Wrote ${file}`);
  } finally {
    if (app) await app.stop();
    if (stripe) await stripe.close();
    for (const f of [STATIC_PATH, STATIC_PATH_SEARCH, STATIC_PATH_POST])
      try {
        unlinkSync(f);
      } catch {}
    rmSync(persistTo, { recursive: true, force: true });
  }
}

await main();

// Feed fan-out and /feed read benchmarks (their own server and database; see feed.mjs).
if (!process.env.BENCH_SKIP_FEED) {
  const { runFeedBench } = await import("./feed.mjs");
  await runFeedBench({ buildFirst: false });
}

// The community benchmark (app page with 200 comments and a 100-item board, the signed-in thread,
// a 2,000-vote storm): its own server and database on BENCH_COMMUNITY_PORT (see community.mjs).
if (!process.env.BENCH_SKIP_COMMUNITY) {
  console.log("▸ Community: app page with 200 comments and a 100-item feedback board");
  const { runCommunityBench } = await import("./community.mjs");
  await runCommunityBench({ buildFirst: false });
}

// The public API's entitlement check with a valid token vs a static file at 50 connections: its own
// server and database on BENCH_API_PORT (see api.mjs, decision 0097).
if (!process.env.BENCH_SKIP_API) {
  console.log("▸ API: GET /api/v1/entitlements with a valid token");
  const { runApiBench } = await import("./api.mjs");
  await runApiBench({ buildFirst: false });
}

// Creator analytics: the 12-month analytics page of a creator with 365 days of rollups vs static,
// the storefront's cache hits while every hit records a view, and queue ingestion (events/s): its
// own server and database on BENCH_ANALYTICS_PORT (see analytics.mjs, decision 0091).
if (!process.env.BENCH_SKIP_ANALYTICS) {
  console.log("▸ Analytics: the 12-month page (365 days of rollups), recording while cached, ingestion");
  const { runAnalyticsBench } = await import("./analytics.mjs");
  await runAnalyticsBench({ buildFirst: false });
}

// Services (the 14-day slot list vs static, a 500-hold storm), creators' webhooks (click → signed
// delivery) and growth (Discover with the promoted row): standalone scripts on their own ports, run as
// they are with `npm run bench:<name>`, reusing the build made above.
for (const [name, title] of [
  ["services", "Services: the slot list and a booking storm"],
  ["webhooks", "Creators' webhooks: test events delivered"],
  ["growth", "Growth: Discover with and without the promoted row"],
]) {
  if (process.env[`BENCH_SKIP_${name.toUpperCase()}`]) continue;
  console.log(`▸ ${title}`);
  const r = spawnSync(process.execPath, [`tools/bench/${name}.mjs`], {
    stdio: "inherit",
    env: { ...process.env, BENCH_SKIP_BUILD: "1" },
  });
  if (r.status !== 0) console.log(`  (bench:${name} exited ${r.status}; its output above says why)`);
}

// What a visitor's phone downloads and how fast the first screen paints: Lighthouse's mobile preset
// against the storefront, a post, an app page and /discover (its own server on BENCH_PAGES_PORT; see
// pages.mjs and docs/performance.md).
if (!process.env.BENCH_SKIP_PAGES) {
  console.log("▸ Pages on a phone: Lighthouse, mobile preset");
  const { runPagesBench } = await import("./pages.mjs");
  await runPagesBench({ buildFirst: false });
}
