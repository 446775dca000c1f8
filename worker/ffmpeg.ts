import "server-only";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { loadConfig } from "../lib/config";
import { hlsLadderArgs, masterPlaylist, progressSeconds, type LadderJob } from "./ffmpeg-args";

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

/** ffmpeg ran past its job's time limit and was killed (its whole process group). */
export class FfmpegTimeoutError extends FfmpegError {
  constructor(
    readonly limitSeconds: number,
    stderrTail: string,
  ) {
    super(`ffmpeg was stopped after running past the job's time limit of ${limitSeconds} s`, stderrTail);
    this.name = "FfmpegTimeoutError";
  }
}

/** The wall-clock limit shared by the ffmpeg runs of one job: from `startedAt` (ms), `limitSeconds` long (worker/plan.ts ffmpegTimeLimitSeconds). */
export interface FfmpegDeadline {
  startedAt: number;
  limitSeconds: number;
}

export interface RunOptions {
  /** Aborting kills the process group (lease lost, shutdown). */
  signal?: AbortSignal;
  /** Past it the process group is killed and the run fails with FfmpegTimeoutError. */
  deadline?: FfmpegDeadline;
  /** Each chunk of stdout (ffmpeg's `-progress pipe:1`); stdout is ignored without it. */
  onStdout?: (chunk: string) => void;
}

export interface RunResult {
  code: number | null;
  /** The last 64 kB of stderr. */
  stderr: string;
}

/**
 * Runs `command` (ffmpeg, or a wrapper of it) in a process group of its own, so that a kill
 * reaches whatever it started: SIGKILL to the group when `signal` aborts or the deadline
 * passes (FfmpegTimeoutError). Resolves with the exit code and the tail of stderr.
 */
export function runLimited(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const { deadline, signal } = opts;
    const remaining = deadline ? deadline.startedAt + deadline.limitSeconds * 1000 - Date.now() : Infinity;
    if (remaining <= 0) return reject(new FfmpegTimeoutError(deadline!.limitSeconds, ""));
    if (signal?.aborted) return reject(new FfmpegError("ffmpeg was not started: the job was stopped", ""));
    const proc = spawn(command, args, { stdio: ["ignore", opts.onStdout ? "pipe" : "ignore", "pipe"], detached: true });
    let stderr = "";
    // Until "close" (stdio closed: nothing of the group holds them any more) the group may be alive.
    let closed = false;
    let timedOut = false;
    const killGroup = () => {
      if (closed || proc.pid === undefined) return;
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = Number.isFinite(remaining)
      ? setTimeout(() => {
          timedOut = true;
          killGroup();
        }, remaining)
      : undefined;
    signal?.addEventListener("abort", killGroup, { once: true });
    proc.stdout?.on("data", (c: Buffer) => opts.onStdout?.(c.toString()));
    proc.stderr!.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-64_000);
    });
    const settle = () => {
      closed = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", killGroup);
    };
    proc.on("error", (e) => {
      settle();
      reject(new FfmpegError(`ffmpeg could not start: ${e.message}`, stderr));
    });
    proc.on("close", (code) => {
      settle();
      if (timedOut) return reject(new FfmpegTimeoutError(deadline!.limitSeconds, tailOf(stderr)));
      resolve({ code, stderr });
    });
  });
}

function tailOf(stderr: string): string {
  return stderr.trim().split("\n").slice(-6).join("\n");
}

/** Runs ffmpeg; rejects with the last lines of stderr (ffmpeg's reason) on failure. */
export async function runFfmpeg(args: string[], opts: Omit<RunOptions, "onStdout"> & { onProgressSeconds?: (s: number) => void } = {}): Promise<void> {
  // `-progress` lines may arrive split across chunks: parse whole lines only.
  let partial = "";
  const { code, stderr } = await runLimited(ffmpegPath(), args, {
    ...opts,
    onStdout: (chunk) => {
      const text = partial + chunk;
      const end = text.lastIndexOf("\n") + 1;
      partial = text.slice(end);
      const s = progressSeconds(text.slice(0, end));
      if (s !== null) opts.onProgressSeconds?.(s);
    },
  });
  if (code === 0) return;
  const tail = tailOf(stderr);
  throw new FfmpegError(`ffmpeg exited with code ${code}: ${tail.split("\n").pop() ?? ""}`, tail);
}

/**
 * Transcodes to the HLS ladder of `job` in one ffmpeg run (worker/ffmpeg-args.ts
 * hlsLadderArgs: the source decoded once, one HLS output per rendition, plus the sprite when
 * asked): <outDir>/master.m3u8 and one folder per rendition (`360p/index.m3u8`,
 * `360p/seg_000.ts`, …). Progress is the fraction of the source duration processed, when
 * given. On failure nothing of the ladder is left in `outDir` (rendition folders, sprite).
 */
export async function transcodeLadder(
  job: LadderJob,
  opts: { onProgress?: (fraction: number) => void; durationSeconds?: number; signal?: AbortSignal; deadline?: FfmpegDeadline } = {},
): Promise<void> {
  const folders = job.renditions.map((r) => path.join(job.outDir, r.name));
  for (const f of folders) fs.mkdirSync(f, { recursive: true });
  const duration = opts.durationSeconds;
  try {
    await runFfmpeg(hlsLadderArgs(job), {
      signal: opts.signal,
      deadline: opts.deadline,
      onProgressSeconds: (s) => {
        if (opts.onProgress && duration) opts.onProgress(Math.min(1, s / duration));
      },
    });
  } catch (err) {
    for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
    if (job.sprite) fs.rmSync(job.sprite.file, { force: true });
    throw err;
  }
  opts.onProgress?.(1);
  fs.writeFileSync(path.join(job.outDir, "master.m3u8"), masterPlaylist(job));
}
