import "server-only";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { loadConfig } from "../lib/config";
import { hlsRenditionArgs, masterPlaylist, progressSeconds, type LadderJob } from "./ffmpeg-args";

/** Debian's ffmpeg on PATH, else the one shipped by @ffmpeg-installer/ffmpeg. Resolved once. */
let cached: string | undefined;
export function ffmpegPath(): string {
  if (cached) return cached;
  const configured = loadConfig().worker.ffmpegPath;
  if (configured) return (cached = configured);
  if (spawnSync("ffmpeg", ["-version"], { stdio: "ignore" }).status === 0) return (cached = "ffmpeg");
  try {
    const req = createRequire(__filename);
    const mod = req("@ffmpeg-installer/ffmpeg") as { path: string };
    return (cached = mod.path);
  } catch {
    throw new Error("ffmpeg not found: install Debian's ffmpeg (apt-get install ffmpeg) or run npm install (optional @ffmpeg-installer/ffmpeg).");
  }
}

/** A font for drawtext, when one is installed. */
export function drawtextFont(): string | null {
  for (const f of [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
  ]) {
    if (fs.existsSync(f)) return f;
  }
  return null;
}

export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(message);
  }
}

/** Runs ffmpeg; rejects with the last lines of stderr (ffmpeg's reason) on failure. */
export function runFfmpeg(args: string[], opts: { onProgressSeconds?: (s: number) => void; signal?: AbortSignal } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(ffmpegPath(), args, { stdio: ["ignore", "pipe", "pipe"], signal: opts.signal });
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => {
      const s = progressSeconds(c.toString());
      if (s !== null) opts.onProgressSeconds?.(s);
    });
    proc.stderr.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-8000);
    });
    proc.on("error", (e) => reject(new FfmpegError(`ffmpeg could not start: ${e.message}`, stderr)));
    proc.on("close", (code) => {
      if (code === 0) return resolve();
      const tail = stderr.trim().split("\n").slice(-6).join("\n");
      reject(new FfmpegError(`ffmpeg exited with code ${code}: ${tail.split("\n").pop() ?? ""}`, tail));
    });
  });
}

/**
 * Transcodes to the HLS ladder of `job`: <outDir>/master.m3u8 plus one folder per rendition
 * (`360p/index.m3u8`, `360p/seg_000.ts`, …). Progress is reported over the whole ladder, in
 * seconds of source processed per rendition scaled to the source duration when given.
 */
export async function transcodeLadder(
  job: LadderJob,
  opts: { onProgress?: (fraction: number) => void; durationSeconds?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const n = job.renditions.length;
  for (let i = 0; i < n; i++) {
    fs.mkdirSync(path.join(job.outDir, job.renditions[i].name), { recursive: true });
    await runFfmpeg(hlsRenditionArgs(job, i), {
      signal: opts.signal,
      onProgressSeconds: (s) => {
        if (opts.onProgress && opts.durationSeconds) opts.onProgress(Math.min(1, (i + Math.min(1, s / opts.durationSeconds)) / n));
      },
    });
    opts.onProgress?.((i + 1) / n);
  }
  fs.writeFileSync(path.join(job.outDir, "master.m3u8"), masterPlaylist(job));
}
