// Where the time goes: `node tools/bench/profile.mjs [scenario…]` (through npx so it runs on Node 24).
// Starts the built Worker like `npm run bench`, seeds the same data, then for each scenario runs the
// load for BENCH_DURATION_MS while (1) reading the CPU time every process used (workerd, wrangler's
// Node, this load generator) from /proc, and (2) with PROFILE=1, sampling the Worker's JavaScript
// through the V8 inspector and printing the functions with the most self time.
// Scenarios: static, hit, ssr, fts, settings. A diagnostic tool, not a benchmark: it prints no targets.
import http from "node:http";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, migrate, startApp, startStripe } from "../lib/app-server.mjs";
import { loopbackClient } from "./load.mjs";

const STRIPE_PORT = Number(process.env.BENCH_STRIPE_PORT ?? 12142);
const PORT = Number(process.env.BENCH_PORT ?? 8835);
const INSPECTOR = Number(process.env.BENCH_INSPECTOR_PORT ?? PORT + 1000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const STATIC_NAME = "__profile-static.txt";
const { request, load } = loopbackClient({ port: PORT, durationMs: DURATION_MS });

async function post(path, json) {
  const r = await request(new http.Agent(), path, {
    method: "POST",
    body: Buffer.from(JSON.stringify(json)),
    headers: { "Content-Type": "application/json", Origin: `http://localhost:${PORT}` },
  });
  if (r.status !== 200) throw new Error(`${path} → ${r.status}: ${r.body}`);
  return JSON.parse(String(r.body));
}

const TICK = 100; // USER_HZ
function descendants(pid) {
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  const parent = new Map();
  for (const d of all) {
    try {
      const st = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [c, p] of parent) if (p === out[i]) out.push(c);
  return out;
}
function cpu(pids) {
  const by = {};
  for (const pid of pids) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = st.slice(st.indexOf("(") + 1, st.lastIndexOf(")"));
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      by[name] = (by[name] ?? 0) + ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
    } catch {}
  }
  return by;
}

