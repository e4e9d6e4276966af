// `npm run bench:webhooks`: creators' outbound webhooks end to end on the local runtime. A creator
// (seeded demo data) has one endpoint pointing at a loopback receiver; N "send test event" clicks
// go through the real route → queue → fan-out → signed delivery. Reports how long one click takes
// to answer (the request path only enqueues) and deliveries/s until the receiver has all N.
// Loopback only, bounded (BENCH_WEBHOOK_EVENTS, default 200). Figures on a shared VM move ±30%.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { build, migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 8886);
const STRIPE_PORT = Number(process.env.BENCH_STRIPE_PORT ?? 12286);
const RECEIVER_PORT = Number(process.env.BENCH_RECEIVER_PORT ?? 8889);
const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 200);
const CONCURRENCY = 10;

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main() {
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false";
  if (!process.env.BENCH_SKIP_BUILD) build({ quiet: true });
  let got = 0;
  let done = () => {};
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.end("ok");
      if (++got >= EVENTS) done();
    });
  });
  await new Promise((r) => receiver.listen(RECEIVER_PORT, "127.0.0.1", r));
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-webhooks-"));
  migrate({ persistTo, quiet: true });
  const stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  const app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  try {
    await seed(app.url);
    const headers = { Origin: app.url, "Content-Type": "application/x-www-form-urlencoded" };
    const login = await fetch(`${app.url}/login`, {
      method: "POST",
      headers,
      body: new URLSearchParams({ email: "maya@demo.allthrive.app", password: "thrive-demo-2026" }),
      redirect: "manual",
    });
    const cookie = (login.headers.getSetCookie() ?? []).find((c) => c.startsWith("at_session="))?.split(";")[0];
    if (!cookie) throw new Error(`login → ${login.status}`);
    const post = (fields) =>
      fetch(`${app.url}/settings/webhooks`, { method: "POST", headers: { ...headers, Cookie: cookie }, body: new URLSearchParams(fields) });
    const created = await post({ intent: "create", url: `http://127.0.0.1:${RECEIVER_PORT}/hook`, eventTypes: "order.paid" });
    if (created.status !== 200) throw new Error(`create endpoint → ${created.status}`);
    const page = await (await fetch(`${app.url}/settings/webhooks`, { headers: { Cookie: cookie } })).text();
    const id = /whe_[a-z0-9]{20}/.exec(page)?.[0];
    if (!id) throw new Error("endpoint id not found on the page");

    const all = new Promise((r) => (done = r));
    const clickMs = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < EVENTS) {
          next++;
          const t = performance.now();
          const res = await post({ intent: "test", id });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`test event → ${res.status}`);
          clickMs.push(performance.now() - t);
        }
      }),
    );
    const enqueued = performance.now() - started;
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`only ${got}/${EVENTS} delivered in 120 s`)), 120_000).unref(),
    );
    await Promise.race([all, timeout]);
    const total = performance.now() - started;
    console.log(`▸ ${EVENTS} test events, ${CONCURRENCY} at a time, through route → queue → fan-out → signed POST`);
    console.log(
      `  click answered: p50 ${pct(clickMs, 50).toFixed(1)} ms, p99 ${pct(clickMs, 99).toFixed(1)} ms (all enqueued in ${(enqueued / 1000).toFixed(1)} s)`,
    );
    console.log(`  delivered: ${got}/${EVENTS} in ${(total / 1000).toFixed(1)} s → ${(EVENTS / (total / 1000)).toFixed(1)} deliveries/s`);
  } finally {
    await app.stop();
    await stripe.close();
    await new Promise((r) => receiver.close(r));
    rmSync(persistTo, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
