// The docs point at things that exist: relative links (and their #anchors) in README.md and
// docs/**/*.md, repository paths the docs name, the decision index, and every decision (Dnn)
// that code comments or docs refer to. Run: npx node --test tools/docs.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decisionsDir, readDecisions, regenerate, tableRows } from "./decisions-index.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const skipDirs = new Set(["node_modules", "build", ".wrangler", "test-results", "results", ".git"]);

function walk(dir, keep, out = []) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(name)) out.push(p);
  }
  return out;
}

const markdownFiles = () => [join(root, "README.md"), ...walk(join(root, "docs"), (n) => n.endsWith(".md"))];
const rel = (p) => relative(root, p);

/** Markdown without fenced code blocks and inline code spans (links there are examples, not links). */
const prose = (md) => md.replace(/^(```|~~~)[\s\S]*?^\1/gm, "").replace(/`[^`\n]*`/g, "");

/** GitHub's heading anchors. */
function anchors(md) {
  const seen = new Map();
  const out = new Set();
  for (const m of md.replace(/^(```|~~~)[\s\S]*?^\1/gm, "").matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/<[^>]+>/g, "");
    let slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  return out;
}

test("every relative link in README.md and docs/ points to an existing file (and heading)", () => {
  const broken = [];
  for (const file of markdownFiles()) {
    const md = readFileSync(file, "utf8");
    const targets = [
      ...[...prose(md).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...md.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const [path, hash] = target.split("#");
      const dest = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
      if (!existsSync(dest)) {
        broken.push(`${rel(file)}: ${target} (no such file)`);
        continue;
      }
      if (hash && dest.endsWith(".md") && !anchors(readFileSync(dest, "utf8")).has(hash.toLowerCase())) {
        broken.push(`${rel(file)}: ${target} (no heading #${hash} in ${rel(dest)})`);
      }
    }
  }
  assert.deepEqual(broken, [], `broken links:\n${broken.join("\n")}`);
});

test("repository paths named in README.md and docs/ exist (decision records excepted: they are history)", () => {
  const missing = [];
  // Folders the app writes at run time (git-ignored, e.g. tools/bench/results/) need not exist.
  const ignored = readFileSync(join(root, ".gitignore"), "utf8")
    .split("\n")
    .map((l) => l.trim().replace(/^\//, ""))
    .filter((l) => l && !l.startsWith("#") && !/[*?[]/.test(l));
  const pathLike = /^(?:app|workers|tools|migrations|public|docs)\/[^\s*<>…{}]+$/;
  for (const file of markdownFiles()) {
    if (file.startsWith(decisionsDir)) continue;
    const md = readFileSync(file, "utf8");
    const named = [
      ...[...md.matchAll(/`([^`\n]+)`/g)].map((m) => m[1].trim()),
      ...[...prose(md).matchAll(/(?<![\w/.-])((?:app|workers|tools|migrations|public|docs)\/[\w./-]*\.[a-z]+)(?![\w/])/g)].map((m) => m[1]),
    ];
    for (const p of named) {
      if (!pathLike.test(p) || ignored.some((i) => p.startsWith(i.replace(/\/$/, "")))) continue;
      if (!existsSync(join(root, p.replace(/\/$/, "")))) missing.push(`${rel(file)}: ${p}`);
    }
  }
  assert.deepEqual(missing, [], `docs name files that don't exist:\n${missing.join("\n")}`);
});

test("docs/decisions/README.md's index matches the decision files", () => {
  const path = join(decisionsDir, "README.md");
  const readme = readFileSync(path, "utf8");
  assert.deepEqual(
    tableRows(readme),
    tableRows(regenerate(readme, readDecisions())),
    "run `npm run decisions:index` to regenerate the table",
  );
});

const codeFiles = () => [
  ...["app", "workers", "tools"].flatMap((d) => walk(join(root, d), (n) => /\.(ts|tsx|mjs|js|cjs)$/.test(n))),
  ...["wrangler.toml", "vitest.config.ts", "vite.config.ts"].map((f) => join(root, f)).filter(existsSync),
];
const comments = (file, text) =>
  file.endsWith(".toml")
    ? [...text.matchAll(/#[^\n]*/g)].map((m) => m[0])
    : [...text.matchAll(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g)].map((m) => m[0]);

test("every decision Dnn that code comments or docs name has a file in docs/decisions/", () => {
  const have = new Set(readDecisions().map((d) => d.number));
  const missing = [];
  const check = (where, text) => {
    for (const m of text.matchAll(/\bD(\d{1,4})\b/g)) {
      if (!have.has(Number(m[1]))) missing.push(`${where}: D${m[1]}`);
    }
  };
  for (const file of codeFiles()) comments(file, readFileSync(file, "utf8")).forEach((c) => check(rel(file), c));
  for (const file of markdownFiles()) check(rel(file), readFileSync(file, "utf8"));
  assert.deepEqual([...new Set(missing)], [], `decisions referred to without a file:\n${[...new Set(missing)].join("\n")}`);
});

test("code comments point at docs that exist", () => {
  const missing = [];
  for (const file of codeFiles()) {
    for (const c of comments(file, readFileSync(file, "utf8"))) {
      for (const m of c.matchAll(/(?<![\w/.-])(docs\/[\w./-]*\.md)/g)) {
        if (!existsSync(join(root, m[1]))) missing.push(`${rel(file)}: ${m[1]}`);
      }
    }
  }
  assert.deepEqual(missing, [], `comments name docs that don't exist:\n${missing.join("\n")}`);
});

test("the index generator lists decision files in number order and notices a missing row", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "decisions-"));
  writeFileSync(
    join(dir, "0010-later.md"),
    "# 10. Later | piped\n- Date: 2026-12-05\n- Status: accepted; supersedes [0002](0002-first.md)\n",
  );
  writeFileSync(join(dir, "0002-first.md"), "# 2. First\n- Date: 2026-11-26\n- Status: superseded by [0010](0010-later.md)\n");
  const empty = "# Decisions\n<!-- decisions-index:start -->\n<!-- decisions-index:end -->\n";
  const full = regenerate(empty, readDecisions(dir));
  assert.deepEqual(tableRows(full), [
    ["#", "decision", "status"],
    ["[2](0002-first.md)", "First", "superseded by [0010](0010-later.md)"],
    ["[10](0010-later.md)", "Later \\| piped", "accepted; supersedes [0002](0002-first.md)"],
  ]);
  assert.notDeepEqual(tableRows(full.replace(/^\| \[10\].*\n/m, "")), tableRows(full));
  writeFileSync(join(dir, "0011-wrong.md"), "# 12. Wrong number\n- Status: accepted\n");
  assert.throws(() => readDecisions(dir), /its heading says 12/);
});
