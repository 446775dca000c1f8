"use client";

import { useEffect, useId, useRef, useState, type RefObject } from "react";
import { formatDuration } from "@/lib/format";
import { activeCueIndex, evenlySpaced, parseThumbnailsVtt, spriteSize, type ThumbnailCue } from "@/lib/media/thumbnails-vtt";

/** At most this many thumbnails, evenly spaced over the video (the track has up to 100). */
export const MAX_STRIP_THUMBNAILS = 24;
/** Displayed height of a thumbnail (px); the width follows its aspect ratio. */
const HEIGHT = 64;

interface Strip {
  cues: ThumbnailCue[];
  sprite: { width: number; height: number };
  /** The sprite URL that was loaded (the tiles' background: already in the browser's memory). */
  spriteUrl: string;
}

/** A CSS `url()` for a signed URL (which may hold characters a CSS string must not). */
function cssUrl(url: string): string {
  return `url("${url.replace(/["\\\n\r]/g, encodeURIComponent)}")`;
}

/** Loads the sprite (no cookies, no CORS: an image); rejects when the edge refuses it. */
function loadImage(url: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    const abort = () => {
      img.src = "";
      reject(new DOMException("Aborted", "AbortError"));
    };
    img.onload = () => {
      signal.removeEventListener("abort", abort);
      if (img.naturalWidth > 0) resolve();
      else reject(new Error("empty sprite"));
    };
    img.onerror = () => {
      signal.removeEventListener("abort", abort);
      reject(new Error("sprite refused"));
    };
    signal.addEventListener("abort", abort, { once: true });
    img.src = url;
  });
}

/**
 * "Jump to" strip under the lesson video: one button per thumbnail of the video's thumbnails
 * track (a subset for long videos), each showing its frame from the sprite, labelled with its
 * time; a click seeks there (playback goes on if it was playing). The cue the playhead is in is
 * highlighted.
 *
 * Signed URLs: the track and the sprite are fetched on demand, once, as soon as the player
 * mounts, while the URLs the page was rendered with are valid (they are signed like the poster,
 * with the stream lifetime); the parsed cues and the decoded sprite then stay in the page, so
 * their expiry does not matter — no refresh of its own. A re-render of the page with newly
 * signed URLs loads them again, keeping the strip on screen meanwhile. When either cannot be
 * loaded (expired, refused, offline, malformed) there is simply no strip: the player does not
 * depend on it.
 */
export function ThumbnailStrip({ videoRef, vttUrl, spriteUrl }: { videoRef: RefObject<HTMLVideoElement | null>; vttUrl: string; spriteUrl: string }) {
  const [strip, setStrip] = useState<Strip | null>(null);
  const [active, setActive] = useState(-1);
  const listRef = useRef<HTMLOListElement>(null);
  const labelId = useId();

  useEffect(() => {
    const controller = new AbortController();
    (async () => {
      // The signature is in the query: no cookies (the edge's CORS allows the app's origin).
      const res = await fetch(vttUrl, { credentials: "omit", signal: controller.signal });
      if (!res.ok) throw new Error(`thumbnails track: ${res.status}`);
      const cues = parseThumbnailsVtt(await res.text());
      if (cues.length === 0) throw new Error("thumbnails track: no cues");
      await loadImage(spriteUrl, controller.signal);
      if (controller.signal.aborted) return;
      setStrip({ cues: evenlySpaced(cues, MAX_STRIP_THUMBNAILS), sprite: spriteSize(cues), spriteUrl });
    })().catch(() => undefined); // no strip (or the one already shown), no noise
    return () => controller.abort();
  }, [vttUrl, spriteUrl]);

  // Highlight follows the playhead (state changes only when the highlighted cue does).
  useEffect(() => {
    const el = videoRef.current;
    if (!el || !strip) return;
    const update = () => setActive(activeCueIndex(strip.cues, el.currentTime));
    update();
    el.addEventListener("timeupdate", update);
    el.addEventListener("seeked", update);
    return () => {
      el.removeEventListener("timeupdate", update);
      el.removeEventListener("seeked", update);
    };
  }, [videoRef, strip]);

  // Keep the highlighted thumbnail in view inside the strip, without scrolling the page.
  useEffect(() => {
    const list = listRef.current;
    const item = active >= 0 ? (list?.children[active] as HTMLElement | undefined) : undefined;
    if (!list || !item) return;
    if (item.offsetLeft < list.scrollLeft || item.offsetLeft + item.offsetWidth > list.scrollLeft + list.clientWidth) {
      list.scrollLeft = item.offsetLeft - (list.clientWidth - item.offsetWidth) / 2;
    }
  }, [active]);

  if (!strip) return null;

  const jump = (cue: ThumbnailCue, index: number) => {
    const el = videoRef.current;
    if (!el) return;
    const wasPlaying = !el.paused && !el.ended;
    const seek = () => {
      el.currentTime = cue.start;
      if (wasPlaying) void el.play().catch(() => undefined);
    };
    if (el.readyState >= HTMLMediaElement.HAVE_METADATA) seek();
    else el.addEventListener("loadedmetadata", seek, { once: true });
    setActive(index);
  };

  return (
    <div role="group" aria-labelledby={labelId} data-testid="thumbnail-strip">
      <p id={labelId} className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
        Jump to
      </p>
      <ol ref={listRef} className="relative flex gap-2 overflow-x-auto pb-2">
        {strip.cues.map((cue, i) => {
          const scale = HEIGHT / cue.h;
          const label = formatDuration(Math.floor(cue.start)) ?? "0:00";
          const current = i === active;
          return (
            <li key={`${cue.start}-${i}`} className="shrink-0">
              <button
                type="button"
                onClick={() => jump(cue, i)}
                aria-label={`Jump to ${label}`}
                aria-current={current ? "time" : undefined}
                data-testid="thumbnail"
                data-start={cue.start}
                className={`group block rounded-lg p-0.5 text-center focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 ${
                  current ? "bg-brand-600 text-white" : "text-slate-600 hover:bg-slate-100"
                }`}
              >
                <span
                  aria-hidden="true"
                  className="block rounded-md bg-slate-200"
                  style={{
                    width: Math.round(cue.w * scale),
                    height: HEIGHT,
                    backgroundImage: cssUrl(strip.spriteUrl),
                    backgroundRepeat: "no-repeat",
                    backgroundSize: `${strip.sprite.width * scale}px ${strip.sprite.height * scale}px`,
                    backgroundPosition: `${-cue.x * scale}px ${-cue.y * scale}px`,
                  }}
                />
                <span aria-hidden="true" className="mt-0.5 block text-xs tabular-nums">
                  {label}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
