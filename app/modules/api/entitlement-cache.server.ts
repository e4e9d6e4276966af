import { parseOrThrow } from "~/lib/validation";
import { EntitlementQuery, entitlementsFor, type Entitlements } from "~/modules/licenses/service.server";
import type { ApiCaller } from "./auth.server";

/**
 * The entitlement check is the call a creator's app makes on every request, so its answer is
 * cached per token and customer — in this isolate's memory and in the edge cache — under the
 * creator's entitlement generation, which the authentication batch reads on every call. Any change
 * (refund, cancellation, expiry, new sale, key revoked) bumps the generation in the same write
 * (SQL triggers), so the very next call misses the cache: revocation is exact, not eventual.
 */
const memory = new Map<string, Entitlements>();
const MEMORY_MAX = 2000;
const EDGE_SECONDS = 3600;

export async function cachedEntitlements(
  env: Env,
  ctx: ExecutionContext,
  caller: ApiCaller,
  query: URLSearchParams,
): Promise<Entitlements> {
  const { customer_email: email } = parseOrThrow(EntitlementQuery, Object.fromEntries(query));
  const key = `https://entitlements.api.internal/${caller.tokenHash}/${caller.entitlementVersion}/${encodeURIComponent(email)}`;
  const hot = memory.get(key);
  if (hot) return hot;
  const cache = (globalThis as { caches?: { default?: Cache } }).caches?.default;
  const edge = cache ? await cache.match(key) : undefined;
  if (edge) {
    const body = (await edge.json()) as Entitlements;
    remember(key, body);
    return body;
  }
  const body = await entitlementsFor(env, caller.viewer.id, { customer_email: email });
  remember(key, body);
  if (cache) {
    const res = new Response(JSON.stringify(body), {
      headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${EDGE_SECONDS}` },
    });
    ctx.waitUntil(cache.put(key, res));
  }
  return body;
}

function remember(key: string, body: Entitlements) {
  if (memory.size >= MEMORY_MAX) memory.delete(memory.keys().next().value!);
  memory.set(key, body);
}
