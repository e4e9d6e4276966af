import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { changeHandle } from "~/modules/storefronts/service.server";

export { passThroughHeaders as headers } from "~/lib/route-headers";

/** POST from the "Change handle" form on /settings/profile (D62); JSON with the real status. */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  return jsonOrError(async () => {
    const { handle, previous } = await changeHandle(context.cloudflare.env, viewer, form);
    return {
      ok: true as const,
      handle,
      message: `Your storefront is now at /@${handle}. Links to /@${previous} redirect here for 90 days, and nobody else can take it meanwhile.`,
    };
  });
}

export const loader = () => redirect("/settings/profile");
