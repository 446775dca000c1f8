"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type Hls from "hls.js";
import type { LessonMedia } from "@/lib/media/delivery-types";
import { ThumbnailStrip } from "@/components/media/thumbnail-strip";

type Video = NonNullable<LessonMedia["video"]>;

/**
 * Lesson player: hls.js (native HLS on Safari). In "cookies" mode it first asks the app for
 * the lesson's signed cookies and refreshes them before they expire while it is open; if a
 * refresh is refused (enrolment revoked or expired) it stops playback and says why.
 * Resumes from the saved position, saves progress periodically, marks the lesson complete
 * at 90% watched. Keyboard: space/k play-pause, j/l or ←/→ seek 10 s, m mute, c captions,
 * f fullscreen, < > speed. Under the video, a "Jump to" strip of thumbnails when the video has
 * them (the native controls offer no seek-bar preview).
 */
export function VideoPlayer({
  lessonId,
  video,
  captions,
  startAt = 0,
  trackProgress,
}: {
  lessonId: string;
  video: Video;
  captions: LessonMedia["captions"];
  startAt?: number;
  trackProgress: boolean;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  const hlsRef = useRef<Hls | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const [levels, setLevels] = useState<{ index: number; label: string }[]>([]);
  const [level, setLevel] = useState(-1);
  const [rate, setRate] = useState(1);
  const [completedSent, setCompletedSent] = useState(false);

  const stop = useCallback((message: string) => {
    setError(message);
    const el = ref.current;
    hlsRef.current?.destroy();
    hlsRef.current = null;
    if (el) {
      el.pause();
      el.removeAttribute("src");
      el.load();
    }
  }, []);

  // Signed cookies: issue before load, refresh before expiry, stop when refused.
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function session(): Promise<boolean> {
      const res = await fetch(`/api/lessons/${lessonId}/media-session`, { method: "POST" }).catch(() => null);
      if (cancelled) return false;
      if (!res) {
        timer = setTimeout(session, 5000); // network blip: retry soon
        return true;
      }
      if (res.status === 401 || res.status === 403) {
        const data = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        stop(data?.error?.message ?? "Your access to this lesson has ended.");
        return false;
      }
      if (!res.ok) {
        timer = setTimeout(session, 5000);
        return true;
      }
      const { refreshInSeconds } = (await res.json()) as { refreshInSeconds: number };
      timer = setTimeout(session, refreshInSeconds * 1000);
      return true;
    }
    async function start() {
      if (video.auth === "cookies" && !(await session())) return;
      if (cancelled) return;
      const el = ref.current!;
      const { default: HlsCtor } = await import("hls.js");
      if (cancelled) return;
      if (HlsCtor.isSupported()) {
        const hls = new HlsCtor({
          xhrSetup: (xhr) => {
            xhr.withCredentials = video.auth === "cookies";
          },
          startPosition: startAt > 5 ? startAt : -1,
        });
        hlsRef.current = hls;
        hls.on(HlsCtor.Events.MANIFEST_PARSED, (_e, data) => {
          setLevels(data.levels.map((l, index) => ({ index, label: `${l.height}p` })));
          setReady(true);
        });
        hls.on(HlsCtor.Events.ERROR, (_e, data) => {
          if (!data.fatal) return;
          const status = (data.response as { code?: number } | undefined)?.code;
          if (status === 403) stop("The video could not be loaded: access denied. Reload the page to try again.");
          else if (data.type === HlsCtor.ErrorTypes.NETWORK_ERROR) hls.startLoad();
          else if (data.type === HlsCtor.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
          else stop("The video could not be played.");
        });
        hls.loadSource(new URL(video.manifestUrl, window.location.href).toString());
        hls.attachMedia(el);
      } else if (el.canPlayType("application/vnd.apple.mpegurl")) {
        el.src = video.manifestUrl;
        if (startAt > 5) el.currentTime = startAt;
        setReady(true);
      } else {
        setError("This browser cannot play HLS video.");
      }
    }
    start();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
      hlsRef.current?.destroy();
      hlsRef.current = null;
    };
  }, [lessonId, video.auth, video.manifestUrl, startAt, stop]);

  // Progress: save the position every 10 s of playback and on pause; complete at 90%.
  useEffect(() => {
    const el = ref.current;
    if (!el || !trackProgress) return;
    let last = 0;
    const send = (body: object) =>
      fetch(`/api/lessons/${lessonId}/progress`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        keepalive: true,
      }).catch(() => undefined);
    const onTime = () => {
      if (Math.abs(el.currentTime - last) >= 10) {
        last = el.currentTime;
        send({ positionSeconds: el.currentTime });
      }
      if (!completedSent && el.duration && el.currentTime / el.duration >= 0.9) {
        setCompletedSent(true);
        send({ completed: true });
      }
    };
    const onPause = () => send({ positionSeconds: el.currentTime });
    el.addEventListener("timeupdate", onTime);
    el.addEventListener("pause", onPause);
    return () => {
      el.removeEventListener("timeupdate", onTime);
      el.removeEventListener("pause", onPause);
    };
  }, [lessonId, trackProgress, completedSent]);

  const onKey = (e: React.KeyboardEvent) => {
    const el = ref.current;
    if (!el) return;
    const k = e.key;
    if (k === " " || k === "k") {
      if (el.paused) void el.play();
      else el.pause();
    }
    else if (k === "j" || k === "ArrowLeft") el.currentTime = Math.max(0, el.currentTime - 10);
    else if (k === "l" || k === "ArrowRight") el.currentTime = Math.min(el.duration || Infinity, el.currentTime + 10);
    else if (k === "m") el.muted = !el.muted;
    else if (k === "f") (document.fullscreenElement ? document.exitFullscreen() : el.requestFullscreen()).catch(() => undefined);
    else if (k === "c") {
      const t = el.textTracks[0];
      if (t) t.mode = t.mode === "showing" ? "hidden" : "showing";
    } else if (k === ">" || k === "<") changeRate(Math.min(2, Math.max(0.5, rate + (k === ">" ? 0.25 : -0.25))));
    else return;
    e.preventDefault();
  };

  const changeRate = (r: number) => {
    setRate(r);
    if (ref.current) ref.current.playbackRate = r;
  };
  const changeLevel = (l: number) => {
    setLevel(l);
    if (hlsRef.current) hlsRef.current.currentLevel = l;
  };

  return (
    <div className="space-y-2" data-testid="video-player" data-ready={ready ? "true" : "false"} data-manifest-url={video.manifestUrl}>
      <div className="overflow-hidden rounded-2xl bg-black shadow-sm ring-1 ring-slate-200" onKeyDown={onKey} tabIndex={0} aria-label="Video player (keyboard shortcuts available)">
        <video
          ref={ref}
          controls
          playsInline
          preload="metadata"
          crossOrigin={video.auth === "cookies" ? "use-credentials" : "anonymous"}
          poster={video.posterUrl ?? undefined}
          className="aspect-video w-full"
          data-testid="lesson-video"
        >
          {captions.map((c, i) => (
            <track key={c.language} kind="captions" src={c.url} srcLang={c.language} label={c.label} default={i === 0} />
          ))}
        </video>
      </div>
      {video.thumbnails && !error ? <ThumbnailStrip videoRef={ref} vttUrl={video.thumbnails.vttUrl} spriteUrl={video.thumbnails.spriteUrl} /> : null}
      {error ? (
        <p role="alert" data-testid="player-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200">
          {error}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-600">
        {levels.length > 1 ? (
          <label className="flex items-center gap-1">
            Quality
            <select value={level} onChange={(e) => changeLevel(Number(e.target.value))} className="rounded-md border-slate-300 py-1 text-sm" data-testid="quality">
              <option value={-1}>Auto</option>
              {levels.map((l) => (
                <option key={l.index} value={l.index}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="flex items-center gap-1">
          Speed
          <select value={rate} onChange={(e) => changeRate(Number(e.target.value))} className="rounded-md border-slate-300 py-1 text-sm">
            {[0.5, 0.75, 1, 1.25, 1.5, 1.75, 2].map((r) => (
              <option key={r} value={r}>
                {r}×
              </option>
            ))}
          </select>
        </label>
        <span className="hidden text-xs text-slate-400 sm:inline">Shortcuts: space play/pause · ←/→ 10 s · c captions · f fullscreen</span>
      </div>
    </div>
  );
}
