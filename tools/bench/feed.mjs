// Feed benchmarks, run at the end of `npm run bench` or alone: `node tools/bench/feed.mjs`
// (through npx/npm so it runs on Node 24).
//  1. Fan-out: one post by a creator with 100,000 followers (and beside it 1,000) — time until every
//     follower's stored feed has it, fan-out messages and rows per second, and proof that nobody got
//     it twice and nobody was missed. FANOUT_THRESHOLD is raised for this server so 100,000 still
//     fans out on write (the default, 10,000, would merge it at read time instead).
//  2. /feed for a user following 200 creators (400 posts): req/s, p50/p99 at 20 connections beside
//     a static file of the same size from the same server in the same run (target p99 ≤ 3 × static).
// Bounded: followers are seeded 10,000 per request; each page gets BENCH_DURATION_MS (default
// 10 s) of load, interleaved with its static baseline in BENCH_ROUNDS (5) slices.
import http from "node:http";
import { mkdtempSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, migrate, startApp } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const PORT = Number(process.env.BENCH_FEED_PORT ?? 8834);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
const BIG = Number(process.env.BENCH_FANOUT_FOLLOWERS ?? 100_000);
const SMALL = 1000;
const STATIC_NAME = "__bench-feed-static.txt";
const STATIC_PATH = join("build", "client", STATIC_NAME);

