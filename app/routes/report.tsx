import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { isAppError } from "~/lib/errors";
import { clientIp } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { fileReport } from "~/modules/community/moderation.server";

/**
 * POST /report — a comment, feedback item, post, app or profile (decision 75). A resource route, so
 * it answers JSON itself: `{ok, message}` or `{ok:false, formError}` with the error's status.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = formToObject(await request.formData());
  try {
    await fileReport(context.cloudflare.env, context.viewer, form, clientIp(request));
    return Response.json({ ok: true, message: "Thanks — an admin will look at it." });
  } catch (e) {
    if (!isAppError(e)) throw e;
    return Response.json({ ok: false, formError: e.message, fieldErrors: e.fieldErrors }, { status: e.status, headers: e.headers });
  }
}

export function loader() {
  throw data({ message: "Use the Report button next to what you want to report." }, { status: 405 });
}
