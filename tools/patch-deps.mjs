// Runs after `npm install` (package.json "postinstall"). Two performance patches to dependencies,
// applied idempotently with exact text matches; if a future version no longer matches, it prints
// a warning and leaves the file alone (the app works the same, only slower). README decision D23.
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

// react-dom 18's streaming server renderer (the build Workers use) turns every dynamic string it
// writes — each text node and attribute value — into a fresh Uint8Array with TextEncoder.encode,
// then copies it into its 512-byte write buffer: ~1,000 native calls and allocations for a page of
// 24 app cards (11% of the render's CPU). The patch keeps those strings as strings until they are
// written, and encodes them straight into the write buffer with encodeInto. The bytes sent are
// identical (a test compares a page rendered both ways); long strings take the original path.
const REACT_MARK = "/* allthrive:react-encode-into */";
const reactFile = join("node_modules", "react-dom", "cjs", "react-dom-server.browser.production.min.js");
const encodeFrom = "function u(a){return ca.encode(a)}";
const encodeTo = "function u(a){return a}";
const writeFrom = "function p(a,b){if(0!==b.length)";
const writeTo =
  `${REACT_MARK}function p(a,b){if("string"===typeof b){if(0===b.length)return;if(170<b.length)b=ca.encode(b);else{` +
  `if(l.length-n<3*b.length){0<n&&a.enqueue(new Uint8Array(l.buffer,0,n));l=new Uint8Array(512);n=0}` +
  `n+=ca.encodeInto(b,new Uint8Array(l.buffer,n)).written;return}}if(0!==b.length)`;
if (existsSync(reactFile)) {
  let src = readFileSync(reactFile, "utf8");
  if (!src.includes(REACT_MARK)) {
    if (src.includes(encodeFrom) && src.includes(writeFrom)) {
      writeFileSync(reactFile, src.replace(encodeFrom, encodeTo).replace(writeFrom, writeTo));
      console.log(`[patch-deps] encodeInto for streamed strings in ${reactFile}`);
    } else {
      console.warn(`[patch-deps] ${reactFile}: the expected code was not found (new react-dom version?); left unpatched.`);
    }
  }
}

// The same renderer hands its output over in 512-byte chunks: a storefront page is ~80 chunks, each
// a ReadableStream enqueue and a fresh buffer, only for entry.server to join them again (the page is
// sent whole). 8 KiB chunks: the same bytes, a tenth of the chunks.
const VIEW_MARK = "/* allthrive:react-view-8k */";
if (existsSync(reactFile)) {
  let src = readFileSync(reactFile, "utf8");
  if (!src.includes(VIEW_MARK)) {
    const views = src.split("new Uint8Array(512)").length - 1;
    if (views === 5 && src.includes("if(512<b.length)")) {
      src = src.replaceAll("new Uint8Array(512)", "new Uint8Array(8192)").replace("if(512<b.length)", "if(8192<b.length)");
      writeFileSync(reactFile, `${VIEW_MARK}\n${src}`);
      console.log(`[patch-deps] 8 KiB write chunks in ${reactFile}`);
    } else {
      console.warn(`[patch-deps] ${reactFile}: the expected chunk size was not found (new react-dom version?); left unpatched.`);
    }
  }
}
