import { useEffect, useState } from "react";
import { Link, useFetcher } from "@remix-run/react";
import type { loader as threadLoader } from "~/routes/comments.$type.$id";
import type { FormFailure } from "~/lib/http.server";

type ThreadData = Extract<
  Awaited<ReturnType<typeof threadLoader>> extends infer R ? (R extends { data: infer D } ? D : never) : never,
  { ok: true }
>;
type Comment = ThreadData["comments"][number];

const REACTION_EMOJI: Record<string, string> = { heart: "❤️", fire: "🔥", clap: "🙌", idea: "💡" };

const ago = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";

/**
 * A post's or app's comments section: the thread is fetched per viewer from /comments/:type/:id
 * after the (possibly shared, cached) page has loaded, so no comment is ever part of the page.
 */
export function CommentsSection({ type, id }: { type: "post" | "app" | "feedback"; id: string }) {
  const fetcher = useFetcher<ThreadData | { ok: false; message: string }>();
  const [sort, setSort] = useState<"new" | "top">("new");
  const { load } = fetcher;
  useEffect(() => {
    load(`/comments/${type}/${id}?sort=${sort}&embed=1`);
  }, [load, type, id, sort]);
  const d = fetcher.data;
  return (
    <section aria-labelledby="comments-h" id="comments" className="mt-12 border-t border-slate-200 pt-6" data-comments={`${type}:${id}`}>
      {!d ? (
        <>
          <h2 id="comments-h" className="text-lg font-semibold text-slate-900">
            Comments
          </h2>
          <p className="mt-2 text-sm text-slate-500">
            Loading comments… <a href={`/comments/${type}/${id}`}>Open the comments</a>
          </p>
        </>
      ) : !d.ok ? (
        <>
          <h2 id="comments-h" className="text-lg font-semibold text-slate-900">
            Comments
          </h2>
          <p className="mt-2 text-sm text-slate-600">{d.message}</p>
        </>
      ) : (
        <CommentThread data={d} onSort={setSort} />
      )}
    </section>
  );
}

/** One thread (the section above and the no-script page /comments/:type/:id both render it). */
export function CommentThread({ data: d, onSort }: { data: ThreadData; onSort?: (s: "new" | "top") => void }) {
  const base = `/comments/${d.thread.type}/${d.thread.id}`;
  return (
    <div className="space-y-4" data-thread>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="comments-h" className="text-lg font-semibold text-slate-900">
          {d.total === 1 ? "1 comment" : `${d.total} comments`}
        </h2>
        <nav aria-label="Order comments" className="flex gap-2 text-sm">
          {(["new", "top"] as const).map((s) =>
            onSort ? (
              <button
                key={s}
                type="button"
                onClick={() => onSort(s)}
                aria-pressed={d.sort === s}
                className={d.sort === s ? "font-semibold text-slate-900" : "text-slate-500"}
              >
                {s === "new" ? "Newest" : "Top"}
              </button>
            ) : (
              <Link key={s} to={`${base}?sort=${s}`} className={d.sort === s ? "font-semibold text-slate-900" : "text-slate-500"}>
                {s === "new" ? "Newest" : "Top"}
              </Link>
            ),
          )}
        </nav>
      </div>
      {d.board ? (
        <Link
          to={`${d.thread.path}/feedback`}
          className="inline-flex items-center gap-2 rounded-lg bg-brand-50 px-3 py-1.5 text-sm font-medium text-brand-800"
          data-board-totals
        >
          ▲ {d.board.votes} {d.board.votes === 1 ? "upvote" : "upvotes"} on {d.board.items} feedback{" "}
          {d.board.items === 1 ? "item" : "items"}
        </Link>
      ) : null}
      {d.reactions ? <Reactions base={base} reactions={d.reactions} signedIn={d.viewer.signedIn} /> : null}
      {d.viewer.isModerator ? <PolicyForm base={base} policy={d.thread.policy} /> : null}
      {d.viewer.signedIn && !d.viewer.isModerator && d.thread.type !== "feedback" ? (
        <div className="text-xs">
          <ReportButton targetType={d.thread.type} targetId={d.thread.id} label={`Report this ${d.thread.type}`} />
        </div>
      ) : null}
      {d.viewer.canComment ? (
        <CommentForm base={base} />
      ) : (
        <p className="rounded-lg bg-slate-100 px-3 py-2 text-sm text-slate-600" data-write-blocked>
          {d.writeBlocked}{" "}
          {!d.viewer.signedIn ? (
            <Link to={`/login?redirectTo=${encodeURIComponent(d.thread.path)}`} className="font-medium text-brand-700 underline">
              Sign in
            </Link>
          ) : null}
        </p>
      )}
      <ol className="space-y-4">
        {d.pinned ? <CommentItem c={d.pinned} base={base} d={d} /> : null}
        {d.comments.map((c) => (
          <CommentItem key={c.id} c={c} base={base} d={d} />
        ))}
      </ol>
      {d.next ? (
        <Link to={`${base}?sort=${d.sort}&cursor=${d.next}`} className="inline-block text-sm font-medium text-brand-700">
          More comments →
        </Link>
      ) : null}
    </div>
  );
}

