// Built assets (content-hashed names under /assets/) are cached for a year; pages are revalidated.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestApp } from "./lib.mjs";

const PORT = 8797;
let app;

before(async () => {
  app = await startTestApp(PORT);
});
after(async () => {
  await app?.stop();
});

test("scripts and styles under /assets/ are immutable for a year; HTML and other files are revalidated", async () => {
  const home = await fetch(`${app.url}/`);
  assert.equal(home.status, 200);
  const html = await home.text();
  assert.doesNotMatch(home.headers.get("cache-control") ?? "", /immutable|max-age=[1-9]/);
  const assets = [...new Set([...html.matchAll(/(?:href|src)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]))];
  assert.ok(assets.length > 0, "the home page links built assets");
  for (const path of assets) {
    const res = await fetch(`${app.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable", path);
    await res.arrayBuffer();
  }
  const favicon = await fetch(`${app.url}/favicon.svg`);
  assert.equal(favicon.status, 200);
  assert.doesNotMatch(favicon.headers.get("cache-control") ?? "", /immutable/);
  await favicon.arrayBuffer();
});
