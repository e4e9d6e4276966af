import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { imageUploadAction } from "~/lib/upload-route.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { IMAGE_LIMITS } from "~/lib/upload-limits";
import { MAX_SCREENSHOTS } from "~/modules/apps/validation";
import { addScreenshot } from "~/modules/apps/service.server";

/** POST /apps/:slug/screenshots — one screenshot per raw request, or several as multipart. */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const slug = params.slug ?? "";
  return imageUploadAction(request, {
    field: "screenshots",
    maxBytes: IMAGE_LIMITS.screenshot,
    maxFiles: MAX_SCREENSHOTS,
    back: `/apps/${slug}/edit`,
    store: (source) => addScreenshot(context.cloudflare.env, viewer, slug, source),
  });
}
