// `npm run bench:growth`: what the promoted row costs a Discover page. A seeded demo; Maya buys a
// promotion of BookBot in Discover · Agents through the emulator, the admin approves it. Then, signed
// in (rendered, not served from the edge cache), interleaved at 10 connections: a static file of the
// page's size, Discover · Agents (with the promoted row) and Discover · Automation (no promotion).
// Reports p50/p99 and the ratios to the static file measured in the same run (absolute figures move
// ±30% on these machines). Loopback only, bounded (BENCH_DURATION_MS per interleaved set).
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, migrate, seed, startApp, startStripe } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 8892);
const STRIPE_PORT = Number(process.env.BENCH_STRIPE_PORT ?? 12292);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
const STATIC_NAME = "__bench-static-growth.txt";
const STATIC_PATH = join("build", "client", STATIC_NAME);
const { loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });

async function logIn(url, email) {
  const res = await fetch(`${url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: url, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password: "thrive-demo-2026" }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("at_session="));
  if (!cookie) throw new Error(`login ${email} → ${res.status}`);
  return cookie.split(";")[0];
}

const post = (url, path, cookie, fields) =>
  fetch(`${url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: url, Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });

async function main() {
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false";
  if (!process.env.BENCH_SKIP_BUILD) build({ quiet: true });
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-growth-"));
  migrate({ persistTo, quiet: true });
  const stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
  const app = await startApp({ port: PORT, persistTo, stripePort: STRIPE_PORT, quiet: true });
  const out = { at: new Date().toISOString(), durationMs: DURATION_MS };
  try {
    await seed(app.url);
    const maya = await logIn(app.url, "maya@demo.allthrive.app");
    const page = await (await fetch(`${app.url}/dashboard/promotions`, { headers: { Cookie: maya } })).text();
    const appId = /<option value="([^"]+)">BookBot<\/option>/.exec(page)?.[1];
    const today = new Date().toISOString().slice(0, 10);
    const buy = await post(app.url, "/dashboard/promotions", maya, { appId, placement: "discover:agent", start: today, days: "3" });
    const checkout = buy.headers.get("Location");
    if (!checkout?.includes("/checkout/pay/")) throw new Error(`promotion checkout → ${buy.status}`);
    await fetch(checkout, { method: "POST", redirect: "manual", body: new URLSearchParams({ action: "pay" }) });
    const admin = await logIn(app.url, "admin@demo.allthrive.app");
    let id = null;
    for (let i = 0; i < 80 && !id; i++) {
      const q = await (await fetch(`${app.url}/admin/promotions`, { headers: { Cookie: admin } })).text();
      id = /name="promotionId" value="([^"]+)"\/><input type="hidden" name="intent" value="approve"/.exec(q)?.[1] ?? null;
      if (!id) await new Promise((r) => setTimeout(r, 250));
    }
    if (!id) throw new Error("the paid promotion never reached review");
    await post(app.url, "/admin/promotions", admin, { intent: "approve", promotionId: id });

    const withRow = await (await fetch(`${app.url}/discover?category=agent`, { headers: { Cookie: maya } })).text();
    if (!withRow.includes('data-testid="promoted-card"')) throw new Error("no promoted row on Discover · Agents");
    writeFileSync(STATIC_PATH, Buffer.alloc(withRow.length, "x"));
    const headers = { Cookie: maya };
    const [stat, promoted, plain] = await loadInterleaved([
      { name: `static file (${withRow.length} B)`, path: `/${STATIC_NAME}`, connections: 10 },
      {
        name: "Discover · Agents, promoted row",
        path: "/discover?category=agent",
        connections: 10,
        headers,
        check: (r) => String(r.body).includes("promoted-card"),
      },
      { name: "Discover · Automation, no promotion", path: "/discover?category=automation", connections: 10, headers },
    ]);
    const ratio = (x) => (x.p99 / stat.p99).toFixed(2);
    console.log(`  p99 vs static: promoted ${ratio(promoted)}×, plain ${ratio(plain)}×`);
    Object.assign(out, { static: stat, promoted, plain });
    mkdirSync("tools/bench/results", { recursive: true });
    writeFileSync(`tools/bench/results/growth-${out.at.replace(/[:.]/g, "-")}.json`, JSON.stringify(out, null, 2));
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