async function inspector() {
  const list = await (await fetch(`http://127.0.0.1:${INSPECTOR}/json`)).json();
  const target = list.find((t) => /allthrive|core:user/.test(t.title ?? "")) ?? list[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://localhost" } });
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (m) => {
    const d = JSON.parse(m.data);
    if (d.id && pending.has(d.id)) {
      pending.get(d.id)(d);
      pending.delete(d.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((r) => {
      const i = ++id;
      pending.set(i, r);
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  return { send, close: () => ws.close(), title: target.title };
}

function bundleLines() {
  try {
    const dirs = readdirSync(".wrangler/tmp")
      .filter((d) => d.startsWith("dev-"))
      .map((d) => join(".wrangler/tmp", d, "index.js"));
    return readFileSync(dirs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0], "utf8").split("\n");
  } catch {
    return [];
  }
}

function summarise(profile, requests, top = 35) {
  const lines = bundleLines();
  if (lines.length) writeFileSync("/tmp/profile-bundle.js", lines.join("\n"));
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++)
    dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  let total = 0;
  for (const [nid, us] of dt) {
    const n = byId.get(nid);
    const cf = n.callFrame;
    const key = `${cf.functionName || "(anonymous)"} ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  const busy = total - (self.get("(idle) :1") ?? 0);
  console.log(`    Worker isolate JavaScript: ${(busy / 1000 / requests).toFixed(2)} ms per request (sampled, idle excluded)`);
  for (const [k, us] of rows) {
    const m = / index\.js:(\d+)$/.exec(k);
    const src = m && lines[Number(m[1]) - 1] ? `   ⟨${lines[Number(m[1]) - 1].trim().slice(0, 70)}⟩` : "";
    console.log(`    ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}${src}`);
  }
}

async function main() {
  const want = process.argv.slice(2);
  const scenarios = want.length ? want : ["static", "hit", "ssr", "settings", "fts"];
  process.env.NODE_ENV = "production";
  // wrangler dev also runs a local trace collector that writes every span of every request (each
  // D1 query, each fetch) into a SQLite file for its local explorer. Deployed Workers have no such
  // collector; left on, it roughly doubles the CPU cost of a server render here (decision D18).
  process.env.X_LOCAL_OBSERVABILITY = "false";
  process.env.WRANGLER_DISABLE_REQUEST_BODY_DRAINING = "1"; // dev-only middleware: see run.mjs
  if (process.env.BUILD !== "0") build({ quiet: true });
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-profile-"));
  let app, stripe;
  try {
    migrate({ persistTo, quiet: true });
    // The storefront\'s tiers and products go through the local Stripe emulator, as in `npm start`.
    stripe = await startStripe({ port: STRIPE_PORT, appUrl: `http://localhost:${PORT}`, quiet: true });
    app = await startApp({
      port: PORT,
      persistTo,
      quiet: process.env.QUIET !== "0",
      stripePort: STRIPE_PORT,
      vars: JSON.parse(process.env.VARS ?? "{}"),
      extraArgs: ["--inspector-port", String(INSPECTOR)],
    });
    const sf = await post("/dev/bench-seed", { op: "storefront", apps: 8, followers: 1000 });
    for (let i = 0; i < 5; i++) await post("/dev/bench-seed", { op: "apps", count: 2000, seed: i + 1 });
    const anon = new http.Agent();
    const page = await request(anon, `/@${sf.handle}`);
    writeFileSync(join("build", "client", STATIC_NAME), "x".repeat(page.body.length));
    for (let i = 0; i < 120; i++) {
      const a = await request(anon, `/${STATIC_NAME}`).catch(() => ({ body: "" }));
      if (a.body.length === page.body.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const { cookies } = await post("/dev/bench-seed", { op: "users", count: 10 });
    const cookie = cookies[0];
    let feedCookie = cookie;
    if (scenarios.includes("feed")) {
      const reader = await post("/dev/bench-feed", { op: "reader", tag: "r", from: 0, creators: 50, postsEach: 2 });
      for (let from = 50; from < 200; from += 50)
        await post("/dev/bench-feed", { op: "reader", tag: "r", from, creators: 50, postsEach: 2, readerId: reader.readerId });
      feedCookie = (await post("/dev/bench-feed", { op: "session", userId: reader.readerId })).cookie;
      for (let i = 0; i < 240 && (await post("/dev/bench-feed", { op: "feedSize", userId: reader.readerId })).items < 400; i++)
        await new Promise((r) => setTimeout(r, 250));
    }
    const defs = {
      feed: ["/feed", { Cookie: feedCookie }, 20],
      login: ["/login", {}, 50],
      health: ["/favicon.svg?x=1", {}, 50],
      static: [`/${STATIC_NAME}`, {}, 50],
      hit: [`/@${sf.handle}`, {}, 50],
      ssr: [`/@${sf.handle}`, { Cookie: cookie }, 50],
      settings: ["/settings", { Cookie: cookie }, 50],
      fts: ["/discover?q=tutor", { Cookie: cookie }, 10],
    };
    const pids = descendants(app.child.pid);
    if (process.env.DUMP === "1") {
      // DUMP=1: save each scenario's response body to /tmp/profile-<scenario>.html to see what a page carries.
      for (const name of scenarios) {
        const [path, headers] = defs[name];
        writeFileSync(`/tmp/profile-${name}.html`, (await request(new http.Agent(), path, { headers })).body);
      }
    }
    for (const name of scenarios) {
      const [path, headers, connections] = defs[name];
      let insp = null;
      if (process.env.PROFILE === "1") {
        insp = await inspector();
        await insp.send("Profiler.enable");
        await insp.send("Profiler.setSamplingInterval", { interval: 200 });
        await insp.send("Profiler.start");
      }
      const before = cpu(pids),
        selfBefore = process.cpuUsage();
      const r = await load(name, path, { connections, headers });
      const after = cpu(pids),
        selfAfter = process.cpuUsage();
      const n = r.requests;
      const parts = Object.keys(after).map((k) => `${k} ${((after[k] - (before[k] ?? 0)) / n).toFixed(2)}`);
      const self = ((selfAfter.user - selfBefore.user + selfAfter.system - selfBefore.system) / 1000 / n).toFixed(2);
      console.log(`    CPU ms per request (incl. warm-up): ${parts.join(" · ")} · load generator ${self}`);
      if (insp) {
        const { result } = await insp.send("Profiler.stop");
        insp.close();
        writeFileSync(`/tmp/profile-${name}.cpuprofile`, JSON.stringify(result.profile));
        summarise(result.profile, r.requests);
      }
    }
  } finally {
    if (app) await app.stop();
    if (stripe) await stripe.close();
    try {
      unlinkSync(join("build", "client", STATIC_NAME));
    } catch {}
    if (process.env.KEEP === "1") console.log(`  kept the database in ${persistTo}`);
    else rmSync(persistTo, { recursive: true, force: true });
  }
}

await main();