const { request, load, loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function post(json) {
  const r = await request(new http.Agent({ keepAlive: false }), "/dev/bench-feed", {
    method: "POST",
    body: Buffer.from(JSON.stringify(json)),
    headers: { "Content-Type": "application/json", Origin: `http://localhost:${PORT}` },
  });
  if (r.status !== 200) throw new Error(`bench-feed ${json.op} → ${r.status}: ${r.body}`);
  return JSON.parse(String(r.body));
}

async function fanout(label, followers, tag, pageSize, pagesPerMessage = 10) {
  const c = await post({ op: "creator" });
  const s0 = Date.now();
  for (let from = 0; from < followers; from += 10_000)
    await post({ op: "followers", creatorId: c.creatorId, tag, from, count: Math.min(10_000, followers - from) });
  console.log(`  ${label}: seeded ${followers.toLocaleString()} followers in ${((Date.now() - s0) / 1000).toFixed(1)} s`);
  const t0 = performance.now();
  const { postId, delivery } = await post({ op: "publish", creatorId: c.creatorId, title: `Fan-out to ${followers}` });
  let p;
  for (;;) {
    p = await post({ op: "progress", creatorId: c.creatorId, postId });
    if (p.delivered >= p.followers || performance.now() - t0 > 300_000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const secs = (performance.now() - t0) / 1000;
  const pages = Math.ceil(followers / pageSize);
  const messages = Math.ceil(pages / pagesPerMessage);
  const ok = p.delivered === followers && p.missed === 0 && p.duplicates === 0 && p.notifiedTwice === 0;
  console.log(
    `  ${label}: ${delivery} · all ${p.delivered.toLocaleString()} feeds have it after ${secs.toFixed(1)} s · ${messages} fan-out messages of ≤${pagesPerMessage} pages (${(messages / secs).toFixed(1)} msg/s, ${(pages / secs).toFixed(1)} pages/s) · ${(p.delivered / secs).toFixed(0)} feed rows/s (+ ${p.notified.toLocaleString()} notifications)`,
  );
  console.log(
    `  ${label}: missed ${p.missed} · delivered twice ${p.duplicates} · notified twice ${p.notifiedTwice} → ${ok ? "exactly once" : "NOT exactly once"}`,
  );
  return {
    followers,
    seconds: secs,
    delivery,
    pages,
    messages,
    messagesPerSecond: messages / secs,
    pagesPerSecond: pages / secs,
    rowsPerSecond: p.delivered / secs,
    ...p,
    exactlyOnce: ok,
  };
}

export async function runFeedBench({ buildFirst = true } = {}) {
  // wrangler dev replaces process.env.NODE_ENV with the host's NODE_ENV (default "development"), which
  // would run React's development build on the server. Measure what a deployment runs.
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false"; // wrangler dev's local trace collector: see run.mjs
  process.env.WRANGLER_DISABLE_REQUEST_BODY_DRAINING = "1"; // dev-only middleware: see run.mjs

  const busy = await fetch(`http://127.0.0.1:${PORT}/`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`Port ${PORT} is already in use; set BENCH_FEED_PORT to a free port.`);
  if (buildFirst) build({ quiet: true });
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-feed-"));
  let app;
  try {
    migrate({ persistTo, quiet: true });
    app = await startApp({ port: PORT, persistTo, quiet: true, vars: { FANOUT_THRESHOLD: "1000000" } });
    const results = { date: new Date().toISOString(), durationMs: DURATION_MS, scenarios: {}, targets: [] };
    console.log(`▸ Feed fan-out through the queue (pages of 1,000 followers, ≤10 pages per message, threshold raised to 1,000,000)`);
    results.scenarios.fanoutSmall = await fanout(`${SMALL.toLocaleString()} followers`, SMALL, "s", 1000);
    results.scenarios.fanoutBig = await fanout(`${BIG.toLocaleString()} followers`, BIG, "b", 1000);

    console.log("▸ /feed for a user following 200 creators (2 posts each, published through the queue), 20 connections");
    const r0 = Date.now();
    const reader = await post({ op: "reader", tag: "r", from: 0, creators: 50, postsEach: 2 });
    for (let from = 50; from < 200; from += 50)
      await post({ op: "reader", tag: "r", from, creators: 50, postsEach: 2, readerId: reader.readerId });
    console.log(`  seeded 200 creators and 400 posts in ${((Date.now() - r0) / 1000).toFixed(1)} s`);
    const { cookie } = await post({ op: "session", userId: reader.readerId });
    const anon = new http.Agent({ keepAlive: false });
    // Wait until the fan-out of all 400 posts has landed, so no background work skews the measurement.
    for (let i = 0; i < 240 && (await post({ op: "feedSize", userId: reader.readerId })).items < 400; i++)
      await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1000));
    const page = await request(anon, "/feed", { headers: { Cookie: cookie } });
    writeFileSync(STATIC_PATH, "x".repeat(page.body.length));
    for (let i = 0; i < 120; i++) {
      const s = await request(anon, `/${STATIC_NAME}`).catch(() => ({ body: "" }));
      if (s.body.length === page.body.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`  (interleaved: ${ROUNDS} rounds of ${(DURATION_MS / ROUNDS / 1000).toFixed(1)} s per page, each after a warm-up)`);
    const [stat, feed] = await loadInterleaved([
      { name: "static file (feed page size), 20 conns", path: `/${STATIC_NAME}`, connections: 20 },
      {
        name: "/feed (200 creators followed), 20 conns",
        path: "/feed",
        connections: 20,
        headers: { Cookie: cookie },
        check: (r) => String(r.body).includes("Your feed"),
      },
    ]);
    // For context, on its own (so its garbage isn't collected during /feed's slices): the cheapest
    // signed-in page (session + root loader + SSR, no feed work).
    const [floor] = await loadInterleaved([
      { name: "/settings (signed-in SSR floor), 20 conns", path: "/settings", connections: 20, headers: { Cookie: cookie } },
    ]);
    results.scenarios.signedInFloor = floor;
    const staticP99 = stat.p99;
    if (process.env.BENCH_FEED_DATA)
      results.scenarios.feedData = await load("/feed.data (loaders only), 20 conns", "/feed.data", {
        connections: 20,
        headers: { Cookie: cookie },
      });
    results.scenarios.feedStatic = stat;
    results.scenarios.feed = { ...feed, bytes: page.body.length };
    const targets = [
      [`fan-out to ${BIG.toLocaleString()} followers < 60 s`, results.scenarios.fanoutBig.seconds < 60],
      [
        "fan-out exactly once (no duplicates, none missed) — both sizes",
        results.scenarios.fanoutBig.exactlyOnce && results.scenarios.fanoutSmall.exactlyOnce,
      ],
      [`/feed p99 ≤ 3 × static p99 @20 (ratio ${(feed.p99 / staticP99).toFixed(2)})`, feed.p99 <= 3 * staticP99],
    ];
    console.log("▸ Feed targets");
    for (const [label, ok] of targets) {
      console.log(`  ${ok ? "PASS" : "MISS"}  ${label}`);
      results.targets.push({ label, pass: ok });
    }
    mkdirSync("tools/bench/results", { recursive: true });
    const file = join("tools/bench/results", `feed-${results.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(`▸ Wrote ${file}`);
    return results;
  } finally {
    if (app) await app.stop();
    try {
      unlinkSync(STATIC_PATH);
    } catch {}
    rmSync(persistTo, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runFeedBench();
