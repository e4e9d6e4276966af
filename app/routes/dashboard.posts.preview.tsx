import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { tooLarge } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { previewPostBody } from "~/modules/posts/present.server";

/** Posts can be up to 100,000 characters (posts/validation.ts); the preview takes no more. */
const MAX_BODY = 100_000;

/**
 * The editor's live preview: the Markdown body rendered by the same renderer and sanitiser as
 * the published page. Signed-in writers only; reads and stores nothing.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  requireViewer(request, context.viewer);
  return jsonOrError(async () => {
    // 100,000 characters are at most 400,000 bytes of UTF-8, form-encoded at most ~3× that.
    if (Number(request.headers.get("Content-Length") ?? "0") > 1_300_000) throw tooLarge("Posts can be up to 100,000 characters.");
    const form = await request.formData();
    const body = String(form.get("body") ?? "");
    if (body.length > MAX_BODY) throw tooLarge("Posts can be up to 100,000 characters.");
    return previewPostBody(body);
  });
}
