import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Button } from "~/components/ui/form";
import { orRespond } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import { requireViewer } from "~/modules/identity/auth.server";
import { getCourse, setLessonDone } from "~/modules/products/service.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.current?.title ?? data?.product.title ?? "Course"} — All Thrive` },
];

/** A bought course: ?lesson=<id> opens a lesson (and remembers it); without it, resume where you left. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const lesson = new URL(request.url).searchParams.get("lesson") ?? undefined;
  return orRespond(() => getCourse(context.cloudflare.env, viewer, params.productId ?? "", lesson));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const viewer = requireViewer(request, context.viewer);
  const form = formToObject(await request.formData());
  await orRespond(() => setLessonDone(context.cloudflare.env, viewer, String(form.lessonId ?? ""), form.done === "1"));
  return { ok: true };
}

export default function Course() {
  const c = useLoaderData<typeof loader>();
  const pct = c.lessons.length ? Math.round((c.completed / c.lessons.length) * 100) : 0;
  return (
    <div className="grid gap-6 lg:grid-cols-[260px_1fr]">
      <nav aria-label="Lessons" className="rounded-2xl border border-slate-200 bg-white p-4 shadow-sm lg:self-start">
        <Link to="/library" className="inline-block text-sm text-brand-700 hover:underline">
          ← Library
        </Link>
        <h1 className="mt-2 font-semibold">{c.product.title}</h1>
        <div className="mt-2" role="progressbar" aria-label="Course progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
          <div className="h-2 overflow-hidden rounded-full bg-slate-200">
            <div className="h-full bg-emerald-500" style={{ width: `${pct}%` }} />
          </div>
          <p className="mt-1 text-xs text-slate-500" data-testid="progress">{`${c.completed} of ${c.lessons.length} done`}</p>
        </div>
        <ol className="mt-3 space-y-1 text-sm">
          {c.lessons.map((l, i) => (
            <li key={l.id}>
              <Link
                to={`?lesson=${l.id}`}
                aria-current={c.current?.id === l.id ? "page" : undefined}
                className={`flex items-center gap-2 rounded-md px-2 py-1.5 ${c.current?.id === l.id ? "bg-brand-50 font-medium text-brand-800" : "text-slate-700 hover:bg-slate-50"}`}
              >
                <span
                  aria-hidden="true"
                  className={`inline-flex h-4 w-4 items-center justify-center rounded-full text-[10px] ${l.done ? "bg-emerald-500 text-white" : "ring-1 ring-slate-300"}`}
                >
                  {l.done ? "✓" : ""}
                </span>
                <span className="truncate">
                  {i + 1}. {l.title}
                </span>
                <span className="sr-only">{l.done ? "(done)" : ""}</span>
              </Link>
            </li>
          ))}
        </ol>
      </nav>
      <article className="min-w-0 rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
        {c.current ? (
          <>
            <h2 className="text-2xl font-bold tracking-tight">{c.current.title}</h2>
            {c.current.videoUrl ? (
              <p className="mt-3">
                <a href={c.current.videoUrl} target="_blank" rel="noopener noreferrer" className="font-medium text-brand-700 underline">
                  Watch the video
                </a>
              </p>
            ) : null}
            <div className="prose-at mt-4" dangerouslySetInnerHTML={{ __html: c.current.html }} />
            <div className="mt-8 flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 pt-4">
              <Form method="post">
                <input type="hidden" name="lessonId" value={c.current.id} />
                <input type="hidden" name="done" value={c.current.done ? "0" : "1"} />
                <Button type="submit" variant={c.current.done ? "secondary" : "primary"}>
                  {c.current.done ? "Mark as not done" : "Mark complete"}
                </Button>
              </Form>
              <div className="flex gap-3 text-sm">
                {c.current.prevId ? (
                  <Link to={`?lesson=${c.current.prevId}`} className="text-brand-700 hover:underline">
                    ← Previous
                  </Link>
                ) : null}
                {c.current.nextId ? (
                  <Link to={`?lesson=${c.current.nextId}`} className="text-brand-700 hover:underline">
                    Next →
                  </Link>
                ) : null}
              </div>
            </div>
          </>
        ) : (
          <p className="text-slate-600">This course has no lessons yet.</p>
        )}
      </article>
    </div>
  );
}
