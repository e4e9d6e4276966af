// Dependencies run as published (decision 54): installing never rewrites files inside
// node_modules, so `npm ci --ignore-scripts` gives the same app as `npm ci`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync("package.json", "utf8"));

test("the app's own install lifecycle runs no scripts (nothing that could patch node_modules)", () => {
  for (const hook of ["preinstall", "install", "postinstall", "prepare", "preprepare", "postprepare", "dependencies"]) {
    assert.equal(pkg.scripts?.[hook], undefined, `package.json has a "${hook}" script`);
  }
});

test("no dependency patch files or patch tooling are kept", () => {
  assert.deepEqual(
    readdirSync("tools").filter((f) => f.startsWith("patch-deps")),
    [],
  );
  assert.equal(existsSync("patches"), false, "a patches/ folder (patch-package) needs its own decision: see docs/decisions/0054");
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  for (const tool of ["patch-package", "patch-package-ng"]) assert.equal(deps[tool], undefined);
});
