import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { countPromotion } from "~/modules/growth/promotions.server";

/** A click on a promoted card: counted for the buyer (D104), then on to the app. Never cached. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const slug = await countPromotion(context.cloudflare.env, params.id ?? "", "click");
  if (!slug) throw new Response("That promotion isn't running.", { status: 404 });
  return redirect(`/apps/${slug}`, { status: 302, headers: { "Cache-Control": "no-store" } });
}
