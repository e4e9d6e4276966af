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
 */
export type EdgeKey = { key: string; freshSeconds: number; staleSeconds: number };

const STORED_AT = "X-Edge-Stored-At";
const refreshing = new Set<string>();

const keyRequest = (origin: string, key: string) => new Request(`${origin}/__edge-cache/${encodeURIComponent(key)}`);

function forClient(res: Response, state: "HIT" | "STALE" | "MISS"): Response {
  const out = new Response(res.body, res);
  out.headers.delete(STORED_AT);
  out.headers.delete("Set-Cookie");
  // Browsers and shared proxies revalidate every time; the freshness lives in our keyed cache.
  out.headers.set("Cache-Control", "public, max-age=0, must-revalidate");
  out.headers.set("X-Edge-Cache", state);
  return out;
}

async function store(cache: Cache, req: Request, res: Response, spec: EdgeKey) {
  if (res.status !== 200 || res.headers.has("Set-Cookie")) return;
  const copy = new Response(res.body, res);
  copy.headers.set(STORED_AT, String(Date.now()));
  copy.headers.set("Cache-Control", `public, max-age=${spec.staleSeconds}`);
  await cache.put(req, copy);
}

export async function serveFromEdgeCache(
  origin: string,
  spec: EdgeKey,
  ctx: ExecutionContext,
  render: () => Promise<Response>,
): Promise<Response> {
  const cache = (caches as unknown as { default: Cache }).default;
  const req = keyRequest(origin, spec.key);
  const hit = await cache.match(req);
  if (hit) {
    const age = (Date.now() - Number(hit.headers.get(STORED_AT) ?? 0)) / 1000;
    if (age < spec.freshSeconds) return forClient(hit, "HIT");
    if (!refreshing.has(spec.key)) {
      refreshing.add(spec.key);
      ctx.waitUntil(
        render()
          .then((fresh) => store(cache, req, fresh, spec))
          .catch(() => {})
          .finally(() => refreshing.delete(spec.key)),
      );
    }
    return forClient(hit, "STALE");
  }
  const res = await render();
  if (res.status === 200 && !res.headers.has("Set-Cookie")) {
    const [a, b] = res.body ? res.body.tee() : [null, null];
    ctx.waitUntil(store(cache, req, new Response(b, res), spec));
    return forClient(new Response(a, res), "MISS");
  }
  return res;
}
