import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ffmpegPath, FfmpegError, FfmpegTimeoutError, runLimited, transcodeLadder } from "@/worker/ffmpeg";
import { hlsLadderArgs, inputArgs, ladderFor, type LadderJob } from "@/worker/ffmpeg-args";
import { planThumbnails, spriteFilter } from "@/worker/plan";
import { probeMedia } from "@/worker/probe";
import { ladderProblems, masterVariants, parseMediaPlaylist, type MediaPlaylist } from "../support/hls-playlists";
import { makeTestClip } from "../support/test-clip";

/**
 * The single-pass ladder (ADR 052) run for real: one ffmpeg decodes the source once and writes
 * every rendition, with both ffmpeg builds the worker may use (Debian's on PATH and the npm
 * fallback, @ffmpeg-installer/ffmpeg 4.1, when installed), and the process side
 * (transcodeLadder): progress, master playlist, failures leave nothing behind.
 */

const SECONDS = 8;
let dir: string;
let source: string;

/** The ffmpeg builds to check the command against: Debian's, and the npm fallback when it is installed. */
function builds(): { name: string; bin: string }[] {
  const out = [{ name: "ffmpeg on PATH", bin: ffmpegPath() }];
  try {
    const npm = (createRequire(__filename)("@ffmpeg-installer/ffmpeg") as { path: string }).path;
    if (fs.existsSync(npm)) out.push({ name: "@ffmpeg-installer/ffmpeg", bin: npm });
  } catch {
    // Not installed (an optional dependency): Debian's is the one the worker uses.
  }
  return out;
}

function ladderJob(outDir: string, over: Partial<LadderJob> = {}): LadderJob {
  return {
    inputArgs: inputArgs({ file: source, demuxer: "mov" }),
    video: "0:v:0",
    audio: "0:a:0",
    source: { width: 1280, height: 720 },
    renditions: ladderFor(720),
    outDir,
    segmentSeconds: 2,
    fps: 25,
    sprite: { filter: spriteFilter(planThumbnails(SECONDS, { width: 1280, height: 720 })), file: path.join(outDir, "thumbnails.jpg") },
    ...over,
  };
}

function playlists(outDir: string, job: LadderJob): Record<string, MediaPlaylist> {
  return Object.fromEntries(job.renditions.map((r) => [r.name, parseMediaPlaylist(fs.readFileSync(path.join(outDir, r.name, "index.m3u8"), "utf8"))]));
}

/** Live processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): string[] {
  return fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(text) && !/\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, "utf8"));
      } catch {
        return false;
      }
    });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "transcode-ladder-"));
  source = path.join(dir, "source.mp4");
  await makeTestClip(source, "1280x720", SECONDS);
}, 60_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("one ffmpeg run for the whole ladder", () => {
  for (const build of builds()) {
    it(`${build.name}: every rendition and the sprite from one decode, segments cut at the same instants`, async () => {
      const outDir = fs.mkdtempSync(path.join(dir, "out-"));
      const job = ladderJob(outDir);
      for (const r of job.renditions) fs.mkdirSync(path.join(outDir, r.name));
      let progress = "";
      const run = await runLimited(build.bin, hlsLadderArgs(job), { onStdout: (c) => (progress += c) });
      expect(run.code, run.stderr.slice(-2000)).toBe(0);
      // One progress stream for all the outputs, ending with the whole source processed.
      expect(progress).toMatch(/progress=end\s*$/);
      const last = [...progress.matchAll(/out_time_us=(\d+)/g)].pop();
      expect(Number(last?.[1]) / 1e6).toBeGreaterThan(SECONDS - 0.5);

      const lists = playlists(outDir, job);
      expect(ladderProblems(lists, SECONDS)).toEqual([]);
      expect(lists["720p"].segments).toHaveLength(SECONDS / 2);
      for (const r of job.renditions) {
        for (const s of lists[r.name].segments) expect(fs.statSync(path.join(outDir, r.name, s.uri)).size).toBeGreaterThan(0);
        // Every rendition has its size, H.264 and the audio.
        const seg = await probeMedia({ file: path.join(outDir, r.name, lists[r.name].segments[0].uri), demuxer: "mpegts" });
        expect(seg).toMatchObject({ width: r.width, height: r.height, videoCodec: "h264", hasAudio: true, audioCodec: "aac" });
      }
      const sprite = fs.readFileSync(job.sprite!.file);
      expect(sprite.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    }, 120_000);
  }
});

describe("transcodeLadder (the worker's process side)", () => {
  it("reports progress as a fraction of the source, writes the master playlist last", async () => {
    const outDir = fs.mkdtempSync(path.join(dir, "out-"));
    const job = ladderJob(outDir, { audio: null, segmentSeconds: 6 });
    const fractions: number[] = [];
    await transcodeLadder(job, { durationSeconds: SECONDS, onProgress: (f) => fractions.push(f) });
    expect(fractions.length).toBeGreaterThan(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions[fractions.length - 1]).toBe(1);
    const master = fs.readFileSync(path.join(outDir, "master.m3u8"), "utf8");
    expect(masterVariants(master)).toEqual([
      { uri: "720p/index.m3u8", resolution: "1280x720" },
      { uri: "360p/index.m3u8", resolution: "640x360" },
      { uri: "180p/index.m3u8", resolution: "320x180" },
    ]);
    expect(master).toContain('CODECS="avc1.4d4028"'); // silent: no audio codec
    expect(ladderProblems(playlists(outDir, job), SECONDS)).toEqual([]);
  }, 120_000);

  it("a source ffmpeg cannot read: rejects with ffmpeg's reason, and nothing of the ladder is left", async () => {
    const outDir = fs.mkdtempSync(path.join(dir, "out-"));
    const bad = path.join(dir, "bad.mp4");
    fs.writeFileSync(bad, Buffer.concat([Buffer.from("\0\0\0\x18ftypisom"), Buffer.alloc(4096, 7)]));
    const job = ladderJob(outDir, { inputArgs: inputArgs({ file: bad, demuxer: "mov" }) });
    const err = await transcodeLadder(job, { durationSeconds: SECONDS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegError);
    expect((err as FfmpegError).message).toMatch(/^ffmpeg exited with code \d+: /);
    expect((err as FfmpegError).stderrTail).toMatch(/bad\.mp4/);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  it("past the time limit: ffmpeg is killed, the run fails with the limit, and nothing of the ladder is left", async () => {
    const outDir = fs.mkdtempSync(path.join(dir, "out-"));
    const job = ladderJob(outDir);
    const started = Date.now();
    const err = await transcodeLadder(job, { durationSeconds: SECONDS, deadline: { startedAt: Date.now(), limitSeconds: 0.3 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegTimeoutError);
    expect((err as FfmpegTimeoutError).limitSeconds).toBe(0.3);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(processesMentioning(outDir)).toEqual([]);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });
});
