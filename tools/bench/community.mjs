// `npm run bench:community`: an app page with 200 comments and a 100-item feedback board.
// Measured beside a same-size static file in the same run: the anonymous app page (edge-cache hit,
// target ≥ 0.8× static req/s), the signed-in comment thread /comments/app/:id — the per-viewer part
// of the app page (target p99 ≤ 3× static at 20 connections) — and a vote storm: 2,000 upvote
// requests at once on one item from 1,000 people (each twice), reporting votes/s and whether the
// stored count and the rows are both exactly 1,000. Results → tools/bench/results/community-*.json.
import http from "node:http";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build, migrate, startApp } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const PORT = Number(process.env.BENCH_COMMUNITY_PORT ?? 8843);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
const STATIC_NAME = "__bench-static-community.txt";
const STATIC_PATH = join("build", "client", STATIC_NAME);
const VOTERS = Number(process.env.BENCH_VOTERS ?? 1000);

const { request, loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });

async function post(path, json) {
  const agent = new http.Agent({ keepAlive: false });
  const r = await request(agent, path, {
    method: "POST",
    body: Buffer.from(JSON.stringify(json)),
    headers: { "Content-Type": "application/json", Origin: `http://localhost:${PORT}` },
  });
  if (r.status !== 200) throw new Error(`${path} → ${r.status}: ${r.body}`);
  return JSON.parse(String(r.body));
}

