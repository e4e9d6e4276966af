import { describe, expect, it } from "vitest";
import { createElement as h, Fragment } from "react";
import { renderToString } from "react-dom/server";
// The production build is what deployments and the benchmarks run, and the one the patch edits
// (tests otherwise get React's development build).
// @ts-expect-error — no types for the build file itself
import { renderToReadableStream as renderProduction } from "../../node_modules/react-dom/cjs/react-dom-server.browser.production.min.js";

const renderToReadableStream = renderProduction as typeof import("react-dom/server").renderToReadableStream;

/**
 * tools/patch-deps.mjs makes react-dom's streaming renderer collect what it writes as one string,
 * encoded once per 8 KiB and at the end of each flush (decision D23). Its output must stay
 * byte-for-byte what React would send: compare it with renderToString (a separate, unpatched code
 * path) on pages full of text, attributes and multi-byte characters (surrogate pairs included),
 * from empty to well past several 8 KiB flushes.
 */
function Page({ n }: { n: number }) {
  const long = "λ".repeat(300) + " — “quoted” & <escaped> ✓ " + "x".repeat(600);
  return h(
    "main",
    { className: "mx-auto max-w-6xl", "data-n": n },
    h("h1", null, "Ünïcödé títle ", n, " 🚀"),
    Array.from({ length: n }, (_, i) =>
      h(
        "article",
        { key: i, id: `card-${i}`, className: `card ${"c".repeat(i % 200)}`, title: i % 7 ? `t${i}` : long, style: { width: `${i}px`, color: "red" } },
        h("p", null, "Item ", i, " of ", n, ": ", "é".repeat(i % 180)),
        h(Fragment, null, i % 3 ? "short" : long, h("span", { "aria-label": `label ${i}` }, String.fromCodePoint(0x1f600 + (i % 50)))),
        h("input", { defaultValue: "ß".repeat(i % 250), readOnly: true }),
      ),
    ),
  );
}

describe("react-dom streaming render (patched encoder)", () => {
  it("sends exactly the bytes React's string renderer produces", async () => {
    for (const n of [0, 1, 7, 120]) {
      const stream = await renderToReadableStream(h(Page, { n }));
      await stream.allReady;
      const streamed = new TextDecoder().decode(await new Response(stream).arrayBuffer());
      expect(streamed).toBe(renderToString(h(Page, { n })));
    }
  });
});
