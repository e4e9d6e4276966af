// `npm run bench:pages`: what a visitor's phone downloads and how fast the first screen paints.
// Builds the app, starts it under `wrangler dev` (NODE_ENV=production) with the demo seed (the same
// data `npm start` shows), and runs Lighthouse's mobile preset (simulated slow 4G, 4× CPU slowdown)
// with Debian's chromium against the storefront, a post, an app page and /discover — RUNS (3) times
// each, as an anonymous visitor. Prints per page the median LCP, the JavaScript the page loaded
// (gzip bytes, measured here from the files themselves so wrangler dev's lack of compression doesn't
// matter), and the four category scores; then the anonymous storefront's edge-cache-hit throughput
// beside a static file of the same size, interleaved in the same run. Results →
// tools/bench/results/pages-*.json. Not part of `npm test`.
import http from "node:http";
import { gzipSync } from "node:zlib";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";
import { build, migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const PORT = Number(process.env.BENCH_PAGES_PORT ?? 8902);
const STRIPE_PORT = Number(process.env.BENCH_PAGES_STRIPE_PORT ?? 12302);
const RUNS = Number(process.env.BENCH_PAGES_RUNS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 6000);
const STATIC_NAME = "__bench-static-pages.txt";
const STATIC_PATH = join("build", "client", STATIC_NAME);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
// BENCH_PAGES_SKIP_LIGHTHOUSE=1: only the cache-hit throughput (a quick loop for profiling the hit path).
const SKIP_LIGHTHOUSE = process.env.BENCH_PAGES_SKIP_LIGHTHOUSE === "1";

const { request, loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** gzip size of every script a Lighthouse run saw (fetched again here, from the same server). */
async function scriptGzipBytes(lhr) {
  const items = lhr.audits["network-requests"]?.details?.items ?? [];
  const urls = [...new Set(items.filter((i) => i.resourceType === "Script").map((i) => i.url))];
  let total = 0;
  const files = [];
  for (const u of urls) {
    const body = Buffer.from(await (await fetch(u)).arrayBuffer());
    const gz = gzipSync(body, { level: 9 }).length;
    total += gz;
    files.push({ url: new URL(u).pathname, bytes: body.length, gzip: gz });
  }
  return { total, files };
}

/**
 * gzip bytes of every module the page's HTML lists for hydration (Remix's module preloads, live or
 * made inert until the first interaction): what the page loads once it hydrates.
 */
async function hydrationGzipBytes(baseUrl, html) {
  const hrefs = [...new Set([...html.matchAll(/<link rel="(?:x-)?modulepreload" href="([^"]+)"/g)].map((m) => m[1]))];
  let total = 0;
  for (const h of hrefs) total += gzipSync(Buffer.from(await (await fetch(baseUrl + h)).arrayBuffer()), { level: 9 }).length;
  return total;
}

async function lighthouseRun(url) {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    userDataDir: mkdtempSync(join(tmpdir(), "allthrive-lh-")),
    chromeFlags: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    // No config: Lighthouse's default is the mobile preset (Moto G Power, simulated slow 4G).
    // No full-page screenshot: to take it Lighthouse stretches the viewport over the whole page,
    // which puts every element on screen (and would start hydration on intent, decision 0106) —
    // nothing a phone's visitor does. It takes no part in any metric.
    const result = await lighthouse(url, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: CATEGORIES,
      disableFullPageScreenshot: true,
    });
    return result.lhr;
  } finally {
    await chrome.kill();
  }
}

export async function runPagesBench({ buildFirst = process.env.BENCH_SKIP_BUILD !== "1" } = {}) {
  const busy = await fetch(`http://127.0.0.1:${PORT}/`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`Port ${PORT} is already in use; set BENCH_PAGES_PORT to a free port.`);
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false";
  process.env.WRANGLER_DISABLE_REQUEST_BODY_DRAINING = "1";
  if (buildFirst) {
    console.log("▸ Building…");
    build({ quiet: true });
  }
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-pages-"));
  let app, stripe;
  try {
    migrate({ persistTo, quiet: true });
    stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
    app = await startApp({ port: PORT, persistTo, quiet: true, stripePort: STRIPE_PORT });
    console.log("▸ Seeding the demo data (as `npm start`)…");
    await seed(app.url);
    const anon = new http.Agent({ keepAlive: false });
    const storefront = "/@maya-builds";
    const sfHtml = String((await request(anon, storefront)).body);
    const postPath = /href="(\/@maya-builds\/posts\/[a-z0-9-]+)"/.exec(sfHtml)?.[1];
    const appPath = /href="(\/apps\/[a-z0-9-]+)"/.exec(sfHtml)?.[1];
    if (!postPath || !appPath) throw new Error("The demo storefront lists no post or no app.");
    const pages = [
      { name: "storefront", path: storefront },
      { name: "post", path: postPath },
      { name: "app", path: appPath },
      { name: "discover", path: "/discover" },
    ];
    // Fill the edge cache, as a visitor after the first would find it.
    for (const p of pages) for (let i = 0; i < 2; i++) await request(anon, p.path);

    const results = { date: new Date().toISOString(), runs: RUNS, pages: {}, throughput: null };
    if (!SKIP_LIGHTHOUSE) console.log(`▸ Lighthouse, mobile preset, ${RUNS} runs per page (anonymous visitor)`);
    for (const p of SKIP_LIGHTHOUSE ? [] : pages) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        const lhr = await lighthouseRun(`${app.url}${p.path}`);
        const js = await scriptGzipBytes(lhr);
        runs.push({
          lcp: lhr.audits["largest-contentful-paint"].numericValue,
          fcp: lhr.audits["first-contentful-paint"].numericValue,
          tbt: lhr.audits["total-blocking-time"].numericValue,
          cls: lhr.audits["cumulative-layout-shift"].numericValue,
          jsGzip: js.total,
          // Where the main thread's time went (ms, simulated 4× slower CPU) and its long tasks.
          mainThread: (lhr.audits["mainthread-work-breakdown"]?.details?.items ?? []).map((i) => [i.group, Math.round(i.duration)]),
          longTasks: (lhr.audits["long-tasks"]?.details?.items ?? []).map((i) => [i.url, Math.round(i.duration), Math.round(i.startTime)]),
          jsFiles: js.files,
          scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)])),
          failing: Object.values(lhr.audits)
            .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== "informative" && a.scoreDisplayMode !== "manual")
            .map((a) => a.id),
        });
      }
      const html = String((await request(anon, p.path)).body);
      const m = {
        path: p.path,
        jsOnInteractionGzipBytes: await hydrationGzipBytes(app.url, html),
        lcpMs: median(runs.map((r) => r.lcp)),
        fcpMs: median(runs.map((r) => r.fcp)),
        tbtMs: median(runs.map((r) => r.tbt)),
        cls: median(runs.map((r) => r.cls)),
        jsGzipBytes: median(runs.map((r) => r.jsGzip)),
        scores: Object.fromEntries(CATEGORIES.map((c) => [c, median(runs.map((r) => r.scores[c]))])),
        failingAudits: [...new Set(runs.flatMap((r) => r.failing))],
        jsFiles: runs[0].jsFiles,
        runs,
      };
      results.pages[p.name] = m;
      console.log(
        `  ${p.name.padEnd(11)} LCP ${(m.lcpMs / 1000).toFixed(2)} s  FCP ${(m.fcpMs / 1000).toFixed(2)} s  JS ${(m.jsGzipBytes / 1024).toFixed(1)} KB gz` +
          ` (${(m.jsOnInteractionGzipBytes / 1024).toFixed(1)} KB once hydrated)  TBT ${Math.round(m.tbtMs)} ms  ` +
          `perf ${m.scores.performance} a11y ${m.scores.accessibility} bp ${m.scores["best-practices"]} seo ${m.scores.seo}` +
          (m.failingAudits.length ? `  (below 0.9: ${m.failingAudits.join(", ")})` : ""),
      );
    }

    // Anonymous cache-hit throughput vs a static file of the same size, interleaved in this run.
    const page = await request(anon, storefront);
    writeFileSync(STATIC_PATH, "x".repeat(page.body.length));
    for (let i = 0; i < 120; i++) {
      const s = await request(anon, `/${STATIC_NAME}`).catch(() => ({ body: "" }));
      if (s.body.length === page.body.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    await request(anon, storefront); // the reload above starts a new isolate: refill its memo
    const isHit = (r) => r.headers["x-edge-cache"] === "HIT" || r.headers["x-edge-cache"] === "STALE";
    // The demo seed's follows land through the creator graph and the queues for a while after it
    // returns, and each one moves the storefront's key (its follower count): measure the steady
    // state, once the page has stayed a cache hit for 5 s.
    for (let streak = 0, i = 0; streak < 10 && i < 600; i++) {
      streak = isHit(await request(anon, storefront)) ? streak + 1 : 0;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`▸ Storefront (${page.body.length} bytes) cache hit vs a static file of the same size, 50 connections`);
    const [stat, hit] = await loadInterleaved([
      { name: "static file, 50 conns", path: `/${STATIC_NAME}`, connections: 50 },
      { name: "storefront, anonymous (edge cache hit)", path: storefront, connections: 50, check: isHit },
    ]);
    results.throughput = { static: stat, hit, ratio: hit.rps / stat.rps };

    const targets = [];
    for (const [name, m] of Object.entries(results.pages)) {
      targets.push([`${name}: LCP ≤ 1.8 s`, `${(m.lcpMs / 1000).toFixed(2)} s`, m.lcpMs <= 1800]);
      targets.push([`${name}: JS ≤ 75 KB gzip`, `${(m.jsGzipBytes / 1024).toFixed(1)} KB`, m.jsGzipBytes <= 75 * 1024]);
      targets.push([`${name}: performance ≥ 98`, m.scores.performance, m.scores.performance >= 98]);
      const rest = ["accessibility", "best-practices", "seo"];
      targets.push([
        `${name}: a11y/best practices/SEO 100`,
        rest.map((c) => m.scores[c]).join("/"),
        rest.every((c) => m.scores[c] === 100),
      ]);
    }
    targets.push([
      "anonymous storefront cache hit ≥ 0.8× static req/s",
      `${results.throughput.ratio.toFixed(2)}×`,
      results.throughput.ratio >= 0.8 && hit.errors === 0,
    ]);
    console.log("▸ Targets");
    for (const [label, value, ok] of targets) console.log(`  ${ok ? "PASS" : "MISS"}  ${label}: ${value}`);
    results.targets = targets.map(([label, value, pass]) => ({ label, value, pass }));
    mkdirSync("tools/bench/results", { recursive: true });
    const file = join("tools/bench/results", `pages-${results.date.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(`▸ Wrote ${file}`);
    return results;
  } finally {
    if (app) await app.stop();
    if (stripe) await stripe.close();
    try {
      unlinkSync(STATIC_PATH);
    } catch {}
    rmSync(persistTo, { recursive: true, force: true });
  }
}

// Run directly (`npm run bench:pages`), or from `npm run bench` (tools/bench/run.mjs).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  runPagesBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
