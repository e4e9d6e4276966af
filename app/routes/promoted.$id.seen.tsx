import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { countPromotion } from "~/modules/growth/promotions.server";

// The smallest transparent GIF.
const PIXEL = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));

/** An impression of a promoted card, loaded lazily when it scrolls into view (D104); also sent to analytics (D115). Never cached. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const { env, ctx } = context.cloudflare;
  await countPromotion(env, params.id ?? "", "impression", (p) => ctx.waitUntil(p));
  return new Response(PIXEL, { headers: { "Content-Type": "image/gif", "Cache-Control": "no-store" } });
}
