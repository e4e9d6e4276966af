import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { AdminNav } from "~/components/admin-nav";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { forbidden } from "~/lib/errors";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { reconcileFollowsAsAdmin } from "~/modules/follows/service.server";

export const meta: MetaFunction = () => [{ title: "Reconcile follows — admin — All Thrive" }];

/** GET /admin/reconcile-follows: the admin page with Check and Repair buttons. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  return orRespond(async () => {
    if (!viewer.isAdmin) throw forbidden("Admins only.");
    return { ok: true as const };
  });
}

/**
 * POST /admin/reconcile-follows from the page's Check / Repair buttons (admins only): runs the
 * reconcile and renders the result. `npm run reconcile` uses the JSON twin, /admin/reconcile-follows.json.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  const opts = {
    repair: form.get("repair") === "1",
    handle:
      String(form.get("handle") ?? "")
        .trim()
        .replace(/^@/, "") || undefined,
  };
  return handleForm(async () => ({
    ...(await reconcileFollowsAsAdmin(context.cloudflare.env, viewer, opts)),
    repaired: opts.repair,
    handle: opts.handle ?? null,
  }));
}

export default function ReconcileFollows() {
  const result = useActionData<typeof action>() as
    | { ok: false; formError: string }
    | {
        ok: boolean;
        checked: number;
        repaired: boolean;
        handle: string | null;
        drifted: {
          creatorId: string;
          doCount: number;
          doRows: number;
          d1Count: number;
          d1Edges: number;
          missingInD1: number;
          extraInD1: number;
        }[];
      }
    | undefined;
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Reconcile follows</h1>
      <AdminNav />
      <p className="text-slate-600">
        Each creator's followers live in a Durable Object (the source of truth) and are copied to D1 as follow edges and a follower count.
        <strong> Check</strong> compares the two for every creator (or one handle) and lists the creators that drifted; nothing changes.
        <strong> Repair</strong> does the same and then rewrites D1 to match the Durable Object. The same check runs from the command line
        with <code className="font-mono">npm run reconcile</code>.
      </p>
      <Form method="post" className="flex flex-wrap items-end gap-3">
        <label className="text-sm">
          <span className="block text-slate-700">Creator handle (optional; leave empty for all)</span>
          <input name="handle" placeholder="maya-builds" className="mt-1 rounded-lg border border-slate-300 px-3 py-1.5" />
        </label>
        <Button name="repair" value="" variant="secondary" disabled={busy}>
          Check
        </Button>
        <Button name="repair" value="1" disabled={busy}>
          Repair
        </Button>
      </Form>
      {result && "formError" in result ? <FormError message={result.formError} /> : null}
      {result && "checked" in result ? (
        <section className="space-y-3" aria-label="Result">
          <FormSuccess
            message={`Checked ${result.checked} creator(s)${result.handle ? ` (@${result.handle})` : ""}; ${result.drifted.length} drifted${result.repaired ? " — repaired: D1 now matches the Durable Objects" : ""}.`}
          />
          {result.drifted.length ? (
            <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
              <table className="w-full min-w-[720px] text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="px-3 py-2">Creator</th>
                    <th className="px-3">DO count</th>
                    <th className="px-3">DO rows</th>
                    <th className="px-3">D1 count</th>
                    <th className="px-3">D1 edges</th>
                    <th className="px-3">Missing in D1</th>
                    <th className="px-3">Extra in D1</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {result.drifted.map((d) => (
                    <tr key={d.creatorId}>
                      <td className="px-3 py-2 font-mono text-xs">{d.creatorId}</td>
                      <td className="px-3">{d.doCount}</td>
                      <td className="px-3">{d.doRows}</td>
                      <td className="px-3">{d.d1Count}</td>
                      <td className="px-3">{d.d1Edges}</td>
                      <td className="px-3">{d.missingInD1}</td>
                      <td className="px-3">{d.extraInD1}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
