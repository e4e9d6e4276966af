// Dates render the same text wherever they are rendered: on the server (UTC) and in a browser in
// any other time zone (decision 0058). Runs the one date helper in a process set to Los Angeles time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const probe = `
  const d = await import("./app/lib/dates.ts");
  // 1 Dec 2026, 03:00 UTC: still 30 Nov in Los Angeles.
  const t = Date.UTC(2026, 11, 1, 3) / 1000;
  console.log(JSON.stringify([d.formatDate(t), d.formatMonthYear(t), d.formatMonth(t), d.formatDateTime(t)]));
`;

test("the date helper shows UTC dates even where the local time zone is another day", () => {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe], {
    encoding: "utf8",
    env: { ...process.env, TZ: "America/Los_Angeles" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ["1 Dec 2026", "Dec 2026", "Dec", "2026-12-01 03:00 UTC"]);
});
