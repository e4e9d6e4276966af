import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { orRespond } from "~/lib/http.server";
import { movedPermanently } from "~/lib/redirects";
import { tryApp, visitorKey } from "~/modules/apps/service.server";

/**
 * GET /apps/:slug/try → 302 to the app, counting one try per visitor per app per day; an old slug
 * → 301 to the current slug's try URL (counted there).
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  const slug = params.slug ?? "";
  return orRespond(async () => {
    const to = await tryApp(env, slug, await visitorKey(env, request, context.viewer?.id ?? null));
    if ("movedTo" in to) return movedPermanently(request, slug, to.movedTo);
    return redirect(to.appUrl, { headers: { "Cache-Control": "no-store", "X-Robots-Tag": "noindex" } });
  });
}

/** Never rendered on success (the loader redirects); a missing app shows the friendly 404 page. */
export default function Try() {
  return null;
}
