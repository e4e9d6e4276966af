import { useEffect, useRef, useState } from "react";
import { UploadedImage } from "./uploaded-image";

type Shot = { id: string; url: string };

/**
 * App screenshots as a strip that opens a lightbox: a modal <dialog> (focus stays inside, Escape
 * closes, focus returns to the thumbnail), Previous/Next buttons, arrow keys and swipes. Without
 * JavaScript each thumbnail still links to its image.
 */
export function ScreenshotGallery({ shots, appName }: { shots: Shot[]; appName: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [index, setIndex] = useState<number | null>(null);
  const touchX = useRef<number | null>(null);
  const n = shots.length;
  const go = (d: number) => setIndex((i) => (i === null ? i : (i + d + n) % n));

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (index !== null && !el.open) el.showModal();
    if (index === null && el.open) el.close();
  }, [index]);

  const alt = (i: number) => `${appName} screenshot ${i + 1}`;
  return (
    <>
      <ul className="flex snap-x snap-mandatory gap-4 overflow-x-auto pb-2">
        {shots.map((s, i) => (
          <li key={s.id} className="w-[85%] shrink-0 snap-start sm:w-[48%] lg:w-[32%]">
            <a
              href={s.url}
              target="_blank"
              rel="noopener"
              aria-label={`Open ${alt(i)} larger`}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey) return; // a new tab on purpose
                e.preventDefault();
                setIndex(i);
              }}
            >
              <UploadedImage
                src={s.url}
                alt={alt(i)}
                sizes="(min-width: 1024px) 360px, (min-width: 640px) 48vw, 85vw"
                priority={i === 0}
                className="aspect-video w-full rounded-xl border border-slate-200 bg-slate-100 object-cover"
              />
            </a>
          </li>
        ))}
      </ul>
      <dialog
        ref={dialog}
        aria-label={`${appName} screenshots`}
        onClose={() => setIndex(null)}
        onKeyDown={(e) => {
          if (e.key === "ArrowRight") go(1);
          if (e.key === "ArrowLeft") go(-1);
        }}
        onTouchStart={(e) => (touchX.current = e.touches[0]?.clientX ?? null)}
        onTouchEnd={(e) => {
          const start = touchX.current;
          const end = e.changedTouches[0]?.clientX;
          touchX.current = null;
          if (start === null || end === undefined || Math.abs(end - start) < 40) return;
          go(end < start ? 1 : -1);
        }}
        className="m-auto max-h-[95vh] w-[min(96vw,1200px)] rounded-2xl bg-slate-950 p-0 text-white backdrop:bg-black/80"
      >
        {index !== null ? (
          <figure className="flex flex-col gap-3 p-3">
            <UploadedImage
              src={shots[index].url}
              alt={alt(index)}
              sizes="(min-width: 1024px) 1024px, 100vw"
              priority
              className="max-h-[78vh] w-full rounded-lg object-contain"
            />
            <figcaption className="flex items-center justify-between gap-2 text-sm">
              <button
                type="button"
                onClick={() => go(-1)}
                disabled={n < 2}
                className="rounded-lg px-3 py-2 font-semibold ring-1 ring-white/30 hover:bg-white/10 disabled:opacity-40"
              >
                ← Previous
              </button>
              <span aria-live="polite">
                Screenshot {index + 1} of {n}
              </span>
              <span className="flex gap-2">
                <button
                  type="button"
                  onClick={() => go(1)}
                  disabled={n < 2}
                  className="rounded-lg px-3 py-2 font-semibold ring-1 ring-white/30 hover:bg-white/10 disabled:opacity-40"
                >
                  Next →
                </button>
                <button
                  type="button"
                  onClick={() => setIndex(null)}
                  autoFocus
                  className="rounded-lg bg-white px-3 py-2 font-semibold text-slate-900 hover:bg-slate-200"
                >
                  Close
                </button>
              </span>
            </figcaption>
          </figure>
        ) : null}
      </dialog>
    </>
  );
}
