import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { isAppError } from "~/lib/errors";
import { requireViewer } from "~/modules/identity/auth.server";
import { bookingIcs } from "~/modules/services/ics.server";

/** A booking as an `.ics` file (its buyer or creator only; anyone else gets a plain 404). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const id = params.id ?? "";
  try {
    const body = await bookingIcs(context.cloudflare.env, viewer, id);
    return new Response(body, {
      headers: {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": `attachment; filename="booking-${id.replace(/[^A-Za-z0-9_-]/g, "")}.ics"`,
        "Cache-Control": "private, no-store",
      },
    });
  } catch (e) {
    if (isAppError(e)) return new Response(e.message, { status: e.status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    throw e;
  }
}
