// Loopback HTTP client and load generator shared by the benchmarks. Bounded: every load phase runs
// for a fixed duration with a fixed number of keep-alive connections, against 127.0.0.1 only.
import http from "node:http";

/** @param {{port: number, durationMs: number}} opts */
export function loopbackClient({ port, durationMs }) {
  function request(agent, path, { method = "GET", headers = {}, body } = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path, method, agent, headers: { Host: `localhost:${port}`, ...headers } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on("error", reject);
      // Never wait forever (e.g. a request caught in a wrangler dev reload).
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
      if (body) req.write(body);
      req.end();
    });
  }

  const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

  /**
   * N concurrent loops for `durationMs` over keep-alive sockets, after a warm-up (BENCH_WARMUP_MS,
   * default 2 s, the same for every phase, static files included); req/s, p50, p99 in ms. The
   * warm-up covers the JIT: a page's first second under load held all of its slowest requests
   * (docs/performance.md), and the targets are about steady state.
   */
  async function load(name, path, { connections, headers = {}, check }) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    const warmEnd = Date.now() + Number(process.env.BENCH_WARMUP_MS ?? 2000);
    await Promise.all(Array.from({ length: connections }, async () => { while (Date.now() < warmEnd) await request(agent, path, { headers }); }));
    const lat = [];
    let errors = 0;
    const start = performance.now();
    const end = Date.now() + durationMs;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < end) {
          const t = performance.now();
          const r = await request(agent, path, { headers }).catch(() => ({ status: 0 }));
          lat.push(performance.now() - t);
          if (r.status !== 200 || (check && !check(r))) errors++;
        }
      }),
    );
    const secs = (performance.now() - start) / 1000;
    agent.destroy();
    lat.sort((a, b) => a - b);
    const out = { name, path, connections, requests: lat.length, errors, rps: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
    console.log(`  ${name.padEnd(44)} ${out.rps.toFixed(0).padStart(6)} req/s  p50 ${out.p50.toFixed(1).padStart(6)} ms  p99 ${out.p99.toFixed(1).padStart(6)} ms${errors ? `  (${errors} errors)` : ""}`);
    return out;
  }

  return { request, load };
}
