import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { isAppError, tooLarge } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { IMAGE_LIMITS, tooLargeMessage } from "~/lib/upload-limits";
import { uploadPostImage } from "~/modules/posts/service.server";

/** Image upload for post bodies: raw bytes (XHR, JSON answer) or multipart (no-JS, redirect back). */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const url = new URL(request.url);
  const isMultipart = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");
  // Images aren't tied to a post (they belong to the creator), so the new-post form uploads too.
  const back = (postId: string) => (postId ? `/dashboard/posts/${encodeURIComponent(postId)}` : "/dashboard/posts/new");
  const run = async () => {
    const declared = Number(request.headers.get("Content-Length") ?? "0");
    if (declared > IMAGE_LIMITS.cover + (isMultipart ? 64 * 1024 : 0))
      throw tooLarge(tooLargeMessage("image", IMAGE_LIMITS.cover, isMultipart ? undefined : declared));
    if (isMultipart) {
      const form = await request.formData();
      const file = form.get("image");
      return { ...(await uploadPostImage(env, viewer, file instanceof File ? file : null)), postId: String(form.get("postId") ?? "") };
    }
    return { ...(await uploadPostImage(env, viewer, request.body)), postId: url.searchParams.get("postId") ?? "" };
  };
  if (!isMultipart) return jsonOrError(run);
  try {
    const r = await run();
    return redirect(`${back(r.postId)}?image=${encodeURIComponent(r.markdown)}`);
  } catch (e) {
    if (isAppError(e)) return redirect(`/dashboard/posts?imageError=${encodeURIComponent(e.message)}`);
    throw e;
  }
}
