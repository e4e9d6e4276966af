import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { data, redirect } from "@remix-run/cloudflare";
import { isAppError, notFound } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { safeRedirect } from "~/lib/redirects";
import { requireViewer } from "~/modules/identity/auth.server";
import { followCreator, unfollowCreator } from "~/modules/follows/service.server";

/**
 * POST /@handle/follow (intent=follow|unfollow). The enhanced button sends js=1 and gets JSON
 * {following, count}; the plain form is redirected back to where it came from.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const form = await request.formData();
  const back = safeRedirect(form.get("redirectTo"), `/${params.handle ?? ""}`);
  const run = async () => {
    const raw = params.handle ?? "";
    if (!raw.startsWith("@")) throw notFound("That creator doesn't exist.");
    return form.get("intent") === "unfollow" ? unfollowCreator(env, viewer, raw.slice(1)) : followCreator(env, viewer, raw.slice(1));
  };
  if (form.get("js") === "1") return jsonOrError(async () => ({ ok: true, ...(await run()) }));
  try {
    await run();
    return redirect(back);
  } catch (e) {
    if (!isAppError(e)) throw e;
    const u = new URL(back, request.url);
    u.searchParams.set("followError", e.message);
    return redirect(u.pathname + u.search, { status: 303 });
  }
}

export function loader({ params }: { params: { handle?: string } }) {
  void params;
  throw data({ message: "Use the Follow button on the creator's page." }, { status: 405 });
}
