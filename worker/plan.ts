/**
 * Pure decisions of the transcoding pipeline (no I/O): which renditions, which frame rate,
 * the poster command and the thumbnail-strip filter, the thumbnails WebVTT, progress weights.
 * Unit-tested in tests/unit/transcode-plan.test.ts; the HLS ladder commands and the master
 * playlist come from worker/ffmpeg-args.ts.
 */
import { evenWidth, inputArgs, ladderFor, type MediaInput, type Rendition } from "./ffmpeg-args";

/** HLS segment length (seconds); the GOP is aligned to it (worker/ffmpeg-args.ts). */
export const SEGMENT_SECONDS = 6;

export interface SourceSize {
  width: number;
  height: number;
}

/** A rendition with the width it really gets (the source's aspect ratio, even). */
export interface PlannedRendition extends Rendition {
  bandwidth: number;
  playlist: string;
}

/** What goes into Asset.renditions (jsonb; read back with lib/assets/renditions.ts). */
export type RenditionRecord = {
  name: string;
  width: number;
  height: number;
  bandwidth: number;
  playlist: string;
};

const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

/**
 * The ladder for a source: `ladderFor(height)` (at most 3 rungs at or below the source
 * height), with two guarantees on top: never upscale (a source below the smallest rung gets
 * one rendition at its own, even, height) and widths from the source aspect ratio.
 */
export function planRenditions(source: SourceSize, options: { hasAudio: boolean; max?: number }): PlannedRendition[] {
  const rungs = ladderFor(source.height, options.max ?? 3).map((r) => {
    if (r.height <= source.height) return r;
    const height = even(source.height);
    return { ...r, name: `${height}p`, height };
  });
  return rungs.map((r) => ({
    ...r,
    width: evenWidth(source.width, source.height, r.height),
    bandwidth: (r.videoKbps + (options.hasAudio ? r.audioKbps : 0)) * 1000,
    playlist: `${r.name}/index.m3u8`,
  }));
}

export function renditionRecords(renditions: PlannedRendition[]): RenditionRecord[] {
  return renditions.map(({ name, width, height, bandwidth, playlist }) => ({ name, width, height, bandwidth, playlist }));
}

/**
 * Output frame rate: the source's when it is a normal rate, halved while above 31 (60 → 30,
 * 59.94 → 29.97), 25 when unknown. The GOP is `segment × fps` frames.
 */
export function outputFps(sourceFps: number | null): number {
  if (sourceFps === null || !Number.isFinite(sourceFps) || sourceFps <= 0) return 25;
  let fps = sourceFps;
  while (fps > 31) fps /= 2;
  return Math.max(1, Math.round(fps * 1000) / 1000);
}

/** Time of the poster frame: 10% into the video (past a black lead-in, before the end). */
export function posterTime(durationSeconds: number): number {
  return Math.max(0, Math.round(durationSeconds * 0.1 * 1000) / 1000);
}

/** ffmpeg arguments for the poster: one JPEG frame at `at` seconds, scaled to `size`. */
export function posterArgs(o: { input: MediaInput; videoStream: string; at: number; size: SourceSize; out: string }): string[] {
  return [
    "-hide_banner", "-nostdin", "-y",
    ...(o.at > 0 ? ["-ss", String(o.at)] : []),
    ...inputArgs(o.input),
    "-map", o.videoStream, "-an", "-sn", "-dn",
    "-vf", `scale=${o.size.width}:${o.size.height}:flags=bicubic,setsar=1`,
    "-frames:v", "1", "-q:v", "3",
    o.out,
  ];
}

export interface ThumbnailPlan {
  count: number;
  /** Seconds between thumbnails (each cue covers one interval). */
  interval: number;
  cols: number;
  rows: number;
  /** Size of one thumbnail in the sprite. */
  width: number;
  height: number;
}

/**
 * One thumbnail every ~`every` seconds (fewer and further apart for long videos: at most
 * `max`), each fitting `box`, laid out `cols` per row in one sprite.
 */
