import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { payoutDashboardLink, startOnboarding } from "~/modules/payments/connect.server";

/** POST: start (or continue) Stripe onboarding — a fresh single-use account link on every click. */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = formToObject(await request.formData());
  return jsonOrError(async () => {
    const { url } =
      form.intent === "stripe-dashboard"
        ? await payoutDashboardLink(env, viewer)
        : await startOnboarding(env, viewer, new URL(request.url).origin);
    return redirect(url);
  });
}

export function loader() {
  return redirect("/dashboard");
}
