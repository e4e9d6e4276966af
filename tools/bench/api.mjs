// `npm run bench:api`: GET /api/v1/entitlements with a valid personal access token — the call a
// creator's app makes on every request — against a static file of the same size, interleaved, at
// 50 connections (target: ≥ 0.5× the static file's req/s). Loopback only, bounded
// (BENCH_DURATION_MS of load per endpoint). Decision 0097 explains the caching that makes it cheap.
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { pathToFileURL } from "node:url";
import { build, migrate, seed, startApp } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const PORT = Number(process.env.BENCH_API_PORT ?? 8882);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10000);
const CONNECTIONS = 50;
const STATIC_NAME = "__bench-static-api.json";
const STATIC_PATH = join("build", "client", STATIC_NAME);
const { request, loadInterleaved } = loopbackClient({ port: PORT, durationMs: DURATION_MS });

/** Runs the entitlement benchmark on its own server and database (BENCH_API_PORT). */
export async function runApiBench({ buildFirst = !process.env.BENCH_SKIP_BUILD } = {}) {
  process.env.NODE_ENV = "production";
  process.env.X_LOCAL_OBSERVABILITY = "false";
  if (buildFirst) build({ quiet: true });
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-bench-api-"));
  migrate({ persistTo, quiet: true });
  // The bench measures cost, not the limiter: one token may make every request.
  const app = await startApp({ port: PORT, persistTo, quiet: true, vars: { API_RATE_LIMIT_PER_MINUTE: "1000000000" } });
  const out = { at: new Date().toISOString(), durationMs: DURATION_MS, connections: CONNECTIONS };
  try {
    await seed(app.url);
    const agent = new http.Agent({ keepAlive: false });
    const form = (fields) => new URLSearchParams(fields).toString();
    const formHeaders = { "Content-Type": "application/x-www-form-urlencoded", Origin: `http://localhost:${PORT}` };
    const login = await request(agent, "/login", {
      method: "POST",
      headers: formHeaders,
      body: form({ email: "maya@demo.allthrive.app", password: "thrive-demo-2026" }),
    });
    const cookie = [login.headers["set-cookie"]]
      .flat()
      .find((c) => c?.startsWith("at_session="))
      ?.split(";")[0];
    if (!cookie) throw new Error(`login → ${login.status}`);
    const created = await request(agent, "/settings/tokens", {
      method: "POST",
      headers: { ...formHeaders, Cookie: cookie },
      body: form({ intent: "create", name: "bench", scopes: "licenses:read", expiresInDays: "30" }),
    });
    const token = /at_pat_[A-Za-z0-9_-]{43}/.exec(String(created.body))?.[0];
    if (!token) throw new Error(`token → ${created.status}`);
    const path = "/api/v1/entitlements?customer_email=lena%40demo.allthrive.app";
    const headers = { Authorization: `Bearer ${token}` };
    const first = await request(agent, path, { headers });
    if (first.status !== 200) throw new Error(`${path} → ${first.status}: ${first.body}`);
    writeFileSync(STATIC_PATH, Buffer.alloc(first.body.length, "x"));
    console.log(`▸ Entitlement check: ${first.body.length} bytes — ${String(first.body).slice(0, 120)}…`);
    const [stat, ent] = await loadInterleaved([
      { name: `static file (${first.body.length} B)`, path: `/${STATIC_NAME}`, connections: CONNECTIONS },
      {
        name: "GET /api/v1/entitlements (valid token)",
        path,
        connections: CONNECTIONS,
        headers,
        check: (r) => String(r.body).includes('"hasAccess"'),
      },
    ]);
    const ratio = ent.rps / stat.rps;
    console.log(`  req/s ratio ${ratio.toFixed(2)}× the static file (target ≥ 0.5×): ${ratio >= 0.5 ? "PASS" : "MISS"}`);
    out.entitlements = { static: stat, api: ent, ratio, pass: ratio >= 0.5 };
    mkdirSync("tools/bench/results", { recursive: true });
    writeFileSync(`tools/bench/results/api-${out.at.replace(/[:.]/g, "-")}.json`, JSON.stringify(out, null, 2));
  } finally {
    try {
      unlinkSync(STATIC_PATH);
    } catch {}
    await app.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

// Run directly (`npm run bench:api`), or from `npm run bench` (tools/bench/run.mjs) after its others.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href)
  runApiBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
