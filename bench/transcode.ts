/**
 * Transcode benchmark (ADR 052): the worker's real transcode path against a bare single-pass
 * ffmpeg command, measured in the same run on the same machine.
 *
 *  - baseline: one ffmpeg command written out here, independently of worker/ffmpeg-args.ts:
 *    the same ladder (1080p/720p/360p), the same encoder settings, into a temp directory;
 *  - ours: the worker's steps (worker/transcode-steps.ts) on the same source: download from
 *    storage, sniff, probe, the single-pass ladder with the thumbnail sprite, poster and
 *    thumbnails.vtt, upload of every output to storage (embedded s3rver in a temp directory).
 * Interleaved runs; the figures are the best run of each (all runs are in `extra`).
 *
 * Full mode: a 60 s 1080p clip (lavfi testsrc2 + sine), target ours/baseline wall time ≤ 1.10.
 * Quick mode (`--quick`): a ~2 s clip. Alone: `npm run bench -- --only transcode [--quick]`.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { compare, type Bench, type BenchContext, type BenchResult } from "./lib/result";

const TARGET = { op: "<=" as const, value: 1.1 };

/** Runs a command to completion; rejects with the tail of stderr on a non-zero exit. */
function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited with ${code}: ${err.trim().split("\n").pop()}`))));
  });
}

/** A test clip: testsrc2 + a sine tone, H.264 + AAC in MP4 (what an instructor might upload). */
async function makeClip(file: string, seconds: number): Promise<void> {
  await run("ffmpeg", [
    "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
    "-f", "lavfi", "-i", `testsrc2=s=1920x1080:r=25:d=${seconds}`,
    "-f", "lavfi", "-i", `sine=f=440:sample_rate=48000:d=${seconds}`,
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
    file,
  ]);
}

/**
 * The baseline: a bare single-pass ladder, as one would write it by hand. Same rungs, x264
 * veryfast/main with 2 threads per encoder, bitrates, 6 s GOPs and segments, AAC, VOD HLS.
 */
async function baselineLadder(source: string, outDir: string): Promise<void> {
  const rungs = [
    { name: "1080p", w: 1920, h: 1080, v: 5000, a: 128 },
    { name: "720p", w: 1280, h: 720, v: 2800, a: 128 },
    { name: "360p", w: 640, h: 360, v: 800, a: 96 },
  ];
  const graph = "[0:v:0]fps=25,split=3[a][b][c];[a]scale=1920:1080[v0];[b]scale=1280:720[v1];[c]scale=640:360[v2]";
  const outputs = rungs.flatMap((r, i) => {
    fs.mkdirSync(path.join(outDir, r.name), { recursive: true });
    return [
      "-map", `[v${i}]`, "-map", "0:a:0",
      "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-pix_fmt", "yuv420p", "-threads", "2",
      "-b:v", `${r.v}k`, "-maxrate", `${Math.round(r.v * 1.07)}k`, "-bufsize", `${r.v * 2}k`,
      "-g", "150", "-keyint_min", "150", "-sc_threshold", "0",
      "-c:a", "aac", "-b:a", `${r.a}k`, "-ac", "2", "-ar", "48000",
      "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod",
      "-hls_segment_filename", path.join(outDir, r.name, "seg_%03d.ts"),
      path.join(outDir, r.name, "index.m3u8"),
    ];
  });
  await run("ffmpeg", ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-i", source, "-filter_complex", graph, ...outputs]);
}

/** Embedded storage in `dir` and the worker's steps wired to it: returns a function running one transcode. */
async function workerPath(dir: string, source: string) {
  // Imported here, not at the top: they are server-only modules (see `main` below).
  const { startEmbeddedStorage } = await import("../lib/storage/embedded");
  const { createStorage } = await import("../lib/storage/s3");
  const { videoOriginalKey } = await import("../lib/storage/keys");
  const steps = await import("../worker/transcode-steps");
  const embedded = await startEmbeddedStorage({ directory: path.join(dir, "storage"), port: 0, bucket: "media" });
  const storage = createStorage({ bucket: "media", region: "us-east-1", endpoint: embedded.endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  await storage.ensureBucket();
  const video = { id: "bench-asset", courseId: "bench-course", lessonId: "bench-lesson", createdAt: new Date() };
  const sourceKey = videoOriginalKey(video.courseId, video.id);
  await storage.putObject(sourceKey, fs.createReadStream(source), { contentType: "video/mp4", contentLength: fs.statSync(source).size });
  const never = new AbortController().signal;
  // Only what these steps use: no database, no lease (always owned, never stopped).
  const ctx = {
    db: undefined as never,
    storage,
    work: never,
    owned: never,
    checkpoint: () => undefined,
    assertOwned: async () => undefined,
    setProgress: () => undefined,
    complete: async () => undefined,
    lostError: () => new Error("lost"),
  } satisfies import("../worker/transcode-steps").StepContext;
  let n = 0;
  return {
    async transcode(): Promise<{ bytes: number; stages: Record<string, number> }> {
      const scratch = fs.mkdtempSync(path.join(dir, `ours-${n++}-`));
      const stages: Record<string, number> = {};
      let t = performance.now();
      const lap = (name: string) => {
        const now = performance.now();
        stages[name] = Math.round(now - t);
        t = now;
      };
      try {
        const input = await steps.downloadSource(ctx, video, sourceKey, scratch);
        lap("downloadMs");
        const plan = await steps.probeSource(ctx, input);
        lap("probeMs");
        await steps.clearStaleOutputs(ctx, video);
        const out = await steps.encodeLadder(ctx, plan, scratch);
        lap("ladderMs");
        await steps.renderImages(ctx, plan, out);
        lap("imagesMs");
        const bytes = await steps.uploadOutputs(ctx, video, out);
        lap("uploadMs");
        return { bytes, stages };
      } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
      }
    },
    async stop() {
      storage.destroy();
      await embedded.stop({ graceMs: 0 });
    },
  };
}

const best = (xs: number[]) => Math.min(...xs);
const runs = (xs: number[]) => xs.map((x) => x.toFixed(1)).join("/");

export const transcodeBench: Bench = async (ctx: BenchContext): Promise<BenchResult[]> => {
  const seconds = ctx.quick ? 2 : 60;
  // Interleaved repetitions, the best run of each: the machine may be shared, and contention
  // only ever makes a run slower.
  const reps = ctx.quick ? 3 : 2;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-transcode-"));
  try {
    const source = path.join(dir, "source.mp4");
    await makeClip(source, seconds);
    const ours = await workerPath(dir, source);
    const base: number[] = [];
    const mine: number[] = [];
    let last: { bytes: number; stages: Record<string, number> } | undefined;
    try {
      for (let i = 0; i < reps; i++) {
        const out = fs.mkdtempSync(path.join(dir, `baseline-${i}-`));
        let t = performance.now();
        await baselineLadder(source, out);
        base.push((performance.now() - t) / 1000);
        fs.rmSync(out, { recursive: true, force: true });
        t = performance.now();
        last = await ours.transcode();
        mine.push((performance.now() - t) / 1000);
      }
    } finally {
      await ours.stop();
    }
    return [
      compare(`transcode ${seconds} s 1080p → HLS 1080/720/360 + upload vs bare ffmpeg`, "s", best(mine), best(base), TARGET, {
        extra: { reps, oursRuns: runs(mine), baselineRuns: runs(base), cores: os.availableParallelism(), outputBytes: last?.bytes ?? 0, ...last?.stages, loadavg1: Math.round(os.loadavg()[0] * 10) / 10 },
      }),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
};
