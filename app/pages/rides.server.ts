/**
 * The signed-in pages whose statements run in the session lookup's own D1 batch (D24), declared
 * once: the Worker entry asks this table, each page owns the path it answers (documents and their
 * `.data` requests) and the statements it prefetches.
 */
import type { SessionRide } from "~/modules/identity/auth.server";
import { feedRide } from "./feed.server";
import { storefrontRide } from "./storefront.server";

const RIDES: readonly ((env: Env, url: URL) => SessionRide | null)[] = [storefrontRide, feedRide];

/** The batch that rides along with this GET request's session lookup, if its page has one. */
export function sessionRide(env: Env, request: Request, url: URL): SessionRide | null {
  if (request.method !== "GET") return null;
  for (const ride of RIDES) {
    const r = ride(env, url);
    if (r) return r;
  }
  return null;
}