export async function runCommunityBench({ buildFirst = process.env.BENCH_SKIP_BUILD !== "1" } = {}) {
  const busy = await fetch(`http://127.0.0.1:${PORT}/`).then(
    () => true,
    () => false,
  );
  if (busy) throw new Error(`Port ${PORT} is already in use; set BENCH_COMMUNITY_PORT to a free port.`);
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false";
  process.env.WRANGLER_DISABLE_REQUEST_BODY_DRAINING = "1";
  if (buildFirst) {
    console.log("▸ Building…");
    build({ quiet: true });
  }
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-community-"));
  let app;
  try {
    migrate({ persistTo, quiet: true });
    app = await startApp({ port: PORT, persistTo, quiet: true });
    console.log(`▸ Seeding: an app with 200 comments, a 100-item feedback board, ${VOTERS} verified voters…`);
    const seeded = await post("/dev/bench-seed", { op: "community", comments: 200, items: 100, voters: VOTERS });
    const anon = new http.Agent({ keepAlive: false });
    const page = await request(anon, `/apps/${seeded.slug}`);
    await request(anon, `/apps/${seeded.slug}`); // fill the edge cache
    writeFileSync(STATIC_PATH, "x".repeat(page.body.length));
    for (let i = 0; i < 120; i++) {
      const s = await request(anon, `/${STATIC_NAME}`).catch(() => ({ body: "" }));
      if (s.body.length === page.body.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const cookie = seeded.cookies[0];
    const thread = await request(anon, `/comments/app/${seeded.appId}`, { headers: { Cookie: cookie } });
    if (thread.status !== 200 || !String(thread.body).includes("200 comments")) throw new Error(`thread: ${thread.status}`);

    const isHit = (r) => r.headers["x-edge-cache"] === "HIT" || r.headers["x-edge-cache"] === "STALE";
    console.log(`▸ App page (${page.body.length} bytes) vs a static file of the same size`);
    const [static50, hit] = await loadInterleaved([
      { name: "static file, 50 conns", path: `/${STATIC_NAME}`, connections: 50 },
      { name: "app page, anonymous (edge cache hit)", path: `/apps/${seeded.slug}`, connections: 50, check: isHit },
    ]);
    // What the app page's comments section asks for in a browser that runs scripts: the thread's
    // `.data` (Remix single fetch), rendered for this viewer and never cached. The no-script thread
    // page (the same loader inside the whole HTML document) is printed beside it for reference.
    const threadData = `/comments/app/${seeded.appId}.data?sort=new&embed=1&_route=${encodeURIComponent("routes/comments.$type.$id")}`;
    const [static20, signed, signedHtml] = await loadInterleaved([
      { name: "static file, 20 conns", path: `/${STATIC_NAME}`, connections: 20 },
      {
        name: "comment thread .data, signed in",
        path: threadData,
        connections: 20,
        headers: { Cookie: cookie },
        check: (r) => String(r.body).includes("Comment 199"),
      },
      {
        name: "comment thread page (no-script), signed in",
        path: `/comments/app/${seeded.appId}`,
        connections: 20,
        headers: { Cookie: cookie },
        check: (r) => String(r.body).includes("200 comments"),
      },
    ]);
    if (process.env.BENCH_SKIP_STORM === "1") {
      console.log(
        `  ratios: anonymous hit ${(hit.rps / static50.rps).toFixed(2)}× static; thread .data p99 ${(signed.p99 / static20.p99).toFixed(2)}× static`,
      );
      return;
    }

    console.log(`▸ Vote storm: ${VOTERS * 2} upvotes at once on one item from ${VOTERS} people (each twice)`);
    const storm = new http.Agent({ keepAlive: true, maxSockets: 100 });
    const t = performance.now();
    const statuses = await Promise.all(
      [...seeded.cookies, ...seeded.cookies].map((c, i) =>
        request(storm, `/apps/${seeded.slug}/feedback/${seeded.itemId}`, {
          method: "POST",
          body: Buffer.from("intent=vote"),
          headers: {
            "Content-Type": "application/x-www-form-urlencoded",
            Origin: `http://localhost:${PORT}`,
            Cookie: c,
            "CF-Connecting-IP": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          },
        }).then(
          (r) => r.status,
          () => 0,
        ),
      ),
    );
    const secs = (performance.now() - t) / 1000;
    storm.destroy();
    const counts = await post("/dev/bench-seed", { op: "votes", itemId: seeded.itemId });
    const failed = statuses.filter((s) => s !== 200).length;
    const exact = counts.rows === VOTERS && counts.stored === VOTERS;
    console.log(
      `  ${(statuses.length / secs).toFixed(0)} votes/s, ${failed} failed; rows ${counts.rows}, stored ${counts.stored} → ${exact ? "exact" : "NOT EXACT"}`,
    );

    const targets = [
      {
        name: "anonymous app page hit ≥ 0.8× static req/s",
        value: hit.rps / static50.rps,
        ok: hit.rps >= 0.8 * static50.rps && hit.errors === 0,
      },
      {
        name: "signed-in comment thread (.data) p99 ≤ 3× static p99 (20 conns)",
        value: signed.p99 / static20.p99,
        ok: signed.p99 <= 3 * static20.p99 && signed.errors === 0,
      },
      { name: `vote storm exact (${VOTERS})`, value: counts.stored, ok: exact && failed === 0 },
    ];
    console.log("▸ Targets");
    for (const x of targets)
      console.log(`  ${x.ok ? "PASS" : "MISS"}  ${x.name}: ${typeof x.value === "number" ? x.value.toFixed(2) : x.value}`);
    mkdirSync("tools/bench/results", { recursive: true });
    const file = `tools/bench/results/community-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    writeFileSync(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          durationMs: DURATION_MS,
          pageBytes: page.body.length,
          scenarios: { static50, hit, static20, signed, signedHtml },
          storm: { requests: statuses.length, seconds: secs, failed, ...counts },
          targets,
        },
        null,
        2,
      ),
    );
    console.log(`▸ Saved ${file}`);
  } finally {
    try {
      unlinkSync(STATIC_PATH);
    } catch {}
    await app?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

// Run directly (`npm run bench:community`), or from `npm run bench` (tools/bench/run.mjs), which
// imports runCommunityBench after its own benchmarks, on BENCH_COMMUNITY_PORT.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  runCommunityBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
