import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { resendVerification } from "~/modules/accounts/service.server";

export { passThroughHeaders as headers } from "~/lib/route-headers";

/** "Resend link" (the VerifyEmailNotice's form, fetcher-posted). Throttled: 3 an hour. */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return jsonOrError(async () => ({ ok: true as const, ...(await resendVerification(context.cloudflare.env, viewer)) }));
}

export const loader = () => redirect("/settings");
