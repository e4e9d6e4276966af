import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { EmptyState } from "~/components/empty-state";
import { listMailbox } from "~/modules/email/service.server";

export const meta: MetaFunction = () => [{ title: "Dev mailbox — All Thrive" }, { name: "robots", content: "noindex" }];

/** Local-only: emails stored by the "local" transport. 404 anywhere but APP_ENV=development. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  if (env.APP_ENV !== "development") throw data({ message: "Not found" }, { status: 404 });
  const to = new URL(request.url).searchParams.get("to");
  return { to, messages: await listMailbox(env, to) };
}

export default function Mailbox() {
  const { to, messages } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">Dev mailbox</h1>
          <p className="mt-1 text-sm text-slate-600">Emails the app "sent" with the local transport. Only in development.</p>
        </div>
        <Form method="get" className="flex gap-2">
          <label htmlFor="to" className="sr-only">
            Recipient
          </label>
          <input
            id="to"
            name="to"
            defaultValue={to ?? ""}
            placeholder="Filter by recipient"
            className="rounded-lg border border-slate-300 px-3 py-2 text-sm"
          />
          <button type="submit" className="rounded-lg bg-white px-3 py-2 text-sm font-semibold ring-1 ring-slate-300">
            Filter
          </button>
        </Form>
      </div>
      {messages.length === 0 ? (
        <EmptyState icon="bell" title="No emails yet">
          Publish a post to a creator with followers and the emails show up here.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-200 overflow-hidden rounded-2xl border border-slate-200 bg-white">
          {messages.map((m) => (
            <li key={m.id}>
              <Link
                to={`/dev/mailbox/${encodeURIComponent(m.id)}`}
                className="flex flex-wrap items-baseline gap-x-4 gap-y-1 px-4 py-3 hover:bg-slate-50"
              >
                <span className="w-full truncate font-medium text-slate-900 sm:w-auto sm:flex-1">{m.subject}</span>
                <span className="text-sm text-slate-600">{m.to}</span>
                <time className="text-xs text-slate-500">{new Date(m.createdAt * 1000).toISOString().replace("T", " ").slice(0, 16)}</time>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
