import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { getItemStats } from "~/modules/analytics/items.server";

/**
 * GET /dashboard/analytics/item.json?kind=app|product|post&id=… — the owner's 30-day stats for one
 * of their items. Fetched by the owner's page in the browser, so the public (cached) page never
 * carries it; private and never stored by any cache.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const url = new URL(request.url);
  const res = await jsonOrError(() => getItemStats(context.cloudflare.env, viewer, Object.fromEntries(url.searchParams)));
  res.headers.set("Cache-Control", "private, no-store");
  return res;
}
