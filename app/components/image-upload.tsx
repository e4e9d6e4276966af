import { useRef, useState } from "react";

type Props = {
  /** Where the raw bytes are POSTed; answers JSON `{avatarUrl}` or `{error}`. */
  action: string;
  fieldName: string;
  label: string;
  hint: string;
  /** Extra fields for the no-JavaScript multipart fallback. */
  hidden?: Record<string, string>;
  onUploaded?: (json: Record<string, unknown>) => void;
  /** File types offered by the picker (default: the four image types). */
  accept?: string;
  /** When set, the XHR upload sends the file's name in this query parameter. */
  fileNameParam?: string;
};

/**
 * A file upload that works as a plain multipart form without JavaScript and, with it, sends the
 * bytes by XHR so it can show a real progress bar.
 */
export function ImageUpload({ action, fieldName, label, hint, hidden = {}, onUploaded, accept = "image/png,image/jpeg,image/webp,image/gif", fileNameParam }: Props) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  function upload(file: File) {
    setError(null);
    setDone(null);
    setProgress(0);
    const xhr = new XMLHttpRequest();
    const qs = new URLSearchParams({ ...hidden, ...(fileNameParam ? { [fileNameParam]: file.name } : {}) }).toString();
    xhr.open("POST", `${action}${qs ? `?${qs}` : ""}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => e.lengthComputable && setProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      let json: Record<string, unknown> = {};
      try { json = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      setProgress(null);
      if (xhr.status >= 200 && xhr.status < 300) {
        setDone(`${file.name} uploaded.`);
        onUploaded?.(json);
      } else {
        setError(typeof json.error === "string" ? json.error : `Upload failed (${xhr.status}). Please try again.`);
      }
      if (inputRef.current) inputRef.current.value = "";
    };
    xhr.onerror = () => { setProgress(null); setError("The upload was interrupted. Check your connection and try again."); };
    xhr.send(file);
  }

  return (
    <form
      method="post"
      action={action}
      encType="multipart/form-data"
      onSubmit={(e) => {
        e.preventDefault();
        const file = inputRef.current?.files?.[0];
        if (file) upload(file);
        else setError("Choose a file first.");
      }}
      className="space-y-2"
    >
      {Object.entries(hidden).map(([k, v]) => <input key={k} type="hidden" name={k} value={v} />)}
      <label htmlFor={`upload-${fieldName}`} className="block text-sm font-medium text-slate-800">{label}</label>
      <div className="flex flex-wrap items-center gap-3">
        <input
          id={`upload-${fieldName}`}
          ref={inputRef}
          type="file"
          name={fieldName}
          accept={accept}
          aria-describedby={`upload-${fieldName}-hint`}
          onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) upload(f); }}
          className="block text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-brand-700 hover:file:bg-brand-100"
        />
        <noscript><button type="submit" className="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white">Upload</button></noscript>
      </div>
      <p id={`upload-${fieldName}-hint`} className="text-xs text-slate-500">{hint}</p>
      {progress !== null ? (
        <div role="progressbar" aria-label={`Uploading ${label.toLowerCase()}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress} className="h-2 w-full overflow-hidden rounded-full bg-slate-200">
          <div className="h-full rounded-full bg-brand-600 transition-all" style={{ width: `${progress}%` }} />
        </div>
      ) : null}
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      {done ? <p role="status" className="text-sm text-emerald-700">{done}</p> : null}
    </form>
  );
}
