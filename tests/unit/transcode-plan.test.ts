import { describe, expect, it } from "vitest";

import {
  bytesProgress,
  cacheControlFor,
  ffmpegTimeLimitSeconds,
  planThumbnails,
  posterArgs,
  posterTime,
  PROGRESS,
  spriteFilter,
  thumbnailsVtt,
  transcodeProgress,
  uploadOrder,
} from "@/worker/plan";

describe("thumbnails", () => {
  it("one every ~5 s, at most 100, fitting 160x90, 10 per row", () => {
    expect(planThumbnails(5, { width: 640, height: 360 })).toEqual({ count: 1, interval: 5, cols: 1, rows: 1, width: 160, height: 90 });
    const p = planThumbnails(62, { width: 1920, height: 1080 });
    expect(p).toMatchObject({ count: 13, cols: 10, rows: 2, width: 160, height: 90 });
    expect(p.interval).toBeCloseTo(62 / 13);
    const long = planThumbnails(7200, { width: 1280, height: 720 });
    expect(long).toMatchObject({ count: 100, interval: 72, cols: 10, rows: 10 });
    // Portrait fits the box by height; sizes stay even.
    expect(planThumbnails(10, { width: 1080, height: 1920 })).toMatchObject({ width: 50, height: 90 });
    expect(planThumbnails(0.5, { width: 320, height: 240 })).toMatchObject({ count: 1, width: 120, height: 90 });
  });

  it("the VTT has one cue per thumbnail, covering the whole video, with xywh fragments into the sprite", () => {
    const plan = planThumbnails(23, { width: 640, height: 360 }, { every: 5, cols: 2 });
    expect(plan).toMatchObject({ count: 5, cols: 2, rows: 3 });
    const vtt = thumbnailsVtt(plan, 23);
    expect(vtt.startsWith("WEBVTT\n\n")).toBe(true);
    const cues = vtt.trim().split("\n\n").slice(1);
    expect(cues).toHaveLength(5);
    expect(cues[0]).toBe("00:00:00.000 --> 00:00:04.600\nthumbnails.jpg#xywh=0,0,160,90");
    expect(cues[1]).toBe("00:00:04.600 --> 00:00:09.200\nthumbnails.jpg#xywh=160,0,160,90");
    expect(cues[2]).toBe("00:00:09.200 --> 00:00:13.800\nthumbnails.jpg#xywh=0,90,160,90");
    expect(cues[4]).toBe("00:00:18.400 --> 00:00:23.000\nthumbnails.jpg#xywh=0,180,160,90");
  });

  it("formats hours in cue times", () => {
    const plan = planThumbnails(3725.5, { width: 640, height: 360 });
    const last = thumbnailsVtt(plan, 3725.5).trim().split("\n\n").pop()!;
    expect(last).toMatch(/ --> 01:02:05\.500\n/);
  });

  it("sprite filter: one frame per interval, scaled, tiled into a single picture (a branch of the ladder's pass)", () => {
    const plan = planThumbnails(62, { width: 1920, height: 1080 });
    expect(spriteFilter(plan)).toBe(`fps=1/${(62 / 13).toFixed(6)},scale=160:90:flags=bicubic,setsar=1,tile=10x2`);
  });
});

describe("poster", () => {
  it("is taken at 10% of the duration, seeking before the input", () => {
    expect(posterTime(60)).toBe(6);
    expect(posterTime(4.2)).toBe(0.42);
    const args = posterArgs({ input: { file: "/w/source", demuxer: "mov" }, videoStream: "0:v:0", at: 6, size: { width: 1280, height: 720 }, out: "/w/out/poster.jpg" });
    expect(args.indexOf("-ss")).toBeLessThan(args.indexOf("-i"));
    expect(args[args.indexOf("-ss") + 1]).toBe("6");
    expect(args[args.indexOf("-vf") + 1]).toBe("scale=1280:720:flags=bicubic,setsar=1");
    expect(posterArgs({ input: { file: "a", demuxer: "matroska" }, videoStream: "0:v:0", at: 0, size: { width: 2, height: 2 }, out: "b" })).not.toContain("-ss");
  });
});

describe("ffmpeg time limit", () => {
  it("is max(600 s, 6 × duration) per job, 600 s while the duration is unknown, or the configured value", () => {
    expect(ffmpegTimeLimitSeconds(null)).toBe(600);
    expect(ffmpegTimeLimitSeconds(5)).toBe(600);
    expect(ffmpegTimeLimitSeconds(100)).toBe(600);
    expect(ffmpegTimeLimitSeconds(100.1)).toBe(601);
    expect(ffmpegTimeLimitSeconds(3600)).toBe(21_600);
    expect(ffmpegTimeLimitSeconds(Number.NaN)).toBe(600);
    expect(ffmpegTimeLimitSeconds(-3)).toBe(600);
    expect(ffmpegTimeLimitSeconds(3600, 900)).toBe(900);
    expect(ffmpegTimeLimitSeconds(null, 2)).toBe(2);
  });
});

describe("progress", () => {
  it("download 0-5, ladder 5-85, images 90, upload to 99, done 100; clamped", () => {
    expect(bytesProgress(0, 100, PROGRESS.claimed, PROGRESS.downloaded)).toBe(0);
    expect(bytesProgress(100, 100, PROGRESS.claimed, PROGRESS.downloaded)).toBe(5);
    expect(bytesProgress(0, 0, 90, 99)).toBe(99);
    expect(transcodeProgress(0)).toBe(5);
    expect(transcodeProgress(0.5)).toBe(45);
    expect(transcodeProgress(1)).toBe(85);
    expect(transcodeProgress(7)).toBe(85);
    expect(transcodeProgress(Number.NaN)).toBe(5);
    expect(PROGRESS.done).toBe(100);
  });
});

describe("upload", () => {
  it("segments and images first, rendition playlists next, master last", () => {
    const order = uploadOrder(["master.m3u8", "360p/index.m3u8", "360p/seg_000.ts", "poster.jpg", "180p/index.m3u8", "thumbnails.vtt", "180p/seg_000.ts"]);
    expect(order[order.length - 1]).toBe("master.m3u8");
    expect(order.slice(-3, -1).sort()).toEqual(["180p/index.m3u8", "360p/index.m3u8"]);
    expect(order.indexOf("360p/seg_000.ts")).toBeLessThan(order.indexOf("360p/index.m3u8"));
  });

  it("playlists and the VTT are briefly cacheable, segments and images immutable", () => {
    expect(cacheControlFor("master.m3u8")).toBe("max-age=60");
    expect(cacheControlFor("thumbnails.vtt")).toBe("max-age=60");
    expect(cacheControlFor("360p/seg_001.ts")).toBe("max-age=31536000, immutable");
    expect(cacheControlFor("poster.jpg")).toBe("max-age=31536000, immutable");
  });
});
