// `node tools/bench/table.mjs [N]`: the last N (default 5) runs in tools/bench/results as a Markdown
// table — each target with its ratio per run (each ratio measured within its own run) and whether
// every run met it. Pairs each bench-*.json with the feed-*.json written after it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const n = Number(process.argv[2] ?? 5);
const dir = "tools/bench/results";
const files = readdirSync(dir).sort();
const runs = files
  .filter((f) => f.startsWith("bench-"))
  .slice(-n)
  .map((f) => {
    const main = JSON.parse(readFileSync(join(dir, f), "utf8"));
    const next = files.find((g) => g.startsWith("feed-") && g.slice(5) > f.slice(6));
    const feed = next ? JSON.parse(readFileSync(join(dir, next), "utf8")) : null;
    return { main, feed };
  });
const rows = new Map();
for (const [i, { main, feed }] of runs.entries()) {
  const add = (label, value, pass) => {
    if (!rows.has(label)) rows.set(label, Array(runs.length).fill(null));
    rows.get(label)[i] = { value, pass };
  };
  for (const t of main.targets) add(t.label, t.ratio === null ? (t.pass ? "agree" : "DISAGREE") : t.ratio.toFixed(2), t.pass);
  if (feed) {
    const s = feed.scenarios;
    add("/feed p99 ≤ 3 × static p99 @20", (s.feed.p99 / s.feedStatic.p99).toFixed(2), s.feed.p99 <= 3 * s.feedStatic.p99);
    for (const t of feed.targets.filter((t) => !t.label.startsWith("/feed p99"))) add(t.label, t.pass ? "yes" : "no", t.pass);
  }
}
console.log(`| Target | ${runs.map((_, i) => `Run ${i + 1}`).join(" | ")} | Met in every run |`);
console.log(`|---|${runs.map(() => "---:").join("|")}|---|`);
for (const [label, cells] of rows) {
  const all = cells.every((c) => c?.pass);
  console.log(
    `| ${label} | ${cells.map((c) => (c ? `${c.value}${c.pass ? "" : " ✗"}` : "—")).join(" | ")} | ${all ? "yes" : `**no** (${cells.filter((c) => c && !c.pass).length} of ${runs.length} missed)`} |`,
  );
}
console.log(`\nRuns: ${runs.map(({ main }) => main.date).join(", ")}`);
