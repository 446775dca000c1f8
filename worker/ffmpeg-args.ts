/**
 * ffmpeg command building, pure (no I/O): how an uploaded source is opened, the probe, and
 * the single-pass HLS ladder used by the seed's demo videos and by the transcoding worker. Unit-tested in
 * tests/unit/ffmpeg-args.test.ts.
 */
import type { VideoContainer } from "../lib/uploads/sniff";

/**
 * ffmpeg's demuxer for each container the upload check accepts (lib/uploads/sniff.ts), by a
 * name both Debian's ffmpeg 5.1 and the npm fallback (4.1) know: `mov` (mov,mp4,m4a,3gp,3g2,mj2)
 * and `matroska` (matroska,webm).
 */
export const DEMUXERS: Record<VideoContainer, string> = { mp4: "mov", quicktime: "mov", ebml: "matroska" };

/** A local source file and the demuxer it must be read with. */
export interface MediaInput {
  file: string;
  demuxer: string;
}

/** Protocols an uploaded source may make ffmpeg open: the local file itself and pipes, no network. */
export const PROTOCOL_WHITELIST = "file,pipe";

/**
 * Input options for an uploaded source, ADR 046: the demuxer is forced (never probed from the
 * contents: an HLS playlist or concat script would make ffmpeg open the files or URLs it
 * names) and nested opens are limited to local files and pipes.
 */
export function inputArgs(input: MediaInput): string[] {
  return ["-protocol_whitelist", PROTOCOL_WHITELIST, "-f", input.demuxer, "-i", input.file];
}

/**
 * The thumbnail sprite in a run of its own (`filter`: worker/plan.ts spriteFilter, ending in
 * `tile`). Not a branch of the ladder's pass: ffmpeg prints no -progress report before every
 * output has written its header, and the sprite's only frame comes at the very end, so the
 * instructor saw no progress at all. Every frame is decoded: with key frames only
 * (`-skip_frame nokey`) a short video gives `tile` too few frames and no picture comes out.
 */
export function spriteArgs(o: { input: MediaInput; videoStream: string; filter: string; out: string }): string[] {
  return [
    "-hide_banner", "-nostdin", "-y",
    ...inputArgs(o.input),
    "-map", o.videoStream, "-an", "-sn", "-dn",
    "-vf", o.filter,
    "-frames:v", "1", "-q:v", "5",
    o.out,
  ];
}

/** The probe: ffmpeg describes the input on stderr and exits (no output given). */
export function probeArgs(input: MediaInput): string[] {
  return ["-hide_banner", "-nostdin", ...inputArgs(input)];
}

/** Measures a duration the container does not state: remuxes the video stream to nowhere (no decoding). */
export function durationPassArgs(input: MediaInput, videoStream: string): string[] {
  return [...probeArgs(input), "-map", videoStream, "-c", "copy", "-f", "null", "-"];
}

export interface Rendition {
  name: string; // folder and label, e.g. "720p"
  width: number;
  height: number;
  videoKbps: number;
  audioKbps: number;
}

/** Our ladder, top to bottom; a source gets the rungs at or below its height (never upscaled). */
export const LADDER: Rendition[] = [
  { name: "1080p", width: 1920, height: 1080, videoKbps: 5000, audioKbps: 128 },
  { name: "720p", width: 1280, height: 720, videoKbps: 2800, audioKbps: 128 },
  { name: "360p", width: 640, height: 360, videoKbps: 800, audioKbps: 96 },
  { name: "180p", width: 320, height: 180, videoKbps: 250, audioKbps: 64 },
];

/**
 * Rungs for a source of this height, never upscaled: the rungs at or below it; a source
 * smaller than the smallest rung gets one rendition at its own (even) height.
 */
export function ladderFor(sourceHeight: number, max = 3): Rendition[] {
  const fit = LADDER.filter((r) => r.height <= sourceHeight);
  if (fit.length) return fit.slice(0, max);
  const smallest = LADDER[LADDER.length - 1];
  const height = Math.max(2, Math.floor(sourceHeight / 2) * 2);
  return [{ ...smallest, name: `${height}p`, height, width: evenWidth(16, 9, height) }];
}

/** Width for a target height keeping the aspect ratio, rounded to an even number (x264 needs it). */
export function evenWidth(srcWidth: number, srcHeight: number, height: number): number {
  return Math.max(2, Math.round((srcWidth / srcHeight) * height / 2) * 2);
}

export interface LadderJob {
  /** ffmpeg input arguments: inputArgs(source) for an upload, or lavfi sources (the seed). */
  inputArgs: string[];
  /** Input stream selectors. */
  video: string; // e.g. "0:v:0"
  audio: string | null; // e.g. "0:a:0", or null for a silent source
  /** Optional filter applied to the source video before the frame rate and the split (e.g. drawtext). */
  preFilter?: string;
  source: { width: number; height: number };
  renditions: Rendition[];
  outDir: string;
  segmentSeconds?: number;
  fps?: number;
  /**
   * An extra picture from the same decoded frames: the thumbnail sprite (worker/plan.ts
   * spriteFilter, a chain ending in `tile`), one JPEG written to `file`.
   */
  sprite?: { filter: string; file: string };
  /** libx264 threads per rendition; unset: ENCODER_THREADS. */
  threads?: number;
}

