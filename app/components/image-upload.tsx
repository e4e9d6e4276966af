import { useRef, useState } from "react";
import { IMAGE_ACCEPT, checkUploadFile, tooLargeMessage } from "~/lib/upload-limits";

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
  /** The server's size limit (from ~/lib/upload-limits); checked before anything is sent. */
  maxBytes: number;
  /** What the messages call the file ("image" unless told). */
  noun?: string;
  /** Check the first bytes are a PNG, JPEG, WebP or GIF before sending (default: true). */
  imageOnly?: boolean;
};

/**
 * A file upload that works as a plain multipart form without JavaScript and, with it, sends the
 * bytes by XHR so it can show a real progress bar.
 */
export function ImageUpload({
  action,
  fieldName,
  label,
  hint,
  hidden = {},
  onUploaded,
  accept = IMAGE_ACCEPT,
  fileNameParam,
  maxBytes,
  noun = "image",
  imageOnly = true,
}: Props) {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const clearInput = () => {
    if (inputRef.current) inputRef.current.value = "";
  };

  async function upload(file: File) {
    setError(null);
    setDone(null);
    // The same refusal the server would give, without sending 30 MB to hear it.
    const problem = await checkUploadFile(file, { maxBytes, noun, image: imageOnly });
    if (problem) {
      setError(problem);
      clearInput();
      return;
    }
    setProgress(0);
    const xhr = new XMLHttpRequest();
    const qs = new URLSearchParams({ ...hidden, ...(fileNameParam ? { [fileNameParam]: file.name } : {}) }).toString();
    xhr.open("POST", `${action}${qs ? `?${qs}` : ""}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => e.lengthComputable && setProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      setProgress(null);
      if (xhr.status >= 200 && xhr.status < 300) {
        setDone(`${file.name} uploaded.`);
        onUploaded?.(json);
      } else {
        setError(uploadFailure(xhr.status, json, file, maxBytes, noun));
      }
      clearInput();
    };
    // A server that refuses an oversized body before reading it may reset the connection, so the
    // refusal itself never arrives: for a file over the limit, that is the reason.
    xhr.onerror = () => {
      setProgress(null);
      setError(
        file.size > maxBytes
          ? tooLargeMessage(noun, maxBytes, file.size)
          : "The upload was interrupted. Check your connection and try again.",
      );
      clearInput();
    };
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
        if (file) void upload(file);
        else setError("Choose a file first.");
      }}
      className="space-y-2"
    >
      {Object.entries(hidden).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <label htmlFor={`upload-${fieldName}`} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="flex flex-wrap items-center gap-3">
        <input
          id={`upload-${fieldName}`}
          ref={inputRef}
          type="file"
          name={fieldName}
          accept={accept}
          aria-describedby={`upload-${fieldName}-hint`}
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            if (f) void upload(f);
          }}
          className="block text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-brand-700 hover:file:bg-brand-100"
        />
        <noscript>
          <button type="submit" className="rounded-lg bg-brand-600 px-3 py-2 text-sm font-semibold text-white">
            Upload
          </button>
        </noscript>
      </div>
      <p id={`upload-${fieldName}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
      {progress !== null ? (
        <div
          role="progressbar"
          aria-label={`Uploading ${label.toLowerCase()}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress}
          className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
        >
          <div className="h-full rounded-full bg-brand-600 transition-all" style={{ width: `${progress}%` }} />
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      {done ? (
        <p role="status" className="text-sm text-emerald-700">
          {done}
        </p>
      ) : null}
    </form>
  );
}

/** The message for a refused upload: the server's own words when it sent JSON, else a plain reason. */
export function uploadFailure(status: number, json: Record<string, unknown>, file: File, maxBytes: number, noun: string): string {
  if (typeof json.error === "string") return json.error;
  if (status === 413 || file.size > maxBytes) return tooLargeMessage(noun, maxBytes, file.size);
  return `Upload failed (${status}). Please try again.`;
}
