/**
 * ffmpeg command building, pure (no I/O): the HLS ladder used by the seed's demo videos
 * and by the transcoding worker. Unit-tested in tests/unit/ffmpeg-args.test.ts.
 */

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

/** Rungs for a source of this height (at least the smallest rung, scaled down if needed). */
export function ladderFor(sourceHeight: number, max = 3): Rendition[] {
  const fit = LADDER.filter((r) => r.height <= sourceHeight);
  return (fit.length ? fit : [LADDER[LADDER.length - 1]]).slice(0, max);
}

/** Width for a target height keeping the aspect ratio, rounded to an even number (x264 needs it). */
export function evenWidth(srcWidth: number, srcHeight: number, height: number): number {
  return Math.max(2, Math.round((srcWidth / srcHeight) * height / 2) * 2);
}

export interface LadderJob {
  /** ffmpeg input arguments, e.g. ["-i", "/tmp/in.mp4"] or lavfi sources. */
  inputArgs: string[];
  /** Input stream selectors. */
  video: string; // e.g. "0:v:0"
  audio: string | null; // e.g. "0:a:0", or null for a silent source
  /** Optional filter applied to the source video before splitting (e.g. drawtext). */
  preFilter?: string;
  source: { width: number; height: number };
  renditions: Rendition[];
  outDir: string;
  segmentSeconds?: number;
  fps?: number;
}

/**
 * Arguments for one ffmpeg run writing <outDir>/master.m3u8 and <outDir>/<name>/index.m3u8 +
 * seg_NNN.ts per rendition: H.264 (main) + AAC, fixed GOP aligned to the segment length so
 * every rendition cuts at the same instants (switchable), VOD playlists.
 */
export function hlsLadderArgs(job: LadderJob): string[] {
  const seg = job.segmentSeconds ?? 6;
  const fps = job.fps ?? 25;
  const gop = Math.round(seg * fps);
  const n = job.renditions.length;
  const pre = job.preFilter ? `${job.preFilter},` : "";
  const splits = job.renditions.map((_, i) => `[s${i}]`).join("");
  const scales = job.renditions
    .map((r, i) => `[s${i}]scale=${evenWidth(job.source.width, job.source.height, r.height)}:${r.height}:flags=bicubic,setsar=1[v${i}]`)
    .join(";");
  const filter = `[${job.video}]${pre}fps=${fps},split=${n}${splits};${scales}`;
  const args = ["-hide_banner", "-nostdin", "-y", ...job.inputArgs, "-filter_complex", filter];
  job.renditions.forEach((r, i) => {
    args.push("-map", `[v${i}]`);
    if (job.audio) args.push("-map", job.audio);
    args.push(`-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.07)}k`, `-bufsize:v:${i}`, `${r.videoKbps * 2}k`);
    if (job.audio) args.push(`-b:a:${i}`, `${r.audioKbps}k`);
  });
  args.push(
    "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p",
    "-g", String(gop), "-keyint_min", String(gop), "-sc_threshold", "0",
  );
  if (job.audio) args.push("-c:a", "aac", "-ac", "2", "-ar", "48000");
  const streamMap = job.renditions.map((r, i) => (job.audio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`)).join(" ");
  args.push(
    "-f", "hls",
    "-hls_time", String(seg),
    "-hls_playlist_type", "vod",
    "-hls_segment_type", "mpegts",
    "-hls_flags", "independent_segments",
    "-hls_segment_filename", `${job.outDir}/%v/seg_%03d.ts`,
    "-master_pl_name", "master.m3u8",
    "-var_stream_map", streamMap,
    "-progress", "pipe:1",
    "-nostats",
    `${job.outDir}/%v/index.m3u8`,
  );
  return args;
}

/** Escapes text for ffmpeg's drawtext filter inside a filtergraph. */
export function drawtextEscape(text: string): string {
  return text.replace(/\\/g, "\\\\\\\\").replace(/'/g, "\u2019").replace(/:/g, "\\:").replace(/,/g, "\\,").replace(/%/g, "\\%");
}

/** Parses ffmpeg `-progress` output (key=value lines) into seconds processed. */
export function progressSeconds(chunk: string): number | null {
  const m = /out_time_(?:us|ms)=(\d+)/.exec(chunk);
  return m ? Number(m[1]) / 1_000_000 : null;
}
