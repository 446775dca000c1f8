import "server-only";

import { ffmpegPath, runLimited, type FfmpegDeadline } from "./ffmpeg";
import { durationPassArgs, probeArgs, type MediaInput } from "./ffmpeg-args";

/**
 * What the worker needs to know about an uploaded file, read from `ffmpeg -hide_banner
 * -protocol_whitelist file,pipe -f <demuxer> -i <file>` (stderr; worker/ffmpeg-args.ts
 * probeArgs). Not ffprobe: Debian ships it, but the npm fallback (@ffmpeg-installer/ffmpeg)
 * does not.
 */
export interface MediaInfo {
  /** Seconds; null when the container does not say (e.g. a browser-recorded WebM). */
  durationSeconds: number | null;
  /** Display size: already swapped when the stream is rotated by ±90° (ffmpeg autorotates). */
  width: number;
  height: number;
  hasAudio: boolean;
  /** e.g. "h264", "hevc", "vp8". */
  videoCodec: string;
  audioCodec: string | null;
  /** Frames per second when stated. */
  fps: number | null;
  /** Display rotation in degrees (0, 90, 180, 270). */
  rotation: number;
  /** ffmpeg stream specifiers to map, e.g. "0:v:0" / "0:a:0" (cover art skipped). */
  videoStream: string;
  audioStream: string | null;
  /** Demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  format: string;
}

/** The file is not a video we can transcode; retrying will not help. */
export class ProbeError extends Error {
  constructor(
    message: string,
    readonly detail: string = "",
  ) {
    super(message);
    this.name = "ProbeError";
  }
}

/** Demuxers of still images: ffmpeg reads them as a one-frame "video". */
const IMAGE_FORMATS = /(^|,)(image2|image2pipe|[a-z0-9]+_pipe|png|bmp|tiff|webp)(,|$)/;

function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^At least one output file must be specified$/.test(l));
  return lines[lines.length - 1] ?? "";
}

/**
 * Parses the stderr of `ffmpeg -hide_banner -i <file>` (no output given, so ffmpeg prints
 * the input description and exits 1). Pure. Throws {@link ProbeError} for anything that is
 * not a video: unreadable data, audio only, a still image.
 */
