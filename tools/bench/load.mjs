// Loopback HTTP client and load generator shared by the benchmarks. Bounded: every load phase runs
// for a fixed duration with a fixed number of keep-alive connections, against 127.0.0.1 only.
import http from "node:http";

/** @param {{port: number, durationMs: number}} opts */
export function loopbackClient({ port, durationMs }) {
  function request(agent, path, { method = "GET", headers = {}, body } = {}) {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port, path, method, agent, headers: { Host: `localhost:${port}`, ...headers } },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
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
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < warmEnd) await request(agent, path, { headers });
      }),
    );
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
    console.log(
      `  ${name.padEnd(44)} ${out.rps.toFixed(0).padStart(6)} req/s  p50 ${out.p50.toFixed(1).padStart(6)} ms  p99 ${out.p99.toFixed(1).padStart(6)} ms${errors ? `  (${errors} errors)` : ""}`,
    );
    return out;
  }

  /**
   * Several pages measured side by side: each is warmed up (as in `load`), then they take turns in
   * short slices — A, B, C, A, B, C… — so a page and its baseline see the same moments of this
   * VM's speed, which drifts by a third between minutes here. Each page gets `durationMs` of load
   * in total. req/s = responses completed inside its slices ÷ their total length; p50/p99 over
   * every request started inside them (a slice's last requests are let finish, not cut off).
   */
  async function loadInterleaved(specs, { rounds = Number(process.env.BENCH_ROUNDS ?? 5) } = {}) {
    const sliceMs = durationMs / rounds;
    const state = specs.map((sp) => ({
      sp,
      agent: new http.Agent({ keepAlive: true, maxSockets: sp.connections }),
      lat: [],
      done: 0,
      errors: 0,
      ms: 0,
    }));
    for (const st of state) {
      const warmEnd = Date.now() + Number(process.env.BENCH_WARMUP_MS ?? 2000);
      await Promise.all(
        Array.from({ length: st.sp.connections }, async () => {
          while (Date.now() < warmEnd) await request(st.agent, st.sp.path, { headers: st.sp.headers ?? {} });
        }),
      );
    }
    for (let r = 0; r < rounds; r++) {
      for (const st of state) {
        const { path, connections, headers = {}, check } = st.sp;
        const start = performance.now();
        const end = start + sliceMs;
        await Promise.all(
          Array.from({ length: connections }, async () => {
            while (performance.now() < end) {
              const t = performance.now();
              const res = await request(st.agent, path, { headers }).catch(() => ({ status: 0 }));
              const now = performance.now();
              st.lat.push(now - t);
              if (now <= end) st.done++;
              if (res.status !== 200 || (check && !check(res))) st.errors++;
            }
          }),
        );
        st.ms += sliceMs;
      }
    }
    return state.map(({ sp, agent, lat, done, errors, ms }) => {
      agent.destroy();
      lat.sort((a, b) => a - b);
      const out = {
        name: sp.name,
        path: sp.path,
        connections: sp.connections,
        requests: lat.length,
        errors,
        rps: done / (ms / 1000),
        p50: pct(lat, 50),
        p99: pct(lat, 99),
        rounds,
      };
      console.log(
        `  ${sp.name.padEnd(44)} ${out.rps.toFixed(0).padStart(6)} req/s  p50 ${out.p50.toFixed(1).padStart(6)} ms  p99 ${out.p99.toFixed(1).padStart(6)} ms${errors ? `  (${errors} errors)` : ""}`,
      );
      return out;
    });
  }

  return { request, load, loadInterleaved };
}