function useAct() {
  return useFetcher<{ ok: true } | FormFailure>();
}

function Failure({ data }: { data: unknown }) {
  const f = data as FormFailure | undefined;
  return f && f.ok === false ? (
    <p role="alert" className="mt-1 text-sm text-red-700">
      {f.formError}
    </p>
  ) : null;
}

function CommentForm({ base, parentId, onDone }: { base: string; parentId?: string; onDone?: () => void }) {
  const f = useAct();
  const [key, setKey] = useState(0);
  useEffect(() => {
    if (f.state === "idle" && f.data?.ok) {
      setKey((k) => k + 1);
      onDone?.();
    }
  }, [f.state, f.data, onDone]);
  return (
    <f.Form method="post" action={base} key={key} className="space-y-2" data-comment-form={parentId ?? "top"}>
      <input type="hidden" name="intent" value="comment" />
      {parentId ? <input type="hidden" name="parentId" value={parentId} /> : null}
      <label className="block text-sm">
        <span className="sr-only">{parentId ? "Your reply" : "Your comment"}</span>
        <textarea
          name="body"
          required
          maxLength={5000}
          rows={parentId ? 2 : 3}
          placeholder={parentId ? "Write a reply…" : "Add a comment… (Markdown: **bold**, _italic_, `code`, [links](https://…))"}
          className="w-full rounded-lg border border-slate-300 px-3 py-2"
        />
      </label>
      <Failure data={f.data} />
      <button
        type="submit"
        disabled={f.state !== "idle"}
        className="rounded-lg bg-brand-600 px-4 py-1.5 text-sm font-semibold text-white hover:bg-brand-700"
      >
        {parentId ? "Reply" : "Comment"}
      </button>
    </f.Form>
  );
}

