import { useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";

/** The paywall marker the "Insert paywall here" button writes (posts/paywall.ts reads it). */
export const PAYWALL_LINE = "<!-- paywall -->";
const AUTOSAVE_MS = 3000;
const WORDS_PER_MINUTE = 230;

type Mark = { label: string; title: string; apply: (sel: string) => { text: string; select?: [number, number] } };
const MARKS: Mark[] = [
  { label: "B", title: "Bold", apply: (s) => ({ text: `**${s || "bold text"}**`, select: [2, 2 + (s || "bold text").length] }) },
  { label: "I", title: "Italic", apply: (s) => ({ text: `_${s || "italic text"}_`, select: [1, 1 + (s || "italic text").length] }) },
  { label: "H", title: "Heading", apply: (s) => ({ text: `\n## ${s || "Heading"}\n` }) },
  {
    label: "Link",
    title: "Link",
    apply: (s) => ({ text: `[${s || "link text"}](https://)`, select: [(s || "link text").length + 3, (s || "link text").length + 11] }),
  },
  {
    label: "• List",
    title: "Bulleted list",
    apply: (s) => ({
      text: (s || "item")
        .split("\n")
        .map((l) => `- ${l}`)
        .join("\n"),
    }),
  },
  {
    label: "Quote",
    title: "Quote",
    apply: (s) => ({
      text: (s || "quote")
        .split("\n")
        .map((l) => `> ${l}`)
        .join("\n"),
    }),
  },
  { label: "Code", title: "Code block", apply: (s) => ({ text: `\n\`\`\`\n${s || "code"}\n\`\`\`\n` }) },
];

/** Words and minutes of reading, as the editor shows them. */
export function wordStats(markdown: string) {
  const text = markdown
    .replace(/<!--[\s\S]*?-->/g, " ") // the paywall marker
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images count by their text, not their address
    .replace(/https?:\/\/\S+/g, " ");
  const words = (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).length;
  return { words, minutes: Math.max(1, Math.round(words / WORDS_PER_MINUTE)) };
}

type Preview = { html: string; freeHtml: string | null; hasMarker: boolean };
type Draft = { title: string; body: string; excerpt: string; savedAt: number };

/**
 * The post body's Markdown editor: toolbar for the common marks, "Insert paywall here", a live
 * preview rendered by the server with the published page's renderer and sanitiser, images by
 * paste or drop (alt text asked for, upload progress shown in place), word count and reading time,
 * and an autosave of the draft on this device every few seconds (restored after a reload or a
 * closed tab). Without JavaScript it is a plain textarea named `body`.
 */
export function MarkdownEditor({
  name,
  label,
  defaultValue,
  draftKey,
  uploadUrl,
  error,
  hint,
}: {
  name: string;
  label: string;
  defaultValue: string;
  /** Where this post's unsaved draft lives in this browser (per post, or "new"). */
  draftKey: string;
  uploadUrl: string;
  error?: string;
  hint?: ReactNode;
}) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const [body, setBody] = useState(defaultValue);
  const [tab, setTab] = useState<"write" | "preview">("write");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  // How many top-level blocks of the preview are free (before the paywall marker): the paywall line goes after them.
  const paywallAfter = useMemo(() => {
    if (!preview?.hasMarker || preview.freeHtml === null || typeof document === "undefined") return null;
    const t = document.createElement("template");
    t.innerHTML = preview.freeHtml;
    return t.content.children.length;
  }, [preview]);
  const [saved, setSaved] = useState<string>("");
  const [restored, setRestored] = useState<Draft | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const dirty = useRef(false);
  const storageKey = `at-draft:${draftKey}`;

  const form = () => ref.current?.form ?? null;
  const field = (n: string) => (form()?.elements.namedItem(n) as HTMLInputElement | HTMLTextAreaElement | null) ?? null;

  // Restore an unsaved draft of this post from this device (a reload, a crash, a closed tab).
  useEffect(() => {
    try {
      const raw = localStorage.getItem(storageKey);
      if (!raw) return;
      const d = JSON.parse(raw) as Draft;
      if (d.body === defaultValue && d.title === (field("title")?.value ?? d.title)) return;
      if (ref.current) ref.current.value = d.body;
      setBody(d.body);
      const t = field("title");
      if (t && d.title) t.value = d.title;
      const x = field("excerpt");
      if (x) x.value = d.excerpt;
      setRestored(d);
      dirty.current = true;
    } catch {
      /* a broken entry is ignored */
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [storageKey]);

  // Autosave every few seconds while there are changes; saved drafts are cleared on submit.
  useEffect(() => {
    const f = form();
    const onInput = () => (dirty.current = true);
    const onSubmit = () => {
      dirty.current = false;
      localStorage.removeItem(storageKey);
    };
    f?.addEventListener("input", onInput);
    f?.addEventListener("submit", onSubmit);
    const timer = setInterval(() => {
      if (!dirty.current) return;
      const draft: Draft = {
        title: field("title")?.value ?? "",
        body: ref.current?.value ?? "",
        excerpt: field("excerpt")?.value ?? "",
        savedAt: Date.now(),
      };
      try {
        localStorage.setItem(storageKey, JSON.stringify(draft));
        dirty.current = false;
        setSaved(`Draft saved on this device at ${new Date(draft.savedAt).toLocaleTimeString()}`);
      } catch {
        setSaved("Couldn't save a copy on this device (storage full?). Save the draft to keep your work.");
      }
    }, AUTOSAVE_MS);
    const beforeUnload = (e: BeforeUnloadEvent) => {
      if (dirty.current) e.preventDefault();
    };
    window.addEventListener("beforeunload", beforeUnload);
    return () => {
      clearInterval(timer);
      f?.removeEventListener("input", onInput);
      f?.removeEventListener("submit", onSubmit);
      window.removeEventListener("beforeunload", beforeUnload);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [storageKey]);

  // Live preview: rendered by the server (same renderer and sanitiser as the published page).
  useEffect(() => {
    if (tab !== "preview") return;
    const ctrl = new AbortController();
    const t = setTimeout(() => {
      fetch("/dashboard/posts/preview", { method: "POST", body: new URLSearchParams({ body }), signal: ctrl.signal })
        .then(async (r) => {
          const json = (await r.json()) as Preview & { error?: string };
          if (!r.ok) throw new Error(json.error ?? "The preview isn't available right now.");
          setPreview(json);
          setPreviewError(null);
        })
        .catch((e: Error) => e.name !== "AbortError" && setPreviewError(e.message));
    }, 250);
    return () => {
      clearTimeout(t);
      ctrl.abort();
    };
  }, [tab, body]);

  const replaceRange = useCallback((start: number, end: number, text: string, select?: [number, number]) => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setRangeText(text, start, end, "end");
    if (select) el.setSelectionRange(start + select[0], start + select[1]);
    setBody(el.value);
    dirty.current = true;
  }, []);

  function applyMark(m: Mark) {
    const el = ref.current;
    if (!el) return;
    const { selectionStart: s, selectionEnd: e } = el;
    const r = m.apply(el.value.slice(s, e));
    replaceRange(s, e, r.text, r.select);
  }

  function insertPaywall() {
    const el = ref.current;
    if (!el) return;
    if (/^\s*(?:<!--\s*paywall\s*-->|---\s*paywall\s*---)\s*$/im.test(el.value)) {
      setUploadError("This post already has a paywall line; move it instead of adding a second.");
      return;
    }
    const s = el.selectionStart;
    const before = el.value.slice(0, s);
    const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    replaceRange(s, el.selectionEnd, `${lead}${PAYWALL_LINE}\n\n`);
  }

  /** Uploads one image with progress shown in place, then swaps in its Markdown with the alt text. */
  function uploadImage(file: File) {
    const el = ref.current;
    if (!el) return;
    if (!/^image\/(png|jpeg|webp|gif)$/.test(file.type)) {
      setUploadError(`${file.name || "That file"} isn't a PNG, JPEG, WebP or GIF image.`);
      return;
    }
    const alt = window.prompt("Describe this image for people who can't see it (alt text):", "");
    if (alt === null) return;
    const cleanAlt = alt.replace(/[[\]\n]/g, " ").trim();
    const token = `![Uploading ${Math.random().toString(36).slice(2, 8)}… 0%]()`;
    // An image goes on a line of its own.
    const before = el.value.slice(0, el.selectionStart);
    const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    replaceRange(el.selectionStart, el.selectionEnd, `${lead}${token}\n`);
    let current = token;
    const swap = (next: string) => {
      const e2 = ref.current;
      if (!e2) return;
      const at = e2.value.indexOf(current);
      if (at < 0) return;
      e2.setRangeText(next, at, at + current.length, "preserve");
      current = next;
      setBody(e2.value);
      dirty.current = true;
    };
    const xhr = new XMLHttpRequest();
    xhr.open("POST", uploadUrl);
    xhr.setRequestHeader("Content-Type", file.type);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) swap(current.replace(/\d+%/, `${Math.round((e.loaded / e.total) * 100)}%`));
    };
    xhr.onload = () => {
      let json: { url?: string; error?: string } = {};
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status === 200 && json.url) {
        swap(`![${cleanAlt}](${json.url})`);
        setUploadError(null);
      } else {
        swap("");
        setUploadError(json.error ?? "The image couldn't be uploaded. Try again.");
      }
    };
    xhr.onerror = () => {
      swap("");
      setUploadError("The upload was interrupted. Check your connection and try again.");
    };
    xhr.send(file);
  }

  const stats = wordStats(body);
  const errId = `${id}-error`;
  return (
    <div>
      <div className="flex flex-wrap items-end justify-between gap-2">
        <label htmlFor={id} className="block text-sm font-medium text-slate-800">
          {label}
        </label>
        <div role="tablist" aria-label="Editor view" className="flex gap-1 text-sm">
          {(["write", "preview"] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              onClick={() => setTab(t)}
              className={`rounded-md px-3 py-1 font-medium ${tab === t ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100"}`}
            >
              {t === "write" ? "Write" : "Preview"}
            </button>
          ))}
        </div>
      </div>
      <div
        role="toolbar"
        aria-label="Formatting"
        className="mt-2 flex flex-wrap gap-1 rounded-t-lg border border-b-0 border-slate-300 bg-slate-50 p-1"
      >
        {MARKS.map((m) => (
          <button
            key={m.title}
            type="button"
            title={m.title}
            aria-label={m.title}
            onClick={() => applyMark(m)}
            disabled={tab !== "write"}
            className="rounded px-2 py-1 text-sm font-semibold text-slate-700 hover:bg-white disabled:opacity-50"
          >
            {m.label}
          </button>
        ))}
        <button
          type="button"
          onClick={insertPaywall}
          disabled={tab !== "write"}
          className="ml-auto rounded bg-amber-100 px-2 py-1 text-sm font-semibold text-amber-900 hover:bg-amber-200 disabled:opacity-50"
        >
          Insert paywall here
        </button>
      </div>
      <textarea
        ref={ref}
        id={id}
        name={name}
        rows={18}
        defaultValue={defaultValue}
        hidden={tab !== "write"}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errId : undefined}
        onChange={(e) => setBody(e.currentTarget.value)}
        onPaste={(e) => {
          const files = [...e.clipboardData.files].filter((f) => f.type.startsWith("image/"));
          if (!files.length) return;
          e.preventDefault();
          files.forEach(uploadImage);
        }}
        onDragOver={(e) => e.dataTransfer.types.includes("Files") && e.preventDefault()}
        onDrop={(e) => {
          const files = [...e.dataTransfer.files];
          if (!files.length) return;
          e.preventDefault();
          files.forEach(uploadImage);
        }}
        className={`block w-full rounded-b-lg border bg-white px-3 py-2 font-mono text-sm text-slate-900 shadow-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-200 focus:outline-none ${error ? "border-red-500" : "border-slate-300"}`}
      />
      {tab === "preview" ? (
        <div className="min-h-48 rounded-b-lg border border-slate-300 bg-white p-4" aria-live="polite" data-testid="preview">
          {previewError ? (
            <p role="alert" className="text-sm text-red-700">
              {previewError}
            </p>
          ) : preview ? (
            <>
              {preview.hasMarker ? (
                <p className="mb-3 rounded bg-amber-50 px-2 py-1 text-xs text-amber-900">
                  Readers without access see everything above the paywall line.
                </p>
              ) : null}
              {paywallAfter !== null ? (
                // The line is drawn by CSS before the first gated block, so the preview's HTML stays exactly the published HTML.
                <style>{`[data-testid="preview-html"]>:nth-child(${paywallAfter + 1})::before{content:"Paywall — only readers with access see what follows";display:block;margin:0 0 1rem;padding-top:.5rem;border-top:2px dashed #f59e0b;color:#92400e;font-size:.75rem;font-weight:600;font-family:ui-sans-serif,system-ui,sans-serif}`}</style>
              ) : null}
              <div className="prose-at" data-testid="preview-html" dangerouslySetInnerHTML={{ __html: preview.html }} />
            </>
          ) : (
            <p className="text-sm text-slate-500">Rendering the preview…</p>
          )}
        </div>
      ) : null}
      <div className="mt-1 flex flex-wrap justify-between gap-2 text-xs text-slate-500">
        <span data-testid="word-count">
          {stats.words} {stats.words === 1 ? "word" : "words"} · {stats.minutes} min read
        </span>
        <span aria-live="polite" data-testid="autosave">
          {saved}
        </span>
      </div>
      {restored ? (
        <p className="mt-2 rounded bg-sky-50 px-3 py-2 text-sm text-sky-900" role="status">
          We restored changes you hadn't saved yet (from {new Date(restored.savedAt).toLocaleString()}).{" "}
          <button
            type="button"
            className="font-semibold underline"
            onClick={() => {
              localStorage.removeItem(storageKey);
              window.location.reload();
            }}
          >
            Discard them
          </button>
        </p>
      ) : null}
      {uploadError ? (
        <p role="alert" className="mt-1 text-sm text-red-700">
          {uploadError}
        </p>
      ) : null}
      {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
      {error ? (
        <p id={errId} role="alert" className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