/**
 * libx264 threads per rendition encoder. ffmpeg's default (x264's "auto": 1.5 × cores frame
 * threads, plus lookahead threads) in every one of the N encoders of a single pass
 * oversubscribes a small machine; measured on 2 cores (ADR 052), 2 was the fastest choice.
 */
export const ENCODER_THREADS = 2;

/**
 * The filtergraph of a single pass: the source video decoded once, (preFilter,) `fps`, then
 * `split` into one branch per rendition (plus one for the sprite), each scaled to its rung
 * and labelled `[v<i>]` (the sprite `[sprite]`).
 */
export function ladderFilter(job: LadderJob): string {
  const fps = job.fps ?? 25;
  const n = job.renditions.length;
  const branches = n + (job.sprite ? 1 : 0);
  const pre = job.preFilter ? `${job.preFilter},` : "";
  const labels = Array.from({ length: branches }, (_, i) => `[s${i}]`).join("");
  const chains = [`[${job.video}]${pre}fps=${fps},split=${branches}${labels}`];
  job.renditions.forEach((r, i) => {
    chains.push(`[s${i}]scale=${evenWidth(job.source.width, job.source.height, r.height)}:${r.height}:flags=bicubic,setsar=1[v${i}]`);
  });
  if (job.sprite) chains.push(`[s${n}]${job.sprite.filter}[sprite]`);
  return chains.join(";");
}

/**
 * Output options of rendition `index` in the single pass: writes <outDir>/<name>/index.m3u8 +
 * seg_NNN.ts from the `[v<index>]` branch and the source audio, H.264 (main) + AAC at the
 * rung's bitrates, a fixed GOP aligned to the segment length so every rendition cuts at the
 * same instants (switchable), a VOD playlist.
 */
export function hlsOutputArgs(job: LadderJob, index: number): string[] {
  const r = job.renditions[index];
  const seg = job.segmentSeconds ?? 6;
  const gop = Math.round(seg * (job.fps ?? 25));
  const dir = `${job.outDir}/${r.name}`;
  return [
    "-map", `[v${index}]`, ...(job.audio ? ["-map", job.audio] : []),
    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p",
    "-threads", String(job.threads ?? ENCODER_THREADS),
    "-b:v", `${r.videoKbps}k`, "-maxrate", `${Math.round(r.videoKbps * 1.07)}k`, "-bufsize", `${r.videoKbps * 2}k`,
    "-g", String(gop), "-keyint_min", String(gop), "-sc_threshold", "0",
    ...(job.audio ? ["-c:a", "aac", "-b:a", `${r.audioKbps}k`, "-ac", "2", "-ar", "48000"] : ["-an"]),
    // Audio packets wait here until the encoder's first video packet: room for a slow start.
    "-max_muxing_queue_size", "1024",
    "-f", "hls",
    "-hls_time", String(seg),
    "-hls_playlist_type", "vod",
    "-hls_segment_type", "mpegts",
    "-hls_flags", "independent_segments",
    "-hls_segment_filename", `${dir}/seg_%03d.ts`,
    `${dir}/index.m3u8`,
  ];
}

/**
 * The whole ladder in one ffmpeg run (ADR 052): the source opened and decoded once
 * (`job.inputArgs`), one filtergraph (ladderFilter), one HLS output per rendition (each with
 * its own -map and codec options) and, when asked, the sprite as one more output. Progress
 * (`-progress pipe:1`) covers all outputs. Separate outputs rather than -var_stream_map: the
 * npm fallback ffmpeg (4.1) crashes on multi-variant HLS output.
 */
export function hlsLadderArgs(job: LadderJob): string[] {
  return [
    "-hide_banner", "-nostdin", "-y",
    "-progress", "pipe:1", "-nostats",
    ...job.inputArgs,
    "-filter_complex", ladderFilter(job),
    ...job.renditions.flatMap((_, i) => hlsOutputArgs(job, i)),
    ...(job.sprite ? ["-map", "[sprite]", "-frames:v", "1", "-q:v", "5", job.sprite.file] : []),
  ];
}

/** The master playlist for a ladder (pure). Bandwidth is the peak (maxrate + audio). */
export function masterPlaylist(job: Pick<LadderJob, "renditions" | "source" | "audio">): string {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"];
  for (const r of job.renditions) {
    const width = evenWidth(job.source.width, job.source.height, r.height);
    const peak = Math.round(r.videoKbps * 1.07 * 1000) + (job.audio ? r.audioKbps * 1000 : 0);
    const avg = r.videoKbps * 1000 + (job.audio ? r.audioKbps * 1000 : 0);
    const codecs = job.audio ? "avc1.4d4028,mp4a.40.2" : "avc1.4d4028";
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${avg},RESOLUTION=${width}x${r.height},CODECS="${codecs}"`, `${r.name}/index.m3u8`);
  }
  return lines.join("\n") + "\n";
}

/** Escapes text for ffmpeg's drawtext filter inside a filtergraph. */
export function drawtextEscape(text: string): string {
  return text.replace(/\\/g, "\\\\\\\\").replace(/'/g, "\u2019").replace(/:/g, "\\:").replace(/,/g, "\\,").replace(/%/g, "\\%");
}

/** Parses ffmpeg `-progress` output (key=value lines) into seconds processed: the last report of the chunk. */
export function progressSeconds(chunk: string): number | null {
  let last: number | null = null;
  for (const m of chunk.matchAll(/out_time_(?:us|ms)=(\d+)/g)) last = Number(m[1]) / 1_000_000;
  return last;
}
