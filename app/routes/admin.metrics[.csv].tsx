import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { AppError } from "~/lib/errors";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { tableCsv } from "~/modules/analytics/csv";
import { getPlatformMetrics, PLATFORM_TABLES, type PlatformTableName } from "~/modules/analytics/platform.server";

/** GET /admin/metrics.csv?table=gmv|retention|nps — one /admin/metrics table as CSV, from the page's own rows (admins only). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const name = new URL(request.url).searchParams.get("table") ?? "";
  return jsonOrError(async () => {
    const data = await getPlatformMetrics(context.cloudflare.env, viewer);
    if (!(PLATFORM_TABLES as readonly string[]).includes(name)) throw new AppError(404, "There is no such table to export.");
    const month = new Date().toISOString().slice(0, 7);
    return new Response(tableCsv(data.tables[name as PlatformTableName], "usd"), {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="platform-${name}-${month}.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
