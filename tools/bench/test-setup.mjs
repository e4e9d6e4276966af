// `npm run bench:test-setup`: what preparing a local D1 costs `npm start` and the browser tests, for
// each state `migrate()` meets (decisions 0090, 0144): a fresh state directory (template copy), a
// restart on migrated state, a state directory whose database alone was deleted, and a restart
// after that — each once through `migrate()` and once with ALLTHRIVE_NO_MIGRATION_TEMPLATE=1 (every
// call runs `wrangler d1 migrations apply`, as before decision 0144). Local files only; no server.
// Figures on a shared VM move ±30%: compare the two columns of one run, not runs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "../lib/app-server.mjs";

function timeSteps() {
  const dir = mkdtempSync(join(tmpdir(), "allthrive-bench-setup-"));
  const ms = (fn) => {
    const t = performance.now();
    fn();
    return Math.round(performance.now() - t);
  };
  try {
    const out = {};
    out["fresh state directory"] = ms(() => migrate({ persistTo: dir, quiet: true }));
    writeFileSync(join(dir, "other-state"), "R2, Durable Objects and the emulator's state live here too");
    out["restart on migrated state"] = ms(() => migrate({ persistTo: dir, quiet: true }));
    rmSync(join(dir, "v3", "d1"), { recursive: true, force: true });
    out["only the database deleted"] = ms(() => migrate({ persistTo: dir, quiet: true }));
    out["restart after that"] = ms(() => migrate({ persistTo: dir, quiet: true }));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The template for the current migrations is made once (as the first browser test does), untimed.
const warm = mkdtempSync(join(tmpdir(), "allthrive-bench-setup-"));
migrate({ persistTo: warm, quiet: true });
rmSync(warm, { recursive: true, force: true });

const now = timeSteps();
process.env.ALLTHRIVE_NO_MIGRATION_TEMPLATE = "1";
const wrangler = timeSteps();
delete process.env.ALLTHRIVE_NO_MIGRATION_TEMPLATE;

console.log("| step | migrate() | wrangler every time |\n| --- | ---: | ---: |");
for (const step of Object.keys(now)) console.log(`| ${step} | ${now[step]} ms | ${wrangler[step]} ms |`);
