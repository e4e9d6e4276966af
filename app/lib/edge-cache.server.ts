/**
 * Edge cache for anonymous pages (Workers Cache API, `caches.default`, per data centre).
 *
 * Keys are versioned: the caller folds everything that can change the page (creator version,
 * app version, follower count, catalog counter…) into `key`, so an edit produces a new key and the
 * next visitor gets a fresh render — no purge, no stale page after an edit. Old keys simply expire.
 *
 * Stale-while-revalidate by hand (the Cache API ignores the directive): each entry records when it
 * was stored; younger than `freshSeconds` → served as is (HIT); older but within `staleSeconds` →
 * served (STALE) while `ctx.waitUntil` re-renders and replaces it; beyond that it has expired.
 * Only 200 responses without Set-Cookie are stored. The caller guarantees the request is anonymous.
 *
 * Two tiers: a small in-memory copy per isolate in front of the Cache API (decision D19).
 * Both hold the same versioned keys, so the memory tier can never serve a page the Cache API
 * wouldn't: an edit changes the key, and the old entry is simply never asked for again.
 */
export type EdgeKey = { key: string; freshSeconds: number; staleSeconds: number };

const STORED_AT = "X-Edge-Stored-At";
const refreshing = new Set<string>();

const keyRequest = (origin: string, key: string) => new Request(`${origin}/__edge-cache/${encodeURIComponent(key)}`);

/** The memory tier: whole bodies of recently served pages, bounded in bytes, oldest dropped first. */
type Entry = { body: ArrayBuffer; headers: [string, string][]; storedAt: number; bytes: number };
const MEMORY_MAX_BYTES = 8 * 1024 * 1024;
const MEMORY_MAX_ENTRY = 512 * 1024;
const memory = new Map<string, Entry>();
let memoryBytes = 0;

function remember(key: string, body: ArrayBuffer, headers: Headers, storedAt: number) {
  if (body.byteLength > MEMORY_MAX_ENTRY) return;
  const old = memory.get(key);
  if (old) {
    memory.delete(key);
    memoryBytes -= old.bytes;
  }
  const list: [string, string][] = [];
  headers.forEach((v, k) => {
    if (k !== "set-cookie" && k !== STORED_AT.toLowerCase()) list.push([k, v]);
  });
  const entry = { body, headers: list, storedAt, bytes: body.byteLength + 64 * list.length };
  memory.set(key, entry);
  memoryBytes += entry.bytes;
  for (const [k, e] of memory) {
    if (memoryBytes <= MEMORY_MAX_BYTES) break;
    memory.delete(k);
    memoryBytes -= e.bytes;
  }
}

/** Test hook: forget the memory tier (as a fresh isolate would), so the Cache API tier is exercised. */
export function clearEdgeMemory() {
  memory.clear();
  memoryBytes = 0;
}

const CLIENT_CACHE_CONTROL = "public, max-age=0, must-revalidate";

function fromMemory(e: Entry, state: "HIT" | "STALE"): Response {
  const headers = new Headers(e.headers);
  // Browsers and shared proxies revalidate every time; the freshness lives in our keyed cache.
  headers.set("Cache-Control", CLIENT_CACHE_CONTROL);
  headers.set("X-Edge-Cache", state);
  headers.set("X-Edge-Cache-Tier", "memory");
  return new Response(e.body, { status: 200, headers });
}

function forClient(res: Response, state: "HIT" | "STALE" | "MISS"): Response {
  const out = new Response(res.body, res);
  out.headers.delete(STORED_AT);
  out.headers.delete("Set-Cookie");
  out.headers.set("Cache-Control", CLIENT_CACHE_CONTROL);
  out.headers.set("X-Edge-Cache", state);
  return out;
}

/** Puts a rendered 200 into both tiers: memory at once, the Cache API in the returned promise. */
function storeBody(cache: Cache, req: Request, key: string, body: ArrayBuffer, res: Response, spec: EdgeKey): Promise<void> {
  const storedAt = Date.now();
  remember(key, body, res.headers, storedAt);
  const copy = new Response(body, res);
  copy.headers.set(STORED_AT, String(storedAt));
  copy.headers.set("Cache-Control", `public, max-age=${spec.staleSeconds}`);
  return cache.put(req, copy);
}

const storable = (res: Response) => res.status === 200 && !res.headers.has("Set-Cookie");

/** Fresh → HIT; within the stale window → STALE plus one background refresh per key; else null. */
function freshness(storedAt: number, spec: EdgeKey): "HIT" | "STALE" | null {
  const age = (Date.now() - storedAt) / 1000;
  return age < spec.freshSeconds ? "HIT" : age < spec.staleSeconds ? "STALE" : null;
}

export async function serveFromEdgeCache(
  origin: string,
  spec: EdgeKey,
  ctx: ExecutionContext,
  render: () => Promise<Response>,
): Promise<Response> {
  const cache = (caches as unknown as { default: Cache }).default;
  // Built only when the Cache API tier is asked: a memory hit needs no Request (decision 0145).
  let keyReq: Request | null = null;
  const req = () => (keyReq ??= keyRequest(origin, spec.key));
  const refresh = () => {
    if (refreshing.has(spec.key)) return;
    refreshing.add(spec.key);
    ctx.waitUntil(
      render()
        .then(async (fresh) => {
          if (storable(fresh)) await storeBody(cache, req(), spec.key, await fresh.arrayBuffer(), fresh, spec);
        })
        .catch(() => {})
        .finally(() => refreshing.delete(spec.key)),
    );
  };

  // Tier 1: this isolate's memory.
  const mem = memory.get(spec.key);
  if (mem) {
    const state = freshness(mem.storedAt, spec);
    if (state) {
      if (state === "STALE") refresh();
      return fromMemory(mem, state);
    }
    memory.delete(spec.key);
    memoryBytes -= mem.bytes;
  }

  // Tier 2: the data centre's Cache API.
  const hit = await cache.match(req());
  if (hit) {
    const storedAt = Number(hit.headers.get(STORED_AT) ?? 0);
    const state = freshness(storedAt, spec) ?? "STALE";
    const body = await hit.arrayBuffer();
    remember(spec.key, body, hit.headers, storedAt);
    if (state === "STALE") refresh();
    const out = forClient(new Response(body, hit), state);
    out.headers.set("X-Edge-Cache-Tier", "cache");
    return out;
  }
  const res = await render();
  if (storable(res)) {
    // Pages are rendered whole before they are sent (entry.server waits for allReady), so reading
    // the body here delays nothing, and the next request already finds it in memory.
    const body = await res.arrayBuffer();
    ctx.waitUntil(storeBody(cache, req(), spec.key, body, res, spec));
    return forClient(new Response(body, res), "MISS");
  }
  return res;
}
