import { describe, expect, it } from "vitest";

import { activeCueIndex, evenlySpaced, MAX_THUMBNAIL_CUES, parseThumbnailsVtt, parseVttTimestamp, spriteSize } from "@/lib/media/thumbnails-vtt";
import { THUMBNAILS_SPRITE } from "@/lib/storage/keys";
import { planThumbnails, thumbnailsVtt } from "@/worker/plan";

describe("thumbnails VTT: what the worker writes", () => {
  // The worker's writer and the player's reader must not drift apart.
  const cases = [
    { duration: 6, source: { width: 640, height: 360 } },
    { duration: 23, source: { width: 640, height: 360 }, options: { every: 5, cols: 2 } },
    { duration: 62, source: { width: 1920, height: 1080 } },
    { duration: 3725.5, source: { width: 1280, height: 720 } },
    { duration: 7200, source: { width: 1080, height: 1920 } },
    { duration: 0.5, source: { width: 320, height: 240 } },
    { duration: 6, source: { width: 640, height: 360 }, options: { every: 1 } },
  ];
  for (const { duration, source, options } of cases) {
    it(`round-trips ${duration} s of ${source.width}x${source.height}${options ? ` with ${JSON.stringify(options)}` : ""}`, () => {
      const plan = planThumbnails(duration, source, options);
      const cues = parseThumbnailsVtt(thumbnailsVtt(plan, duration, THUMBNAILS_SPRITE));
      expect(cues).toHaveLength(plan.count);
      cues.forEach((c, i) => {
        expect(c.image).toBe(THUMBNAILS_SPRITE);
        expect(c.start).toBeCloseTo(i * plan.interval, 3);
        expect(c).toMatchObject({ x: (i % plan.cols) * plan.width, y: Math.floor(i / plan.cols) * plan.height, w: plan.width, h: plan.height });
        if (i > 0) expect(c.start).toBe(cues[i - 1].end); // contiguous
      });
      expect(cues[0].start).toBe(0);
      expect(cues[cues.length - 1].end).toBeCloseTo(duration, 3);
      expect(spriteSize(cues)).toEqual({ width: plan.cols * plan.width, height: plan.rows * plan.height });
    });
  }
});

