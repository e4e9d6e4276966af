// Runs after `npm install` (package.json "postinstall"). One performance patch to a dependency,
// applied idempotently with exact text matches; if a future version no longer matches, it prints
// a warning and leaves the file alone (the app works the same, only slower). README decision D18.
//
// @remix-run/router matches the URL against every route up to four times per server render
// (request handler, static handler, React Router, lazy route discovery), and each time it
// re-flattens and re-ranks the whole route tree and compiles a RegExp per route pattern it tries.
// That was ~14% of the Worker's CPU per signed-in page. The patch memoises:
//  - compilePath(path, caseSensitive, end): a pure function of its arguments (bounded Map);
//  - flattenRoutes + rankRouteBranches per routes array, on the server only (no `document`):
//    server route trees never change, while in the browser lazy route discovery grows them in place.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MARK = "/* allthrive:router-memo */";
const dir = join("node_modules", "@remix-run", "router", "dist");
const files = ["router.js", "router.cjs.js"].map((f) => join(dir, f)).filter((f) => existsSync(f));

const compileFrom = "function compilePath(path, caseSensitive, end) {";
const compileTo = `${MARK}
const __atCompiled = new Map();
function compilePath(path, caseSensitive, end) {
  const key = (caseSensitive ? "1" : "0") + (end === false ? "0" : "1") + path;
  let hit = __atCompiled.get(key);
  if (!hit) {
    if (__atCompiled.size > 5000) __atCompiled.clear();
    hit = __atCompilePath(path, caseSensitive, end);
    __atCompiled.set(key, hit);
  }
  return [hit[0], hit[1]];
}
function __atCompilePath(path, caseSensitive, end) {`;
const branchesFrom = "  let branches = flattenRoutes(routes);\n  rankRouteBranches(branches);\n";
const branchesTo = "  let branches = __atBranches(routes);\n";
const branchesHelper = `
const __atBranchCache = typeof document === "undefined" ? new WeakMap() : null;
function __atBranches(routes) {
  let branches = __atBranchCache && __atBranchCache.get(routes);
  if (!branches) {
    branches = flattenRoutes(routes);
    rankRouteBranches(branches);
    if (__atBranchCache) __atBranchCache.set(routes, branches);
  }
  return branches;
}
`;

for (const file of files) {
  let src = readFileSync(file, "utf8");
  if (src.includes(MARK)) continue;
  if (!src.includes(compileFrom) || !src.includes(branchesFrom)) {
    console.warn(`[patch-deps] ${file}: the expected code was not found (new @remix-run/router version?); left unpatched.`);
    continue;
  }
  src = src.replace(compileFrom, compileTo).replace(branchesFrom, branchesTo);
  src = src.replace("function matchRoutesImpl(", `${branchesHelper}function matchRoutesImpl(`);
  writeFileSync(file, src);
  console.log(`[patch-deps] memoised route matching in ${file}`);
}
