import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AdminNav, when } from "~/components/admin-nav";
import { Button, FormError, FormSuccess } from "~/components/ui/form";
import { badRequest } from "~/lib/errors";
import { handleForm, orRespond } from "~/lib/http.server";
import { requireViewer } from "~/modules/identity/auth.server";
import { adminSearchUsers, requireAdmin, suspendUser, unsuspendUser } from "~/modules/admin/service.server";

export const meta: MetaFunction = () => [{ title: "Users — admin — All Thrive" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const q = new URL(request.url).searchParams.get("q") ?? "";
  return orRespond(async () => ({ q, users: await adminSearchUsers(context.cloudflare.env, viewer, q) }));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = await request.formData();
  const userId = String(form.get("userId") ?? "");
  const reason = String(form.get("reason") ?? "");
  const intent = form.get("intent");
  const env = context.cloudflare.env;
  return handleForm(async () => {
    requireAdmin(viewer);
    if (!userId) throw badRequest("Choose an account.");
    if (intent === "suspend") {
      const r = await suspendUser(env, viewer, userId, reason);
      return {
        ok: true as const,
        message: r.already ? `${r.email} was already suspended.` : `Suspended ${r.email}; their sessions ended.`,
      };
    }
    if (intent === "unsuspend") {
      const r = await unsuspendUser(env, viewer, userId, reason);
      return { ok: true as const, message: r.already ? `${r.email} was not suspended.` : `Unsuspended ${r.email}.` };
    }
    throw badRequest("Unknown action: use Suspend or Unsuspend.");
  });
}

export default function AdminUsers() {
  const { q, users } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold tracking-tight">Users</h1>
      <AdminNav />
      <Form method="get" className="flex flex-wrap items-end gap-3" role="search">
        <label className="text-sm">
          <span className="block text-slate-700">Email or handle</span>
          <input
            name="q"
            defaultValue={q}
            placeholder="maya@ or maya-builds"
            className="mt-1 rounded-lg border border-slate-300 px-3 py-1.5"
          />
        </label>
        <Button variant="secondary">Search</Button>
      </Form>
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {result && result.ok ? <FormSuccess message={result.message} /> : null}
      <p className="text-sm text-slate-600">
        Suspending ends every session of the account, stops its private RSS links, refuses sign-in, and hides its storefront, apps, posts,
        products and tiers everywhere until it is unsuspended. A reason is required and logged.
      </p>
      <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
        <table className="w-full min-w-[820px] text-left text-sm">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="px-3 py-2">Account</th>
              <th className="px-3">Joined</th>
              <th className="px-3">State</th>
              <th className="px-3">Action (reason required)</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {users.map((u) => (
              <tr key={u.id}>
                <td className="px-3 py-2">
                  {u.email}
                  {u.handle ? <div className="text-xs text-slate-500">@{u.handle}</div> : null}
                </td>
                <td className="whitespace-nowrap px-3">{when(u.createdAt)}</td>
                <td className="px-3">
                  {u.deletedAt ? "deleted" : u.suspendedAt ? `suspended — ${u.suspendedReason ?? ""}` : u.isAdmin ? "admin" : "active"}
                </td>
                <td className="px-3 py-2">
                  {u.deletedAt ? null : (
                    <Form method="post" className="flex gap-2">
                      <input type="hidden" name="userId" value={u.id} />
                      <input
                        name="reason"
                        required
                        minLength={3}
                        aria-label={`Reason for ${u.email}`}
                        placeholder="Reason"
                        className="w-56 rounded-lg border border-slate-300 px-2 py-1"
                      />
                      {u.suspendedAt ? (
                        <Button name="intent" value="unsuspend" variant="secondary" disabled={busy} className="px-3 py-1">
                          Unsuspend
                        </Button>
                      ) : (
                        <Button name="intent" value="suspend" variant="danger" disabled={busy} className="px-3 py-1">
                          Suspend
                        </Button>
                      )}
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
