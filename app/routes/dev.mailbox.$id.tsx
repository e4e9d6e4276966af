import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { getMailboxMessage } from "~/modules/email/service.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.message.subject ?? "Email"} — Dev mailbox` },
  { name: "robots", content: "noindex" },
];

export async function loader({ params, context }: LoaderFunctionArgs) {
  const env = context.cloudflare.env;
  if (env.APP_ENV !== "development") throw data({ message: "Not found" }, { status: 404 });
  const message = await getMailboxMessage(env, params.id ?? "");
  if (!message) throw data({ message: "That email isn't in the mailbox." }, { status: 404 });
  return { message };
}

export default function MailboxMessage() {
  const { message: m } = useLoaderData<typeof loader>();
  return (
    <div className="mx-auto max-w-4xl space-y-4">
      <p className="text-sm">
        <Link to="/dev/mailbox" className="text-brand-700">
          ← Mailbox
        </Link>
      </p>
      <div className="rounded-2xl border border-slate-200 bg-white p-4 text-sm">
        <h1 className="text-lg font-semibold text-slate-900">{m.subject}</h1>
        <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-slate-600">
          <dt className="font-medium">From</dt>
          <dd>{m.from}</dd>
          <dt className="font-medium">To</dt>
          <dd>{m.to}</dd>
          {Object.entries(m.headers).flatMap(([k, v]) => [
            <dt key={`${k}-k`} className="font-medium">
              {k}
            </dt>,
            <dd key={`${k}-v`} className="break-all">
              {v}
            </dd>,
          ])}
        </dl>
      </div>
      {m.attachments.length ? (
        <section aria-label="Attachments" className="rounded-2xl border border-slate-200 bg-white p-4 text-sm">
          <h2 className="font-medium text-slate-900">Attachments</h2>
          <ul className="mt-2 space-y-1">
            {m.attachments.map((a, i) => (
              <li key={i}>
                <a
                  href={`data:${a.contentType.split(";")[0]};charset=utf-8,${encodeURIComponent(a.content)}`}
                  download={a.filename}
                  className="text-brand-700 underline-offset-2 hover:underline"
                >
                  {a.filename}
                </a>{" "}
                <span className="text-slate-500">({a.contentType})</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-label="HTML version" className="overflow-hidden rounded-2xl border border-slate-200 bg-white">
        {/* Sandboxed: the email's HTML can't run script or touch this page. */}
        <iframe title="Email (HTML)" srcDoc={m.html} sandbox="" className="h-[640px] w-full" />
      </section>
      <details className="rounded-2xl border border-slate-200 bg-white p-4">
        <summary className="cursor-pointer text-sm font-medium">Plain-text version</summary>
        <pre className="mt-3 whitespace-pre-wrap text-sm [overflow-wrap:anywhere] text-slate-700">{m.text}</pre>
      </details>
    </div>
  );
}
