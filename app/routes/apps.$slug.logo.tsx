import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { imageUploadAction } from "~/lib/upload-route.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { IMAGE_LIMITS } from "~/lib/upload-limits";
import { setLogo } from "~/modules/apps/service.server";

/** POST /apps/:slug/logo — raw bytes (JSON answer) or multipart (redirect back). */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const slug = params.slug ?? "";
  return imageUploadAction(request, {
    field: "logo",
    maxBytes: IMAGE_LIMITS.logo,
    back: `/apps/${slug}/edit`,
    store: (source) => setLogo(context.cloudflare.env, viewer, slug, source),
  });
}
