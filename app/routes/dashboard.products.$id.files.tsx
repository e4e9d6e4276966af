import type { ActionFunctionArgs } from "@remix-run/cloudflare";
import { redirect } from "@remix-run/cloudflare";
import { isAppError } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { addProductFile } from "~/modules/products/service.server";

/**
 * Product file upload. The enhanced form sends the raw bytes (?name=file.pdf, Content-Length
 * required) so they stream into private R2 storage; without JavaScript a multipart form posts here.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const env = context.cloudflare.env;
  const id = params.id ?? "";
  const isMultipart = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");
  if (!isMultipart) {
    const url = new URL(request.url);
    const length = Number(request.headers.get("Content-Length") ?? "NaN");
    if (!Number.isFinite(length)) return Response.json({ error: "Send the file with its size (Content-Length)." }, { status: 411 });
    return jsonOrError(() => addProductFile(env, viewer, id, url.searchParams.get("name") ?? "", request.body, length));
  }
  try {
    const form = await request.formData();
    const file = form.get("file");
    if (!(file instanceof File)) throw new Error("no file");
    await addProductFile(env, viewer, id, file.name, file.stream(), file.size);
    return redirect(`/dashboard/products/${id}?file=added`);
  } catch (e) {
    if (isAppError(e)) return redirect(`/dashboard/products/${id}?fileError=${encodeURIComponent(e.message)}`);
    return redirect(`/dashboard/products/${id}?fileError=${encodeURIComponent("Choose a file to upload.")}`);
  }
}