function ActButton({
  base,
  intent,
  commentId,
  label,
  extra,
}: {
  base: string;
  intent: string;
  commentId: string;
  label: string;
  extra?: Record<string, string>;
}) {
  const f = useAct();
  return (
    <f.Form method="post" action={base} className="inline">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="commentId" value={commentId} />
      {Object.entries(extra ?? {}).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <button type="submit" disabled={f.state !== "idle"} className="text-slate-500 hover:text-slate-900" data-intent={intent}>
        {label}
      </button>
      <Failure data={f.data} />
    </f.Form>
  );
}

function CommentItem({ c, base, d, reply = false }: { c: Comment; base: string; d: ThreadData; reply?: boolean }) {
  const [replying, setReplying] = useState(false);
  const [editing, setEditing] = useState(false);
  const edit = useAct();
  useEffect(() => {
    if (edit.state === "idle" && edit.data?.ok) setEditing(false);
  }, [edit.state, edit.data]);
  return (
    <li
      id={`comment-${c.id}`}
      data-comment={c.id}
      className={reply ? "ml-6 border-l-2 border-slate-100 pl-4" : "rounded-xl border border-slate-200 bg-white p-4"}
    >
      {c.deleted ? (
        <p className="text-sm italic text-slate-500">comment deleted</p>
      ) : (
        <>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            {c.author.handle ? (
              <Link to={`/@${c.author.handle}`} className="font-semibold text-slate-900">
                {c.author.name}
              </Link>
            ) : (
              <span className="font-semibold text-slate-900">{c.author.name}</span>
            )}
            {c.isCreator ? <span className="rounded bg-brand-100 px-1.5 py-0.5 text-xs font-medium text-brand-800">Creator</span> : null}
            {c.pinned ? <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-800">Pinned</span> : null}
            {c.hidden ? (
              <span className="rounded bg-slate-200 px-1.5 py-0.5 text-xs font-medium text-slate-700">
                Hidden — only you{d.viewer.isModerator ? " and moderators" : ""} can see it
              </span>
            ) : null}
            <time className="text-xs text-slate-500" dateTime={new Date(c.createdAt * 1000).toISOString()}>
              {ago(c.createdAt)}
            </time>
            {c.edited ? <span className="text-xs text-slate-500">edited</span> : null}
          </div>
          {editing && c.source !== null ? (
            <edit.Form method="post" action={base} className="mt-2 space-y-2">
              <input type="hidden" name="intent" value="edit" />
              <input type="hidden" name="commentId" value={c.id} />
              <textarea
                name="body"
                defaultValue={c.source}
                required
                maxLength={5000}
                rows={3}
                className="w-full rounded-lg border border-slate-300 px-3 py-2 text-sm"
              />
              <Failure data={edit.data} />
              <button type="submit" className="rounded-lg bg-brand-600 px-3 py-1 text-sm font-semibold text-white">
                Save
              </button>
            </edit.Form>
          ) : (
            <div className="prose-at mt-2 text-sm" data-comment-body dangerouslySetInnerHTML={{ __html: c.html }} />
          )}
          <div className="mt-2 flex flex-wrap items-center gap-3 text-xs">
            {d.viewer.signedIn ? (
              <ActButton
                base={base}
                intent={c.liked ? "unlike" : "like"}
                commentId={c.id}
                label={`${c.liked ? "♥ Liked" : "♡ Like"} · ${c.likes}`}
              />
            ) : (
              <span className="text-slate-500">♡ {c.likes}</span>
            )}
            {!reply && d.viewer.canComment ? (
              <button type="button" onClick={() => setReplying((r) => !r)} className="text-slate-500 hover:text-slate-900">
                Reply
              </button>
            ) : null}
            {c.canEdit ? (
              <button type="button" onClick={() => setEditing((e) => !e)} className="text-slate-500 hover:text-slate-900">
                Edit
              </button>
            ) : null}
            {c.isMine ? <ActButton base={base} intent="delete" commentId={c.id} label="Delete" /> : null}
            {d.viewer.isModerator && !reply ? (
              <ActButton base={base} intent={c.pinned ? "unpin" : "pin"} commentId={c.id} label={c.pinned ? "Unpin" : "Pin"} />
            ) : null}
            {d.viewer.isModerator ? (
              <ActButton base={base} intent={c.hidden ? "unhide" : "hide"} commentId={c.id} label={c.hidden ? "Unhide" : "Hide"} />
            ) : null}
            {d.viewer.isModerator && !c.isCreator ? <ActButton base={base} intent="block" commentId={c.id} label="Block author" /> : null}
            {d.viewer.signedIn && !c.isMine ? <ReportButton targetType="comment" targetId={c.id} /> : null}
          </div>
        </>
      )}
      {replying ? (
        <div className="mt-3">
          <CommentForm base={base} parentId={c.id} onDone={() => setReplying(false)} />
        </div>
      ) : null}
      {c.replies.length ? (
        <ol className="mt-3 space-y-3">
          {c.replies.map((r) => (
            <CommentItem key={r.id} c={r} base={base} d={d} reply />
          ))}
        </ol>
      ) : null}
    </li>
  );
}

/** "Report" with a reason and an optional note, posted to /report. */
export function ReportButton({ targetType, targetId, label = "Report" }: { targetType: string; targetId: string; label?: string }) {
  const f = useFetcher<{ ok: true; message: string } | FormFailure>();
  const [open, setOpen] = useState(false);
  if (f.data?.ok) return <span className="text-slate-500">Reported — thank you</span>;
  return open ? (
    <f.Form method="post" action="/report" className="flex flex-wrap items-center gap-2" data-report-form>
      <input type="hidden" name="targetType" value={targetType} />
      <input type="hidden" name="targetId" value={targetId} />
      <select name="reason" aria-label="Reason" className="rounded border border-slate-300 px-1 py-0.5">
        <option value="spam">Spam</option>
        <option value="harassment">Harassment</option>
        <option value="illegal">Illegal</option>
        <option value="off_topic">Off topic</option>
        <option value="other">Other</option>
      </select>
      <input
        name="note"
        aria-label="Note"
        placeholder="Note (optional)"
        maxLength={1000}
        className="rounded border border-slate-300 px-1 py-0.5"
      />
      <button type="submit" className="font-medium text-red-700">
        Send report
      </button>
      <Failure data={f.data} />
    </f.Form>
  ) : (
    <button type="button" onClick={() => setOpen(true)} className="text-slate-500 hover:text-red-700">
      {label}
    </button>
  );
}

function Reactions({ base, reactions, signedIn }: { base: string; reactions: NonNullable<ThreadData["reactions"]>; signedIn: boolean }) {
  const f = useAct();
  return (
    <f.Form method="post" action={base} className="flex flex-wrap gap-2" aria-label="Reactions">
      <input type="hidden" name="intent" value="react" />
      {Object.entries(reactions.counts).map(([r, n]) => {
        const mine = reactions.mine === r;
        return (
          <button
            key={r}
            type="submit"
            name="reaction"
            value={mine ? "" : r}
            disabled={!signedIn || f.state !== "idle"}
            aria-pressed={mine}
            data-reaction={r}
            className={`rounded-full px-3 py-1 text-sm ring-1 ${mine ? "bg-brand-50 ring-brand-400" : "bg-white ring-slate-200"}`}
          >
            {REACTION_EMOJI[r]} {n}
          </button>
        );
      })}
      <Failure data={f.data} />
    </f.Form>
  );
}

function PolicyForm({ base, policy }: { base: string; policy: string }) {
  const f = useAct();
  return (
    <f.Form method="post" action={base} className="flex items-center gap-2 text-sm">
      <input type="hidden" name="intent" value="policy" />
      <label>
        Who may comment{" "}
        <select name="policy" defaultValue={policy} className="rounded border border-slate-300 px-1 py-0.5">
          <option value="everyone">Everyone who can read</option>
          <option value="members">Members only</option>
          <option value="off">Off</option>
        </select>
      </label>
      <button type="submit" className="text-brand-700">
        Save
      </button>
      <Failure data={f.data} />
    </f.Form>
  );
}
