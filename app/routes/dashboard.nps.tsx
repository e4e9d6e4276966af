import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { isAppError } from "~/lib/errors";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { recordNps } from "~/modules/analytics/nps.server";

/**
 * POST /dashboard/nps — the creator survey's answer or "not now" (decision 0122), then back to the
 * dashboard. Bad input answers with its status and `{ ok: false, formError }` (the survey form is a
 * fetcher form and shows it in place).
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  try {
    const r = await recordNps(context.cloudflare.env, viewer, form);
    return redirect(r.intent === "answer" ? "/dashboard?survey=thanks" : "/dashboard");
  } catch (e) {
    if (isAppError(e)) return Response.json({ ok: false, formError: e.message, fieldErrors: e.fieldErrors }, { status: e.status });
    throw e;
  }
}

export function loader() {
  return redirect("/dashboard");
}
