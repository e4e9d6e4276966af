/**
 * Hydration on intent for anonymous visitors of public reading pages (decision 0106).
 *
 * The storefront, a post, an app page and /discover are complete HTML: reading them and following
 * their links needs no JavaScript. For an anonymous visitor their HTML keeps Remix's scripts, but
 * inert: the module preloads become `rel="x-modulepreload"` and the boot module `type="x-module"`.
 * A few hundred bytes of inline script (`HYDRATE_ON_INTENT_SCRIPT`, rendered by the root layout)
 * turn them back on at the visitor's first sign of interaction — a touch, a pointer move or press,
 * a key, a focus, a wheel, a scroll — and the page hydrates as it always did. A comment thread on
 * screen does not count (decision 0126): on a short post it is in the first viewport, and hydrating
 * for it put the whole framework on the main thread of a visitor who had done nothing yet; it
 * loads at the first interaction like the rest. A phone opening a link thus
 * downloads and runs no framework JavaScript before it shows the page; signed-in and per-viewer
 * renders are untouched.
 */

/** A route's `handle` to opt its anonymous renders into hydration on intent. */
export const hydrateOnIntent = { hydrate: "on-intent" } as const;

type RouteHandle = { hydrate?: string } | undefined;

/**
 * Whether this render is one to defer: an anonymous, non-shared render whose deepest route opted in.
 * `rootData` is the root loader's answer; `leafHandle` the deepest matched route's `handle`.
 */
export function shouldDeferHydration(rootData: unknown, leafHandle: unknown): boolean {
  const root = rootData as { viewer?: unknown; shared?: boolean } | undefined;
  if (!root || root.viewer || root.shared) return false;
  return (leafHandle as RouteHandle)?.hydrate === "on-intent";
}

/** Makes Remix's module preloads and boot module inert (see the module comment). */
export function deferHydration(html: string): string {
  return html
    .replace(/<link rel="modulepreload"/g, '<link rel="x-modulepreload"')
    .replace(/<script type="module"/g, '<script type="x-module"');
}

/**
 * Turns the inert scripts back on at the first interaction. Rendered on every page (so hydration
 * sees the same tree); does nothing on a page whose scripts are not inert.
 */
export const HYDRATE_ON_INTENT_SCRIPT = `(function(){var d=document,s=d.querySelector('script[type="x-module"]');if(!s)return;var e=["touchstart","pointerdown","pointermove","keydown","focusin","wheel","scroll"],o={capture:!0,passive:!0},g=function(){if(!s)return;e.forEach(function(t){removeEventListener(t,g,o)});d.querySelectorAll('link[rel="x-modulepreload"]').forEach(function(l){l.rel="modulepreload"});var n=d.createElement("script");n.type="module";n.async=!0;n.textContent=s.textContent;s.replaceWith(n);s=null};e.forEach(function(t){addEventListener(t,g,o)});})();`;