describe("thumbnails VTT: tolerance", () => {
  it("reads timestamps with or without hours, and refuses anything else", () => {
    expect(parseVttTimestamp("00:00:04.600")).toBeCloseTo(4.6);
    expect(parseVttTimestamp("01:02:05.500")).toBeCloseTo(3725.5);
    expect(parseVttTimestamp("02:05.250")).toBeCloseTo(125.25);
    expect(parseVttTimestamp("100:00:00.000")).toBe(360_000);
    for (const bad of ["", "4.6", "00:60:00.000", "00:00:60.000", "0:0:1.000", "00:00:01", "00:00:01.5", "00:00:01.5000", "-00:00:01.000", "aa:bb:cc.ddd"]) {
      expect(parseVttTimestamp(bad), bad).toBeNull();
    }
  });

  it("takes BOM, CRLF, identifiers, cue settings, NOTE and STYLE blocks, extra blank lines and pixel: units", () => {
    const text = [
      "\uFEFFWEBVTT - thumbnails",
      "X-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:0",
      "",
      "STYLE",
      "::cue { color: red }",
      "",
      "NOTE written by hand",
      "",
      "",
      "1",
      "00:05.000 --> 00:10.000 align:start",
      "sprite.jpg#xywh=pixel:160,0,160,90",
      "",
      "00:00.000 --> 00:05.000",
      "  sprite.jpg#xywh=0,0,160,90  ",
      "",
    ].join("\r\n");
    expect(parseThumbnailsVtt(text)).toEqual([
      { start: 0, end: 5, image: "sprite.jpg", x: 0, y: 0, w: 160, h: 90 },
      { start: 5, end: 10, image: "sprite.jpg", x: 160, y: 0, w: 160, h: 90 },
    ]);
    expect(parseThumbnailsVtt("WEBVTT\r00:00.000 --> 00:01.000\rs.jpg#xywh=0,0,2,2\r")).toEqual([]); // a cue in the header block is not one
    expect(parseThumbnailsVtt("WEBVTT\r\r00:00.000 --> 00:01.000\rs.jpg#xywh=0,0,2,2")).toHaveLength(1);
  });

  it("skips malformed cues and keeps the good ones", () => {
    const good = "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=0,0,16,9";
    const bad = [
      "00:00:02.000 --> 00:00:01.000\nt.jpg#xywh=0,0,16,9", // ends before it starts
      "00:00:01.000 --> 00:00:01.000\nt.jpg#xywh=0,0,16,9", // empty
      "00:00:01.000 -> 00:00:02.000\nt.jpg#xywh=0,0,16,9", // not a timing line
      "00:00:01.000-->00:00:02.000\nt.jpg#xywh=0,0,16,9", // arrow without spaces
      "00:00:01.000 --> soon\nt.jpg#xywh=0,0,16,9",
      "00:00:01.000 --> 00:00:02.000", // no payload
      "00:00:01.000 --> 00:00:02.000\nt.jpg", // no fragment
      "00:00:01.000 --> 00:00:02.000\n#xywh=0,0,16,9", // no image
      "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=percent:0,0,50,50",
      "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=0,0,0,9", // zero width
      "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=-1,0,16,9",
      "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=0,0,16",
      "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=0,0,16,9.5",
      "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=0,0,16,9999999",
      "just some text",
    ];
    const cues = parseThumbnailsVtt(["WEBVTT", "", ...bad.flatMap((b) => [b, ""]), good, ""].join("\n"));
    expect(cues).toEqual([{ start: 1, end: 2, image: "t.jpg", x: 0, y: 0, w: 16, h: 9 }]);
  });

  it("has no cues unless the text is WebVTT", () => {
    const body = "00:00:01.000 --> 00:00:02.000\nt.jpg#xywh=0,0,16,9\n";
    expect(parseThumbnailsVtt(body)).toEqual([]);
    expect(parseThumbnailsVtt(`WEBVTTX\n\n${body}`)).toEqual([]);
    expect(parseThumbnailsVtt('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>')).toEqual([]);
    expect(parseThumbnailsVtt("")).toEqual([]);
    expect(parseThumbnailsVtt("WEBVTT\n")).toEqual([]);
  });

  it("reads at most MAX_THUMBNAIL_CUES cues", () => {
    const cue = (i: number) => `${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}.000 --> ${String(Math.floor((i + 1) / 60) % 60).padStart(2, "0")}:${String((i + 1) % 60).padStart(2, "0")}.000\nt.jpg#xywh=0,0,1,1`;
    const text = ["WEBVTT", ...Array.from({ length: MAX_THUMBNAIL_CUES + 50 }, (_, i) => `\n${cue(i % 3599)}`)].join("\n");
    expect(parseThumbnailsVtt(text)).toHaveLength(MAX_THUMBNAIL_CUES);
  });
});

describe("thumbnail strip helpers", () => {
  it("evenlySpaced keeps everything up to the maximum, else the first, the last and evenly between", () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    expect(evenlySpaced(items.slice(0, 24), 24)).toEqual(items.slice(0, 24));
    const picked = evenlySpaced(items, 24);
    expect(picked).toHaveLength(24);
    expect(picked[0]).toBe(0);
    expect(picked[23]).toBe(99);
    for (let i = 1; i < picked.length; i++) {
      expect(picked[i] - picked[i - 1]).toBeGreaterThanOrEqual(4);
      expect(picked[i] - picked[i - 1]).toBeLessThanOrEqual(5);
    }
    expect(evenlySpaced(items, 1)).toEqual([0]);
    expect(evenlySpaced(items, 0)).toEqual([]);
    expect(evenlySpaced([], 24)).toEqual([]);
  });

  it("activeCueIndex is the last cue starting at or before the time", () => {
    const cues = [{ start: 0 }, { start: 5 }, { start: 10 }, { start: 15 }];
    expect(activeCueIndex(cues, -1)).toBe(-1);
    expect(activeCueIndex(cues, 0)).toBe(0);
    expect(activeCueIndex(cues, 4.99)).toBe(0);
    expect(activeCueIndex(cues, 5)).toBe(1);
    expect(activeCueIndex(cues, 14)).toBe(2);
    expect(activeCueIndex(cues, 1000)).toBe(3);
    expect(activeCueIndex([], 3)).toBe(-1);
    // With a subset shown, the highlight stays on the shown cue before the time.
    expect(activeCueIndex([{ start: 0 }, { start: 30 }], 29)).toBe(0);
  });

  it("spriteSize is empty without cues", () => {
    expect(spriteSize([])).toEqual({ width: 0, height: 0 });
  });
});