export function planThumbnails(
  durationSeconds: number,
  source: SourceSize,
  options: { every?: number; max?: number; box?: SourceSize; cols?: number } = {},
): ThumbnailPlan {
  const every = options.every ?? 5;
  const max = options.max ?? 100;
  const box = options.box ?? { width: 160, height: 90 };
  const count = Math.max(1, Math.min(max, Math.ceil(durationSeconds / every)));
  const interval = durationSeconds / count;
  const scale = Math.min(box.width / source.width, box.height / source.height);
  const width = even(source.width * scale);
  const height = even(source.height * scale);
  const cols = Math.min(options.cols ?? 10, count);
  const rows = Math.ceil(count / cols);
  return { count, interval, cols, rows, width, height };
}

/**
 * The sprite's filter chain: one frame per interval, scaled, tiled into one picture. It runs
 * as a branch of the ladder's single pass (worker/ffmpeg-args.ts LadderJob.sprite), on the
 * frames already decoded for the renditions.
 */
export function spriteFilter(plan: ThumbnailPlan): string {
  return `fps=1/${plan.interval.toFixed(6)},scale=${plan.width}:${plan.height}:flags=bicubic,setsar=1,tile=${plan.cols}x${plan.rows}`;
}

function vttTime(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}.${String(rest).padStart(3, "0")}`;
}

/**
 * The thumbnails track: one cue per interval pointing into the sprite with a media fragment
 * (`sprite.jpg#xywh=x,y,w,h`), relative to the VTT so it resolves inside the same folder.
 */
export function thumbnailsVtt(plan: ThumbnailPlan, durationSeconds: number, sprite = "thumbnails.jpg"): string {
  const cues: string[] = ["WEBVTT", ""];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.interval;
    const end = i === plan.count - 1 ? durationSeconds : (i + 1) * plan.interval;
    const x = (i % plan.cols) * plan.width;
    const y = Math.floor(i / plan.cols) * plan.height;
    cues.push(`${vttTime(start)} --> ${vttTime(end)}`, `${sprite}#xywh=${x},${y},${plan.width},${plan.height}`, "");
  }
  return cues.join("\n");
}

/** The automatic ffmpeg time limit of a job: at least this long, and the limit while the duration is not known yet (probing). */
export const FFMPEG_MIN_SECONDS = 600;
/** The automatic limit is this many times the video's duration when that is longer (three renditions, poster, sprite). */
export const FFMPEG_DURATION_FACTOR = 6;

/**
 * Wall-clock limit (seconds) of all the ffmpeg runs of one job, after which ffmpeg is killed
 * and the job fails (ADR 046): WORKER_FFMPEG_TIMEOUT_SECONDS when set, else
 * max(600, 6 × duration) — 600 while the duration is unknown.
 */
export function ffmpegTimeLimitSeconds(durationSeconds: number | null, configured?: number): number {
  if (configured !== undefined) return configured;
  const duration = durationSeconds !== null && Number.isFinite(durationSeconds) && durationSeconds > 0 ? durationSeconds : 0;
  return Math.max(FFMPEG_MIN_SECONDS, Math.ceil(FFMPEG_DURATION_FACTOR * duration));
}

/** Progress (0-100) milestones of one job. */
export const PROGRESS = {
  claimed: 0,
  downloaded: 5,
  transcoded: 85,
  images: 90,
  uploaded: 99,
  done: 100,
} as const;

/** Progress while the ladder is `fraction` (0-1) transcoded. */
export function transcodeProgress(fraction: number): number {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  return Math.floor(PROGRESS.downloaded + f * (PROGRESS.transcoded - PROGRESS.downloaded));
}

/** Progress while `done` of `total` bytes moved (download or upload), between two milestones. */
export function bytesProgress(done: number, total: number, from: number, to: number): number {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  return Math.floor(from + f * (to - from));
}

/** Cache-Control for what the worker writes: segments and images never change under an asset id. */
export function cacheControlFor(relativePath: string): string {
  return relativePath.endsWith(".m3u8") || relativePath.endsWith(".vtt") ? "max-age=60" : "max-age=31536000, immutable";
}

/**
 * Upload order so a reader never finds a playlist before what it references: segments and
 * images, then rendition playlists, then the master last.
 */
export function uploadOrder(relativePaths: string[]): string[] {
  const rank = (p: string) => (p === "master.m3u8" ? 2 : p.endsWith(".m3u8") ? 1 : 0);
  return [...relativePaths].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
