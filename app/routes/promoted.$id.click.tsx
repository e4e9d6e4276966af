import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { countPromotion } from "~/modules/growth/promotions.server";

/** A click on a promoted card: counted for the buyer and in analytics (D104, D115), then on to the app or product. Never cached. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const { env, ctx } = context.cloudflare;
  const to = await countPromotion(env, params.id ?? "", "click", (p) => ctx.waitUntil(p));
  if (!to) throw new Response("That promotion isn't running.", { status: 404 });
  return redirect(to, { status: 302, headers: { "Cache-Control": "no-store" } });
}
