import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { reconcileFollowsAsAdmin } from "~/modules/follows/service.server";

/**
 * POST /admin/reconcile-follows.json (admins only; `npm run reconcile` calls it). Compares every
 * creator's Durable Object follow set with the D1 edges; `repair=1` makes D1 match the DO.
 * The page for people is /admin/reconcile-follows.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  return jsonOrError(() =>
    reconcileFollowsAsAdmin(context.cloudflare.env, viewer, {
      repair: form.get("repair") === "1",
      handle: String(form.get("handle") ?? "") || undefined,
    }),
  );
}

export function loader() {
  throw data({ message: "Use POST (npm run reconcile), or open /admin/reconcile-follows." }, { status: 405 });
}
