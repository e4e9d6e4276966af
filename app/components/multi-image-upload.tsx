import { useRef, useState } from "react";
import { IMAGE_ACCEPT, checkUploadFile, tooLargeMessage } from "~/lib/upload-limits";
import { uploadFailure } from "./image-upload";

type Item = { id: number; name: string; progress: number; state: "uploading" | "done" | "failed"; error?: string };

type Props = {
  action: string;
  fieldName: string;
  label: string;
  hint: string;
  disabled?: boolean;
  onUploaded?: () => void;
  /** The server's per-image size limit (from ~/lib/upload-limits); checked before sending. */
  maxBytes: number;
};

/**
 * Several images at once, each with its own real progress bar (XHR upload events). A file that
 * fails shows its reason and the others carry on. Without JavaScript it is a multipart form.
 */
export function MultiImageUpload({ action, fieldName, label, hint, disabled, onUploaded, maxBytes }: Props) {
  const [items, setItems] = useState<Item[]>([]);
  const inputRef = useRef<HTMLInputElement>(null);
  const nextId = useRef(1);
  const update = (id: number, patch: Partial<Item>) => setItems((all) => all.map((i) => (i.id === id ? { ...i, ...patch } : i)));

  async function uploadOne(file: File): Promise<void> {
    const id = nextId.current++;
    // The same refusal the server would give, without sending the file to hear it.
    const problem = await checkUploadFile(file, { maxBytes, noun: "image", image: true });
    if (problem) {
      setItems((all) => [...all, { id, name: file.name, progress: 0, state: "failed", error: problem }]);
      return;
    }
    setItems((all) => [...all, { id, name: file.name, progress: 0, state: "uploading" }]);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", action);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => e.lengthComputable && update(id, { progress: Math.round((e.loaded / e.total) * 100) });
      xhr.onload = () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(xhr.responseText);
        } catch {
          /* not JSON */
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          update(id, { state: "done", progress: 100 });
          onUploaded?.();
        } else update(id, { state: "failed", error: uploadFailure(xhr.status, json, file, maxBytes, "image") });
        resolve();
      };
      // A refusal sent before the body was read can arrive as a reset connection instead.
      xhr.onerror = () => {
        update(id, {
          state: "failed",
          error:
            file.size > maxBytes
              ? tooLargeMessage("image", maxBytes, file.size)
              : "The upload was interrupted. Check your connection and try again.",
        });
        resolve();
      };
      xhr.send(file);
    });
  }

  async function uploadAll(files: FileList | null) {
    if (!files?.length) return;
    // One after another keeps the order the creator picked (and the 8-screenshot cap predictable).
    for (const f of Array.from(files)) await uploadOne(f);
    if (inputRef.current) inputRef.current.value = "";
  }

  return (
    <form
      method="post"
      action={action}
      encType="multipart/form-data"
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        void uploadAll(inputRef.current?.files ?? null);
      }}
    >
      <label htmlFor={`upload-${fieldName}`} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={`upload-${fieldName}`}
        ref={inputRef}
        type="file"
        multiple
        disabled={disabled}
        name={fieldName}
        accept={IMAGE_ACCEPT}
        aria-describedby={`upload-${fieldName}-hint`}
        onChange={(e) => void uploadAll(e.currentTarget.files)}
        className="block w-full text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-brand-700 hover:file:bg-brand-100 disabled:opacity-50"
      />
      <noscript>
        <button type="submit" className="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white">
          Upload
        </button>
      </noscript>
      <p id={`upload-${fieldName}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
      {items.length ? (
        <ul className="space-y-2" aria-label="Uploads">
          {items.map((i) => (
            <li key={i.id} className="rounded-lg border border-slate-200 p-2 text-sm">
              <div className="flex items-center justify-between gap-2">
                <span className="truncate text-slate-700">{i.name}</span>
                <span className={i.state === "failed" ? "text-red-700" : i.state === "done" ? "text-emerald-700" : "text-slate-500"}>
                  {i.state === "uploading" ? `${i.progress}%` : i.state === "done" ? "Uploaded" : "Failed"}
                </span>
              </div>
              {i.state !== "failed" ? (
                <div
                  role="progressbar"
                  aria-label={`Uploading ${i.name}`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={i.progress}
                  className="mt-1 h-1.5 w-full overflow-hidden rounded-full bg-slate-200"
                >
                  <div className="h-full rounded-full bg-brand-600 transition-all" style={{ width: `${i.progress}%` }} />
                </div>
              ) : (
                <p role="alert" className="mt-1 text-red-700">
                  {i.error}
                </p>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}
