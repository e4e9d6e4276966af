import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { tableCsv } from "~/modules/analytics/csv";
import { getCreatorAnalytics, tableOrThrow } from "~/modules/analytics/service.server";

/** GET /dashboard/analytics.csv?table=…&range=… — one table of the analytics page as CSV (the signed-in creator's own). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const url = new URL(request.url);
  // A resource route: expected failures answer as JSON with their status (nothing to render).
  return jsonOrError(async () => {
    const data = await getCreatorAnalytics(context.cloudflare.env, viewer, Object.fromEntries(url.searchParams));
    const name = url.searchParams.get("table") ?? "";
    const csv = tableCsv(tableOrThrow(data, name), data.mainCurrency);
    return new Response(csv, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="analytics-${name}-${data.range.from}-to-${data.range.to}.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
