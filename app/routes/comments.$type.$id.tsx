import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { data } from "@remix-run/cloudflare";
import { Link, useLoaderData } from "@remix-run/react";
import { CommentThread } from "~/components/comments";
import { badRequest, isAppError } from "~/lib/errors";
import { clientIp, handleForm } from "~/lib/http.server";
import { formToObject } from "~/lib/validation";
import {
  addComment,
  blockCommenter,
  deleteComment,
  editComment,
  getThread,
  hideComment,
  likeComment,
  parseThreadRef,
  pinComment,
  reactToPost,
  setThreadPolicy,
} from "~/modules/community/service.server";

/**
 * `/comments/:type/:id` — a thread, always rendered for its viewer and never cached (decision 73):
 * the post and app pages load it into their comments section with a fetcher, and without
 * JavaScript it is a page of its own. A gated post's thread answers 403 with no comment in it.
 */
const PRIVATE = { "Cache-Control": "private, no-store", "X-Robots-Tag": "noindex" };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  try {
    const ref = parseThreadRef(params.type ?? "", params.id ?? "");
    const thread = await getThread(context.cloudflare.env, context.viewer, ref, {
      sort: url.searchParams.get("sort"),
      cursor: url.searchParams.get("cursor"),
    });
    return data({ ok: true as const, ...thread }, { headers: PRIVATE });
  } catch (e) {
    if (!isAppError(e)) throw e;
    // The page's embedded section asks with `embed`: a refusal is then an ordinary answer (the
    // browser logs every 4xx as a console error), still with nothing of the thread in it.
    const status = url.searchParams.has("embed") ? 200 : e.status;
    return data({ ok: false as const, message: e.message }, { status, headers: PRIVATE });
  }
}

/** Private always; a refused action keeps its Retry-After (429) for no-script posts too. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const h = new Headers(PRIVATE);
  const retry = actionHeaders.get("Retry-After");
  if (retry) h.set("Retry-After", retry);
  return h;
};

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.ok ? `Comments on ${data.thread.title} — All Thrive` : "Comments — All Thrive" },
  { name: "robots", content: "noindex" },
];

export async function action({ request, params, context }: ActionFunctionArgs) {
  const env = context.cloudflare.env;
  const viewer = context.viewer;
  const ip = clientIp(request);
  const form = formToObject(await request.formData());
  const intent = String(form.intent ?? "");
  const commentId = String(form.commentId ?? "");
  return handleForm(async () => {
    const ref = parseThreadRef(params.type ?? "", params.id ?? "");
    switch (intent) {
      case "comment":
        return { ok: true as const, intent, ...(await addComment(env, viewer, ref, form, ip)) };
      case "edit":
        return { ok: true as const, intent, ...(await editComment(env, viewer, commentId, form)) };
      case "delete":
        return { ok: true as const, intent, ...(await deleteComment(env, viewer, commentId)) };
      case "like":
      case "unlike":
        return { ok: true as const, intent, ...(await likeComment(env, viewer, commentId, intent === "like", ip)) };
      case "pin":
      case "unpin":
        return { ok: true as const, intent, ...(await pinComment(env, viewer, commentId, intent === "pin")) };
      case "hide":
      case "unhide":
        return { ok: true as const, intent, ...(await hideComment(env, viewer, commentId, intent === "hide")) };
      case "block":
      case "unblock":
        return { ok: true as const, intent, ...(await blockCommenter(env, viewer, commentId, intent === "block")) };
      case "policy":
        return { ok: true as const, intent, ...(await setThreadPolicy(env, viewer, ref, form)) };
      case "react":
        if (ref.type !== "post") throw badRequest("Reactions are for posts.");
        return { ok: true as const, intent, ...(await reactToPost(env, viewer, ref.id, form, ip)) };
      default:
        throw badRequest("Unknown action.");
    }
  });
}

export default function CommentsPage() {
  const d = useLoaderData<typeof loader>();
  if (!d.ok) return <p className="mx-auto max-w-3xl rounded-lg bg-white p-6 text-slate-700 shadow-sm">{d.message}</p>;
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <Link to={d.thread.path} className="text-sm font-medium text-brand-700">
        ← {d.thread.title}
      </Link>
      <CommentThread data={d} />
    </div>
  );
}
