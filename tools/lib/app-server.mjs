// Starts the built Worker under `wrangler dev` (workerd with local D1, R2, DOs, Queues) and
// waits until it answers. Shared by `npm start`, the browser tests and the benchmarks.
import { spawn, spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

const npx = process.platform === "win32" ? "npx.cmd" : "npx";

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: opts.quiet ? "pipe" : "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...opts.env } });
  if (r.status !== 0) {
    if (opts.quiet) process.stderr.write(String(r.stdout ?? "") + String(r.stderr ?? ""));
    throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${r.status}`);
  }
  return r;
}

export function build({ quiet = false } = {}) {
  run(npx, ["remix", "vite:build"], { quiet });
}

export function migrate({ persistTo, quiet = false } = {}) {
  const args = ["wrangler", "d1", "migrations", "apply", "DB", "--local"];
  if (persistTo) args.push("--persist-to", persistTo);
  run(npx, args, { quiet, env: { CI: "1" } });
}

/**
 * @param {{port?: number, persistTo?: string, vars?: Record<string,string>, quiet?: boolean}} opts
 */
export async function startApp({ port = 8787, persistTo, vars = {}, quiet = false } = {}) {
  const args = ["wrangler", "dev", "--port", String(port), "--ip", "127.0.0.1", "--show-interactive-dev-session=false", "--var", "APP_ENV:development", "--var", `PUBLIC_URL:http://localhost:${port}`];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  if (persistTo) args.push("--persist-to", persistTo);
  const child = spawn(npx, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    detached: process.platform !== "win32",
  });
  let log = "";
  const onData = (d) => {
    log += d;
    if (!quiet) {
      const s = String(d);
      // Offline runs print a harmless warning about Request.cf; keep the console readable.
      if (!/Request\.cf|ENOTFOUND workers\.cloudflare\.com|onlookupall/.test(s)) process.stdout.write(s);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${log}`);
    try {
      const r = await fetch(`${url}/favicon.svg`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`wrangler dev did not become ready in 60 s:\n${log}`);
    await sleep(250);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", resolve);
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch {} }, 5000).unref();
    });
  return { url, child, stop, log: () => log };
}

/** Seeds demo data through the Worker (only works with APP_ENV=development). */
export async function seed(url) {
  const r = await fetch(`${url}/dev/seed`, { method: "POST", headers: { Origin: url } });
  if (!r.ok) throw new Error(`Seeding failed: ${r.status} ${await r.text()}`);
  return r.json();
}
