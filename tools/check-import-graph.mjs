// The import-graph check of `npm run lint` (decision 0056): domain folders under app/modules/ must
// not import each other in a loop, and app/lib/ imports no domain module except the schema barrel.
// Table definitions (`schema.ts` and the barrel `app/modules/schema.ts`) are the shared data layer
// under every domain, so imports of them are not dependencies between domains. Type-only imports
// vanish at build time and are ignored too. Exits 1 and names the cycle when there is one.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = process.cwd();
const walk = (dir, out = []) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f)) out.push(p);
  }
  return out;
};

/** The node a file belongs to: `modules/<domain>`, `lib`, or null (not checked). */
function nodeOf(file) {
  const r = relative(root, file).replaceAll("\\", "/");
  const m = /^app\/modules\/([^/.]+)\//.exec(r);
  if (m) return m[1] === "demo" ? null : `modules/${m[1]}`;
  if (r.startsWith("app/lib/")) return "lib";
  return null;
}
const isSchema = (target) => /(^|\/)schema(\.ts)?$/.test(target);

export function importGraph(files = walk(join(root, "app"))) {
  const edges = new Map();
  const problems = [];
  for (const file of files) {
    const from = nodeOf(file);
    if (!from) continue;
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?\sfrom\s+["']([^"']+)["']/gm)) {
      if (m[2]) continue; // type-only
      const spec = m[3];
      let target;
      if (spec.startsWith("~/")) target = join(root, "app", spec.slice(2));
      else if (spec.startsWith(".")) target = resolve(dirname(file), spec);
      else continue;
      const to = nodeOf(target + "/") ?? nodeOf(target);
      const rel = relative(root, file);
      if (from === "lib" && relative(root, target).startsWith("app/modules") && !/app\/modules\/schema$/.test(relative(root, target)))
        problems.push(`${rel}: lib/ imports ${spec} (only the schema barrel ~/modules/schema is allowed)`);
      if (!to || to === from || isSchema(spec) || to === "lib") continue;
      if (!edges.has(from)) edges.set(from, new Map());
      const e = edges.get(from);
      if (!e.has(to)) e.set(to, `${rel} → ${spec}`);
    }
  }
  return { edges, problems };
}

/** Strongly connected components with more than one node (Tarjan). */
export function cycles(edges) {
  let index = 0;
  const stack = [],
    on = new Set(),
    idx = new Map(),
    low = new Map(),
    out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of (edges.get(v) ?? new Map()).keys()) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c);
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { edges, problems } = importGraph();
  const found = cycles(edges);
  for (const c of found) {
    console.error(`✗ import cycle between domain modules: ${c.sort().join(", ")}`);
    for (const a of c) for (const [b, why] of edges.get(a) ?? []) if (c.includes(b)) console.error(`    ${a} → ${b}   (${why})`);
  }
  for (const p of problems) console.error(`✗ ${p}`);
  if (found.length || problems.length) process.exit(1);
  console.log(
    `✓ import graph: ${[...edges.values()].reduce((n, e) => n + e.size, 0)} dependencies between ${edges.size} domain folders and lib/, no cycle`,
  );
}
