import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { countPromotion } from "~/modules/growth/promotions.server";

// The smallest transparent GIF.
const PIXEL = Uint8Array.from(atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"), (c) => c.charCodeAt(0));

/** An impression of a promoted card, loaded lazily when it scrolls into view (D104). Never cached. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  await countPromotion(context.cloudflare.env, params.id ?? "", "impression");
  return new Response(PIXEL, { headers: { "Content-Type": "image/gif", "Cache-Control": "no-store" } });
}
