import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { isAppError } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { setServiceCover } from "~/modules/services/service.server";

/** Cover image upload (the product cover rules): raw bytes by XHR, or multipart without JS. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const id = params.id ?? "";
  if (!(request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data"))
    return jsonOrError(() => setServiceCover(env, viewer, id, request.body));
  try {
    const file = (await request.formData()).get("cover");
    await setServiceCover(env, viewer, id, file instanceof File ? file : null);
    return redirect(`/dashboard/services/${id}?cover=updated`);
  } catch (e) {
    if (isAppError(e)) return redirect(`/dashboard/services/${id}?fileError=${encodeURIComponent(e.message)}`);
    throw e;
  }
}