export function parseFfmpegProbe(stderr: string): Omit<MediaInfo, "durationSeconds"> & { durationSeconds: number | null } {
  const input = /^Input #0, (.+?), from '/m.exec(stderr);
  if (!input) {
    const reason = lastMeaningfulLine(stderr) || "no output from ffmpeg";
    // "<file>: Invalid data found when processing input" → drop the (temporary) file name.
    const short = reason.replace(/^.*?: (?=[A-Z][a-z])/, "");
    throw new ProbeError(`The file is not a video ffmpeg can read (${short}).`, reason);
  }
  const format = input[1];

  // Only the first input's section: lines up to the end of the dump.
  const section = stderr.slice(input.index);
  const durationMatch = /^\s*Duration: (N\/A|(\d+):(\d{2}):(\d{2}(?:\.\d+)?))/m.exec(section);
  let durationSeconds: number | null = null;
  if (durationMatch && durationMatch[1] !== "N/A") {
    durationSeconds = Number(durationMatch[2]) * 3600 + Number(durationMatch[3]) * 60 + Number(durationMatch[4]);
  }

  // Stream lines with their indented detail lines (Metadata, Side data) until the next stream.
  const streamRe = /^\s*Stream #0:(\d+)[^:]*: (Video|Audio|Subtitle|Data|Attachment): (.*)$/gm;
  const streams: { kind: string; desc: string; start: number; end: number }[] = [];
  for (let m = streamRe.exec(section); m; m = streamRe.exec(section)) {
    if (streams.length) streams[streams.length - 1].end = m.index;
    streams.push({ kind: m[2], desc: m[3], start: m.index, end: section.length });
  }

  let videoIndex = -1;
  let audioIndex = -1;
  let video: { desc: string; block: string; n: number } | null = null;
  let audio: { desc: string; n: number } | null = null;
  for (const s of streams) {
    if (s.kind === "Video") {
      videoIndex++;
      if (!video && !/\(attached pic\)/.test(s.desc)) video = { desc: s.desc, block: section.slice(s.start, s.end), n: videoIndex };
    } else if (s.kind === "Audio") {
      audioIndex++;
      if (!audio) audio = { desc: s.desc, n: audioIndex };
    }
  }
  if (!video) {
    throw new ProbeError(
      audio ? "The file has no video stream (audio only?)." : "The file has no video stream.",
      `format ${format}; streams: ${streams.map((s) => s.kind).join(", ") || "none"}`,
    );
  }
  if (IMAGE_FORMATS.test(format)) {
    throw new ProbeError("The file is a still image, not a video.", `format ${format}`);
  }

  const videoCodec = /^([A-Za-z0-9_]+)/.exec(video.desc)?.[1] ?? "unknown";
  const size = /(?:^|[\s,])(\d{1,5})x(\d{1,5})(?=[\s,[]|$)/.exec(video.desc);
  if (!size || Number(size[1]) < 2 || Number(size[2]) < 2) {
    throw new ProbeError("The video stream has no usable picture size.", video.desc);
  }
  let width = Number(size[1]);
  let height = Number(size[2]);

  const rot = /displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees/.exec(video.block) ?? /^\s*rotate\s*:\s*(-?\d+)/m.exec(video.block);
  const rotation = rot ? (((Math.round(Number(rot[1]) / 90) * 90) % 360) + 360) % 360 : 0;
  if (rotation === 90 || rotation === 270) [width, height] = [height, width];

  const fpsMatch = /, (\d+(?:\.\d+)?) fps\b/.exec(video.desc) ?? /, (\d+(?:\.\d+)?)k? tbr\b/.exec(video.desc);
  let fps = fpsMatch ? Number(fpsMatch[1]) : null;
  if (fps !== null && (!Number.isFinite(fps) || fps <= 0 || fps > 1000)) fps = null;

  return {
    durationSeconds,
    width,
    height,
    hasAudio: audio !== null,
    videoCodec,
    audioCodec: audio ? (/^([A-Za-z0-9_]+)/.exec(audio.desc)?.[1] ?? "unknown") : null,
    fps,
    rotation,
    videoStream: `0:v:${video.n}`,
    audioStream: audio ? `0:a:${audio.n}` : null,
    format,
  };
}

/** Parses the last `time=HH:MM:SS.xx` of an ffmpeg run's stats (stderr). */
export function parseLastTime(stderr: string): number | null {
  let last: number | null = null;
  const re = /time=(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g;
  for (let m = re.exec(stderr); m; m = re.exec(stderr)) last = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return last;
}

/**
 * Probes a local media file with its demuxer forced and local files only (ADR 046). Throws
 * {@link ProbeError} when it is not a video, FfmpegTimeoutError past the deadline. When the
 * container states no duration, measures it by remuxing the video stream to nowhere (fast:
 * no decoding).
 */
export async function probeMedia(
  input: MediaInput,
  options: { signal?: AbortSignal; deadline?: FfmpegDeadline } = {},
): Promise<MediaInfo & { durationSeconds: number }> {
  const { stderr } = await runLimited(ffmpegPath(), probeArgs(input), options);
  const info = parseFfmpegProbe(stderr);
  let duration = info.durationSeconds;
  if (duration === null || duration <= 0) {
    const pass = await runLimited(ffmpegPath(), durationPassArgs(input, info.videoStream), options);
    const t = parseLastTime(pass.stderr);
    // The last timestamp is the start of the last frame: add one frame.
    duration = t === null ? null : t + (info.fps ? 1 / info.fps : 0);
  }
  if (duration === null || !(duration > 0)) {
    throw new ProbeError("The video has no measurable duration (empty or truncated file?).", lastMeaningfulLine(stderr));
  }
  return { ...info, durationSeconds: duration };
}
