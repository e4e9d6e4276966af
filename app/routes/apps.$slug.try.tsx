import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { orRespond } from "~/lib/http.server";
import { tryApp, visitorKey } from "~/modules/apps/service.server";

/** GET /apps/:slug/try → 302 to the app, counting one try per visitor per app per day. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return orRespond(async () => {
    const url = await tryApp(context.cloudflare.env, params.slug ?? "", await visitorKey(request, context.viewer?.id ?? null));
    return redirect(url, { headers: { "Cache-Control": "no-store", "X-Robots-Tag": "noindex" } });
  });
}

/** Never rendered on success (the loader redirects); a missing app shows the friendly 404 page. */
export default function Try() {
  return null;
}
