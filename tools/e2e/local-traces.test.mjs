// `npm start` runs `wrangler dev` through startApp: its local trace collector must be off unless
// asked for, or `.wrangler/state/v3/observability` grows with every request (decision D42).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate, startApp } from "../lib/app-server.mjs";

const PORT = Number(process.env.E2E_TRACES_PORT ?? 8796);

function bytesUnder(dir) {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return n;
}

async function browse(opts) {
  const persistTo = mkdtempSync(join(tmpdir(), "allthrive-traces-"));
  migrate({ persistTo, quiet: true });
  const app = await startApp({ port: PORT, persistTo, quiet: true, ...opts });
  try {
    for (const path of ["/", "/discover", "/login", "/signup", "/", "/discover"]) {
      const r = await fetch(`${app.url}${path}`);
      assert.equal(r.status, 200, path);
      await r.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 1500)); // let any trace writer flush
    return bytesUnder(join(persistTo, "v3", "observability"));
  } finally {
    await app.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

test("npm start's wrangler dev writes no traces by default", async () => {
  const saved = process.env.LOCAL_TRACES;
  delete process.env.LOCAL_TRACES;
  try {
    assert.equal(await browse({}), 0, "nothing is written under .wrangler/state/v3/observability");
  } finally {
    if (saved !== undefined) process.env.LOCAL_TRACES = saved;
  }
});

test("LOCAL_TRACES=1 turns the trace collector back on", async () => {
  assert.ok((await browse({ traces: true })) > 0, "traces are written when asked for");
});
