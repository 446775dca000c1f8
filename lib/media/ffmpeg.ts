import "server-only";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import { progressSeconds } from "./ffmpeg-args";

/** Debian's ffmpeg on PATH, else the one shipped by @ffmpeg-installer/ffmpeg. Resolved once. */
let cached: string | undefined;
export function ffmpegPath(): string {
  if (cached) return cached;
  if (process.env.FFMPEG_PATH) return (cached = process.env.FFMPEG_PATH);
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
