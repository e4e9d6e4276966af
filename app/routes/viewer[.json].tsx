import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { badRequest } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { STOREFRONT_HANDLE, storefrontViewerState } from "~/modules/storefronts/service.server";

/**
 * GET /viewer.json[?storefront=handle]: the viewer-specific parts of a page served from the shared
 * edge cache (decision 55) — the header's account menu and unread count and, for a storefront,
 * the follow state and owner controls. Never cached anywhere: it names the person asking.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const res = await jsonOrError(async () => {
    const handle = new URL(request.url).searchParams.get("storefront");
    if (handle !== null && !STOREFRONT_HANDLE.test(handle)) throw badRequest("That isn't a creator's handle: use letters, digits and dashes (at most 30).");
    const v = context.viewer;
    return {
      viewer: v ? { email: v.email, isAdmin: v.isAdmin, handle: v.handle, unread: v.unread } : null,
      storefront: v && handle ? await storefrontViewerState(context.cloudflare.env, handle, v, context.prefetched ?? null) : null,
    };
  });
  res.headers.set("Cache-Control", "private, no-store");
  res.headers.set("Vary", "Cookie");
  return res;
}
