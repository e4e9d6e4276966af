import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { isAppError } from "~/lib/errors";
import { managedBookingIcs } from "~/modules/services/guest-booking.server";

/** A guest's booking as an `.ics` file, through their signed manage link (D131); 404 otherwise. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  try {
    const body = await managedBookingIcs(context.cloudflare.env, params.id, params.token);
    return new Response(body, {
      headers: {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": `attachment; filename="booking-${(params.id ?? "").replace(/[^A-Za-z0-9_-]/g, "")}.ics"`,
        "Cache-Control": "private, no-store",
        "Referrer-Policy": "no-referrer",
      },
    });
  } catch (e) {
    if (isAppError(e)) return new Response(e.message, { status: e.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    throw e;
  }
}
