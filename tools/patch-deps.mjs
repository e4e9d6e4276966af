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

// react-dom 18's streaming server renderer (the build Workers use) turns every string it writes —
// each tag, attribute name and value, text node — into bytes as it goes: precomputed chunks are
// Uint8Arrays copied into a 512-byte buffer, dynamic strings go through TextEncoder.encode one by
// one, and every full buffer is a ReadableStream chunk. On a storefront page that is thousands of
// small copies and allocations (a tenth of the render's CPU). The patch keeps every chunk a string,
// appends it to one pending string (V8 concatenation is cheap) and encodes that once per 8 KiB, and
// at the end of each flush. Byte chunks (none in practice) still go out as they come, after the
// pending text. The bytes sent are identical: app/lib/react-stream.test.ts compares them with
// renderToString's. (Supersedes this file's earlier encodeInto and 8 KiB-buffer patches.)
const reactFile = join("node_modules", "react-dom", "cjs", "react-dom-server.browser.production.min.js");
const writerFrom =
  "function p(a,b){if(0!==b.length)if(512<b.length)0<n&&(a.enqueue(new Uint8Array(l.buffer,0,n)),l=new Uint8Array(512),n=0),a.enqueue(b);" +
  "else{var c=l.length-n;c<b.length&&(0===c?a.enqueue(l):(l.set(b.subarray(0,c),n),a.enqueue(l),b=b.subarray(c)),l=new Uint8Array(512),n=0);" +
  "l.set(b,n);n+=b.length}}function t(a,b){p(a,b);return!0}function ba(a){l&&0<n&&(a.enqueue(new Uint8Array(l.buffer,0,n)),l=null,n=0)}" +
  "var ca=new TextEncoder;function u(a){return ca.encode(a)}function w(a){return ca.encode(a)}";
const writerTo =
  'var atS="";function atF(a){a.enqueue(ca.encode(atS));atS=""}' +
  'function p(a,b){if("string"===typeof b){atS+=b;8192<=atS.length&&atF(a);return}0<atS.length&&atF(a);0!==b.length&&a.enqueue(b)}' +
  "function t(a,b){p(a,b);return!0}function ba(a){0<atS.length&&atF(a);l&&0<n&&(a.enqueue(new Uint8Array(l.buffer,0,n)),l=null,n=0)}" +
  "var ca=new TextEncoder;function u(a){return a}function w(a){return a}";
if (existsSync(reactFile) && /allthrive:react-(encode-into|view-8k)/.test(readFileSync(reactFile, "utf8"))) {
  console.warn(`[patch-deps] ${reactFile} carries an older patch; run \`npm ci\` to restore it, then this script patches it afresh.`);
} else {
  patchOnce(reactFile, "/* allthrive:react-string-writer */", [[writerFrom, writerTo]]);
}

// Route matching, continued. Per server render, Remix builds React Router's route tree afresh
// (RemixServer → createServerRoutes → createStaticRouter → convertRoutesToDataRoutes), so the
// branch memo above never hits for it, and every render re-flattens, re-ranks and re-matches the
// whole tree (the request handler, the static handler, React Router and lazy route discovery each
// match the URL again). On the server those trees are a pure function of the build, so:
//  - RemixServer reuses the route tree built for the same manifest;
//  - createStaticRouter reuses the data routes (and their id → route manifest) for the same tree;
//  - matchRoutes remembers, per ranked branch list, the matches for a pathname (bounded), and
//    returns fresh copies, so callers may still change what they get.
// Found by profiling a signed-in page: route matching was 9–15% of its CPU (docs/performance.md).
function patchOnce(file, mark, pairs) {
  if (!existsSync(file)) return;
  let src = readFileSync(file, "utf8");
  if (src.includes(mark)) return;
  if (!pairs.every(([from]) => src.includes(from))) {
    console.warn(`[patch-deps] ${file}: the expected code was not found (new version?); left unpatched.`);
    return;
  }
  for (const [from, to] of pairs) src = src.replace(from, to);
  writeFileSync(file, `${mark}\n${src}`);
  console.log(`[patch-deps] ${mark.slice(3, -3)} in ${file}`);
}

const serverRoutesMemo = (call) =>
  `(typeof document === "undefined" ? (globalThis.__atServerRoutes ??= new WeakMap()) : null)?.get(manifest.routes) ?? ((r) => (typeof document === "undefined" && globalThis.__atServerRoutes.set(manifest.routes, r), r))(${call})`;
for (const [file, call] of [
  [join("node_modules", "@remix-run", "react", "dist", "esm", "server.js"), "createServerRoutes(manifest.routes, routeModules, context.future, context.isSpaMode)"],
  [join("node_modules", "@remix-run", "react", "dist", "server.js"), "routes.createServerRoutes(manifest.routes, routeModules, context.future, context.isSpaMode)"],
]) {
  patchOnce(file, "/* allthrive:server-routes-memo */", [[`= ${call};`, `= ${serverRoutesMemo(call)};`]]);
}

