// `npm run bench:services`: the service page's slot list (14 days, one request) against a static
// file of the same size at 20 connections (target: p99 ≤ 3× the file's), and a booking storm —
// 500 concurrent holds on one creator's calendar object — reported as holds/s with exactly one
// winner per slot. Loopback only, bounded (BENCH_DURATION_MS per interleaved pair).
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { build, migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 8861);
const STRIPE_PORT = Number(process.env.BENCH_STRIPE_PORT ?? 12261);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
const STATIC_NAME = "__bench-static-service.txt";
const STATIC_PATH = join("build", "client", STATIC_NAME);
const { request, loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });

async function main() {
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false";
  process.env.WRANGLER_DISABLE_REQUEST_BODY_DRAINING = "1";
  if (!process.env.BENCH_SKIP_BUILD) build({ quiet: true });
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-services-"));
  migrate({ persistTo, quiet: true });
  const stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  const app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  const out = { at: new Date().toISOString(), durationMs: DURATION_MS };
  try {
    await seed(app.url);
    const path = "/@maya-builds/services/office-hour?tz=Europe/London";
    const agent = new http.Agent({ keepAlive: false });
    const page = await request(agent, path);
    if (page.status !== 200) throw new Error(`${path} → ${page.status}`);
    const slots = (String(page.body).match(/name="start"/g) ?? []).length;
    writeFileSync(STATIC_PATH, Buffer.alloc(page.body.length, "x"));
    console.log(`▸ Service page: ${page.body.length} bytes, ${slots} slots listed (14 days)`);
    const [stat, svc] = await loadInterleaved([
      { name: `static file (${page.body.length} B)`, path: `/${STATIC_NAME}`, connections: 20 },
      { name: "service page, slot list (14 days)", path, connections: 20, check: (r) => String(r.body).includes('name="start"') },
    ]);
    const ratio = svc.p99 / stat.p99;
    console.log(`  p99 ratio ${ratio.toFixed(2)}× (target ≤ 3×): ${ratio <= 3 ? "PASS" : "MISS"}`);
    out.slotList = { static: stat, page: svc, slots, p99Ratio: ratio, pass: ratio <= 3 };

    const storm = async (holds, slotCount) => {
      const r = await fetch(`${app.url}/dev/bench-calendar`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: app.url },
        body: JSON.stringify({ holds, slots: slotCount }),
      });
      if (!r.ok) throw new Error(`storm → ${r.status}: ${await r.text()}`);
      return r.json();
    };
    for (const [holds, slotCount] of [
      [500, 1],
      [500, 50],
    ]) {
      const s = await storm(holds, slotCount);
      console.log(
        `  booking storm: ${holds} holds on ${slotCount} slot(s) of one calendar: ${s.holdsPerSecond.toFixed(0)} holds/s (${s.ms.toFixed(0)} ms); exactly one winner per slot: ${s.exactlyOnePerSlot ? "yes" : "NO"}`,
      );
      (out.storms ??= []).push(s);
    }
    mkdirSync("tools/bench/results", { recursive: true });
    writeFileSync(`tools/bench/results/services-${out.at.replace(/[:.]/g, "-")}.json`, JSON.stringify(out, null, 2));
  } finally {
    try {
      unlinkSync(STATIC_PATH);
    } catch {}
    await app.stop();
    await stripe.close();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
