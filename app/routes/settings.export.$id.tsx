import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { downloadExport } from "~/modules/exports/service.server";

/** GET /settings/export/:id — the export file, for its owner only (404 for anyone else; 410 once expired). */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return jsonOrError(() => downloadExport(context.cloudflare.env, viewer, params.id ?? ""));
}
