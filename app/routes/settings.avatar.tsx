import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { isAppError, tooLarge } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { IMAGE_LIMITS, tooLargeMessage } from "~/lib/upload-limits";
import { setAvatar } from "~/modules/storefronts/service.server";

/**
 * Avatar upload. Two ways in: the enhanced form sends the raw file bytes (XHR, so the page can
 * show upload progress) and gets JSON back; without JavaScript the multipart form posts here and
 * is redirected back to the profile page with the outcome.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const url = new URL(request.url);
  const isMultipart = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");
  const run = async () => {
    const declared = Number(request.headers.get("Content-Length") ?? "0");
    // Refuse obviously oversized bodies before reading them (multipart adds a little overhead).
    if (declared > IMAGE_LIMITS.avatar + (isMultipart ? 64 * 1024 : 0))
      throw tooLarge(tooLargeMessage("image", IMAGE_LIMITS.avatar, isMultipart ? undefined : declared));
    if (isMultipart) {
      const form = await request.formData();
      const file = form.get("avatar");
      return setAvatar(env, viewer, String(form.get("handle") ?? ""), file instanceof File ? file : null);
    }
    return setAvatar(env, viewer, url.searchParams.get("handle") ?? "", request.body);
  };
  if (!isMultipart) return jsonOrError(run);
  try {
    await run();
    return redirect("/settings/profile?avatar=updated");
  } catch (e) {
    if (isAppError(e)) return redirect(`/settings/profile?avatarError=${encodeURIComponent(e.message)}`);
    throw e;
  }
}
