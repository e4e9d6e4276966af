/**
 * Which anonymous pages are served from the edge cache, and under which versioned key.
 * `/@handle`, `/@handle/posts/:slug`, `/apps/:slug`, `/discover` and `/` — HTML GETs only (not
 * Remix `.data` fetches). Plus, for signed-in browsers that run scripts, the storefront's shared
 * signed-in page (`sharedSignedInPageKey`, decision 55).
 */
import type { EdgeKey } from "~/lib/edge-cache.server";
import { appCacheVersion, catalogVersion } from "~/modules/apps/queries.server";
import { storefrontCacheVersion } from "~/modules/storefronts/queries.server";
import { postCacheVersion } from "~/modules/posts/queries.server";
import { DISCOVER_PARAMS } from "./validation";
const MIN = 60;

/**
 * Version reads are memoised per isolate for EDGE_VERSION_TTL_MS (1000 in wrangler.toml; "0" turns
 * the memo off: every hit then reads its version from D1). Decision D29: a hot page costs one
 * small D1 read per isolate per second instead of one per request — and, deployed, a visitor far
 * from D1's primary doesn't wait on it for every "cache hit". An edit made through this isolate
 * forgets the memo at once (`forgetVersions`, called after every mutating request and queue batch),
 * so only visitors served by *other* isolates can see the previous version, for at most the TTL.
 */
const versions = new Map<string, { value: string | number | null; at: number }>();
let ttlMs = 0;
/** Bumped by `forgetVersions`: a read that started before an edit must not be remembered after it. */
let generation = 0;
/**
 * Only settled values are shared between requests (workerd does not let one request await a
 * promise that belongs to another request's I/O).
 */
async function memoVersion<T extends string | number | null>(id: string, read: () => Promise<T>): Promise<T> {
  if (ttlMs <= 0) return read();
  const now = Date.now();
  const hit = versions.get(id);
  // Refresh ahead (decision 0145): in the last fifth of its TTL one request re-reads the version while the
  // others keep using the memo, which is still within its TTL, so a busy page never has every
  // request in flight read D1 at the moment its memo expires. The bound stays the TTL: a value is
  // remembered from the moment its read started.
  if (hit && now - hit.at < ttlMs && (now - hit.at < ttlMs * 0.8 || reading.has(id))) return hit.value as T;
  const startedIn = generation;
  reading.add(id);
  let value: T;
  try {
    value = await read();
  } finally {
    reading.delete(id);
  }
  if (startedIn !== generation) return value; // an edit landed meanwhile: use it once, don't keep it
  if (versions.size > 5000) versions.clear(); // bounded memory
  versions.set(id, { value, at: now });
  return value;
}
/** Versions being read right now (at most one refresh-ahead read per version and isolate). */
const reading = new Set<string>();

/** Forgets every memoised version: after this isolate changed something, its next hit re-reads. */
export function forgetVersions() {
  generation++;
  versions.clear();
}

function postFromPath(pathname: string): { handle: string; slug: string } | null {
  const m = /^\/@([a-z0-9-]{1,30})\/posts\/([a-z0-9-]{1,120})\/?$/i.exec(pathname);
  return m ? { handle: m[1].toLowerCase(), slug: m[2].toLowerCase() } : null;
}

export function appSlugFromPath(pathname: string): string | null {
  const m = /^\/apps\/([a-z0-9-]{1,60})\/?$/i.exec(pathname);
  return m && m[1] !== "new" ? m[1].toLowerCase() : null;
}

/**
 * `db` gives the env to read versions with (the Worker entry passes its request's D1 session,
 * opened only if a version is read: decision 0145); `env` itself by default.
 */
export async function anonymousPageKey(config: Env, url: URL, db: () => Env = () => config): Promise<EdgeKey | null> {
  ttlMs = Number(config.EDGE_VERSION_TTL_MS ?? 1000) || 0;
  const path = url.pathname;
  const storefront = /^\/@([a-z0-9-]{1,30})\/?$/i.exec(path);
  if (storefront) {
    const v = await memoVersion(`sf:${storefront[1].toLowerCase()}`, () => storefrontCacheVersion(db(), storefront[1]));
    return v ? { key: `sf:${storefront[1].toLowerCase()}:${v}`, freshSeconds: 10 * MIN, staleSeconds: 24 * 60 * MIN } : null;
  }
  // Anonymous post pages (decision 55): rendered for no one (viewer null), so only what every
  // visitor may read — the public text, or a gated post's teaser and its call to action. Every
  // edit, publish, unpublish or delete of a post bumps its creator's storefront version.
  const post = postFromPath(path);
  if (post) {
    const v = await memoVersion(`post:${post.handle}:${post.slug}`, () => postCacheVersion(db(), post.handle, post.slug));
    return v ? { key: `post:${post.handle}:${post.slug}:${v}`, freshSeconds: 10 * MIN, staleSeconds: 24 * 60 * MIN } : null;
  }
  const slug = appSlugFromPath(path);
  if (slug) {
    const v = await memoVersion(`app:${slug}`, () => appCacheVersion(db(), slug));
    return v ? { key: `app:${slug}:${v}`, freshSeconds: 10 * MIN, staleSeconds: 24 * 60 * MIN } : null;
  }
  if (path === "/discover" || path === "/") {
    // Rankings move with views and follows (not in the key), so these stay fresh for a minute and
    // are then revalidated in the background. The catalog counter moves with every app change and
    // (by trigger, migration 0006) every change to a published post, so search results never lag.
    const params = new URLSearchParams();
    for (const k of DISCOVER_PARAMS) {
      const val = url.searchParams.get(k);
      if (val) params.set(k, val.trim().slice(0, 200));
    }
    params.sort();
    return {
      key: `${path === "/" ? "home" : "discover"}:c${await memoVersion("catalog", () => catalogVersion(db()))}:${params}`,
      freshSeconds: MIN,
      staleSeconds: 10 * MIN,
    };
  }
  return null;
}

/**
 * Set by the app's client script on every page it runs (`root.tsx`): this browser runs scripts,
 * so it can fill in a shared page's per-viewer parts from `/viewer.json`. Not a credential — it
 * only chooses between the shared page and a full per-viewer render.
 */
export const SCRIPTS_COOKIE = "at_js";
export function runsScripts(request: Request): boolean {
  return /(?:^|;\s*)at_js=1(?:;|$)/.test(request.headers.get("Cookie") ?? "");
}

/**
 * Decision 55: the signed-in storefront's (and a public post's) shared HTML, the same for every
 * signed-in viewer (it is rendered for no one: viewer null); the viewer's own parts come from one
 * `/viewer.json` request. Only plain URLs (no query: `?followError=` is a no-script form's answer).
 * A separate key from the anonymous page, whose header offers "Log in" instead.
 */
export async function sharedSignedInPageKey(env: Env, url: URL): Promise<EdgeKey | null> {
  if (url.search) return null;
  const storefront = /^\/@[a-z0-9-]{1,30}\/?$/i.test(url.pathname);
  // A post page is the same for every signed-in reader only when it is public and published
  // (its key says so): a gated post's readers differ, so each gets their own render.
  const post = !storefront && postFromPath(url.pathname);
  if (!storefront && !post) return null;
  const k = await anonymousPageKey(env, url);
  if (!k || (post && !k.key.endsWith(".published.public"))) return null;
  return { ...k, key: `${k.key}:signed-in` };
}
