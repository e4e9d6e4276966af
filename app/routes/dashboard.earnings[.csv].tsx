import type { LoaderFunctionArgs } from "@remix-run/cloudflare";
import { jsonOrError } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { earningsCsv } from "~/modules/payments/dashboard.server";

/** GET /dashboard/earnings.csv — every payment of the signed-in creator's ledger (products, memberships, services) as CSV. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return jsonOrError(async () => {
    const csv = await earningsCsv(context.cloudflare.env, viewer.id);
    return new Response(csv, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="earnings-${new Date().toISOString().slice(0, 10)}.csv"`,
        "Cache-Control": "private, no-store",
      },
    });
  });
}