const dataRoutesFrom = (fn) => `  let manifest = {};\n  let dataRoutes = ${fn}(routes, `;
const dataRoutesTo = (fn) =>
  `  let __atHit = typeof document === "undefined" ? (globalThis.__atDataRoutes ??= new WeakMap()).get(routes) : undefined;\n` +
  `  let manifest = __atHit ? __atHit.manifest : {};\n` +
  `  let dataRoutes = __atHit ? __atHit.dataRoutes : ((d) => (typeof document === "undefined" && globalThis.__atDataRoutes.set(routes, { dataRoutes: d, manifest }), d))(${fn}(routes, `;
for (const [file, fn, tail] of [
  [join("node_modules", "react-router-dom", "server.js"), "router.UNSAFE_convertRoutesToDataRoutes", "reactRouter.UNSAFE_mapRouteProperties, undefined, manifest);"],
  [join("node_modules", "react-router-dom", "server.mjs"), "UNSAFE_convertRoutesToDataRoutes", "UNSAFE_mapRouteProperties, undefined, manifest);"],
]) {
  patchOnce(file, "/* allthrive:data-routes-memo */", [[dataRoutesFrom(fn) + tail, dataRoutesTo(fn) + tail.slice(0, -1) + ");"]]);
}

const matchFrom = `  let branches = __atBranches(routes);
  let matches = null;
  let decoded = decodePath(pathname);
  for (let i = 0; matches == null && i < branches.length; ++i) {`;
const matchTo = `  let branches = __atBranches(routes);
  let matches = null;
  let decoded = decodePath(pathname);
  let __atMemo = __atBranchCache ? (__atMatchCache.get(branches) ?? __atMatchCache.set(branches, new Map()).get(branches)) : null;
  let __atKey = (allowPartial ? "1" : "0") + decoded;
  if (__atMemo && __atMemo.has(__atKey)) {
    let hit = __atMemo.get(__atKey);
    return hit && hit.map((m) => ({ ...m, params: { ...m.params } }));
  }
  for (let i = 0; matches == null && i < branches.length; ++i) {`;
const matchEndFrom = `    matches = matchRouteBranch(branches[i], decoded, allowPartial);
  }
  return matches;
}`;
const matchEndTo = `    matches = matchRouteBranch(branches[i], decoded, allowPartial);
  }
  if (__atMemo) {
    if (__atMemo.size > 2000) __atMemo.clear();
    __atMemo.set(__atKey, matches && matches.map((m) => ({ ...m, params: { ...m.params } })));
  }
  return matches;
}
const __atMatchCache = new WeakMap();`;
for (const file of files) patchOnce(file, "/* allthrive:match-memo */", [[matchFrom, matchTo], [matchEndFrom, matchEndTo]]);

// drizzle-orm maps every cell of every result row through mapResultRow, which works out again, for
// each cell, which decoder the column has (a prototype-chain walk per `is()` check) and walks the
// field's path with an iterator. The patch works that out once per selection (a WeakMap on the
// query's field list, which prepared statements keep) and then maps rows with plain loops. Same
// values, same null-folding of left-joined tables. (The ESM build is the one the Worker bundles.)
const drizzleUtils = join("node_modules", "drizzle-orm", "utils.js");
const mapRowFrom = readFileSync(new URL("./patch-deps/drizzle-map-row.orig.txt", import.meta.url), "utf8");
const mapRowTo = `const __atRowPlans = new WeakMap();
function __atRowPlan(columns) {
  let plan = __atRowPlans.get(columns);
  if (!plan) {
    plan = columns.map(({ path, field }) => {
      const isColumn = is(field, Column);
      const decoder = isColumn ? field : is(field, SQL) ? field.decoder : is(field, Subquery) ? field._.sql.decoder : field.sql.decoder;
      return { path, last: path[path.length - 1], decoder, tableName: isColumn && path.length === 2 ? getTableName(field.table) : null };
    });
    __atRowPlans.set(columns, plan);
  }
  return plan;
}
function mapResultRow(columns, row, joinsNotNullableMap) {
  const nullifyMap = {};
  const plan = __atRowPlan(columns);
  const result = {};
  for (let columnIndex = 0; columnIndex < plan.length; columnIndex++) {
    const { path, last, decoder, tableName } = plan[columnIndex];
    let node = result;
    for (let i = 0; i < path.length - 1; i++) {
      const pathChunk = path[i];
      if (!(pathChunk in node)) {
        node[pathChunk] = {};
      }
      node = node[pathChunk];
    }
    const rawValue = row[columnIndex];
    const value = node[last] = rawValue === null ? null : decoder.mapFromDriverValue(rawValue);
    if (joinsNotNullableMap && tableName !== null) {
      const objectName = path[0];
      if (!(objectName in nullifyMap)) {
        nullifyMap[objectName] = value === null ? tableName : false;
      } else if (typeof nullifyMap[objectName] === "string" && nullifyMap[objectName] !== tableName) {
        nullifyMap[objectName] = false;
      }
    }
  }
`;
patchOnce(drizzleUtils, "/* allthrive:drizzle-row-plan */", [[mapRowFrom, mapRowTo]]);
