import { describe, expect, it } from "vitest";

import { VIDEO_CONTAINERS } from "@/lib/uploads/sniff";
import {
  DEMUXERS,
  durationPassArgs,
  ENCODER_THREADS,
  evenWidth,
  hlsLadderArgs,
  inputArgs,
  LADDER,
  ladderFor,
  masterPlaylist,
  probeArgs,
  spriteArgs,
  progressSeconds,
  type LadderJob,
  type MediaInput,
} from "@/worker/ffmpeg-args";
import { outputFps, planRenditions, planThumbnails, posterArgs, SEGMENT_SECONDS, spriteFilter } from "@/worker/plan";

/** Value following `flag` in an argument list. */
function arg(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function all(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
}

const source: MediaInput = { file: "/tmp/in/source", demuxer: "mov" };

const job = (over: Partial<LadderJob> = {}): LadderJob => ({
  inputArgs: inputArgs(source),
  video: "0:v:0",
  audio: "0:a:0",
  source: { width: 1920, height: 1080 },
  renditions: ladderFor(1080),
  outDir: "/tmp/out",
  segmentSeconds: 6,
  fps: 25,
  ...over,
});

/** Every `-i` of an argument list is preceded by the whitelist and a forced demuxer (its own input options). */
function expectHardenedInputs(args: string[], demuxer: string): void {
  const inputs = args.flatMap((a, i) => (a === "-i" ? [i] : []));
  expect(inputs.length).toBeGreaterThan(0);
  let from = 0;
  for (const i of inputs) {
    const options = args.slice(from, i);
    expect(options.slice(-4)).toEqual(["-protocol_whitelist", "file,pipe", "-f", demuxer]);
    from = i + 2;
  }
}

describe("opening an uploaded source (ADR 046)", () => {
  it("forces a demuxer both ffmpeg 5.1 (Debian) and 4.1 (npm) know, for every container the upload check accepts", () => {
    expect(Object.keys(DEMUXERS).sort()).toEqual([...VIDEO_CONTAINERS].sort());
    expect(DEMUXERS).toEqual({ mp4: "mov", quicktime: "mov", ebml: "matroska" });
  });

  it("puts the protocol whitelist and the demuxer before the input, as input options", () => {
    expect(inputArgs({ file: "/w/source", demuxer: "matroska" })).toEqual(["-protocol_whitelist", "file,pipe", "-f", "matroska", "-i", "/w/source"]);
  });

  it("every command the worker runs on a source opens it that way: probe, duration pass, ladder (with the sprite), poster", () => {
    const webm: MediaInput = { file: "/w/source", demuxer: "matroska" };
    expectHardenedInputs(probeArgs(webm), "matroska");
    expect(probeArgs(webm)).toEqual(["-hide_banner", "-nostdin", ...inputArgs(webm)]);
    expectHardenedInputs(durationPassArgs(webm, "0:v:0"), "matroska");
    expect(durationPassArgs(webm, "0:v:1").slice(-7)).toEqual(["-map", "0:v:1", "-c", "copy", "-f", "null", "-"]);
    expectHardenedInputs(hlsLadderArgs(job()), "mov");
    expectHardenedInputs(hlsLadderArgs(job({ sprite: { filter: spriteFilter(planThumbnails(60, { width: 1920, height: 1080 })), file: "/w/t.jpg" } })), "mov");
    for (const at of [0, 6]) expectHardenedInputs(posterArgs({ input: source, videoStream: "0:v:0", at, size: { width: 640, height: 360 }, out: "/w/p.jpg" }), "mov");
    const posterSeek = posterArgs({ input: source, videoStream: "0:v:0", at: 6, size: { width: 640, height: 360 }, out: "/w/p.jpg" });
    expect(posterSeek.indexOf("-ss")).toBeLessThan(posterSeek.indexOf("-protocol_whitelist"));
    // The worker's sprite runs on its own: one JPEG.
    const sprite = spriteArgs({ input: source, videoStream: "0:v:0", filter: spriteFilter(planThumbnails(60, { width: 1920, height: 1080 })), out: "/w/t.jpg" });
    expectHardenedInputs(sprite, "mov");
    expect(sprite.slice(-5)).toEqual(["-frames:v", "1", "-q:v", "5", "/w/t.jpg"]);
  });
});

describe("ladder selection", () => {
  it("takes the rungs at or below the source height, top first, at most 3", () => {
    expect(ladderFor(2160).map((r) => r.name)).toEqual(["1080p", "720p", "360p"]);
    expect(ladderFor(1080).map((r) => r.name)).toEqual(["1080p", "720p", "360p"]);
    expect(ladderFor(1079).map((r) => r.name)).toEqual(["720p", "360p", "180p"]);
    expect(ladderFor(720).map((r) => r.name)).toEqual(["720p", "360p", "180p"]);
    expect(ladderFor(480).map((r) => r.name)).toEqual(["360p", "180p"]);
    expect(ladderFor(360).map((r) => r.name)).toEqual(["360p", "180p"]);
    expect(ladderFor(1080, 2).map((r) => r.name)).toEqual(["1080p", "720p"]);
  });

  it("never upscales, even below the smallest rung", () => {
    for (let h = 2; h <= 2400; h += 2) {
      for (const r of ladderFor(h)) expect(r.height).toBeLessThanOrEqual(h);
    }
    expect(ladderFor(120)).toEqual([expect.objectContaining({ name: "120p", height: 120 })]);
  });

  it("the worker's plan never upscales even below the smallest rung, and keeps even sizes", () => {
    for (const [w, h] of [
      [160, 120],
      [98, 56],
      [1920, 1080],
      [1080, 1920],
      [854, 480],
      [640, 360],
      [3840, 2160],
      [1440, 1080],
      [720, 576],
      [2, 2],
    ]) {
      const plan = planRenditions({ width: w, height: h }, { hasAudio: true });
      expect(plan.length).toBeGreaterThan(0);
      for (const r of plan) {
        expect(r.height).toBeLessThanOrEqual(h);
        expect(r.height % 2).toBe(0);
        expect(r.width % 2).toBe(0);
        expect(r.width).toBe(evenWidth(w, h, r.height));
        expect(r.playlist).toBe(`${r.name}/index.m3u8`);
      }
      // Distinct folders.
      expect(new Set(plan.map((r) => r.name)).size).toBe(plan.length);
    }
    expect(planRenditions({ width: 160, height: 120 }, { hasAudio: false })).toMatchObject([{ name: "120p", width: 160, height: 120, bandwidth: 250_000 }]);
  });

  it("evenWidth keeps the aspect ratio with an even width", () => {
    expect(evenWidth(1920, 1080, 720)).toBe(1280);
    expect(evenWidth(640, 360, 180)).toBe(320);
    expect(evenWidth(1080, 1920, 360)).toBe(202);
    expect(evenWidth(720, 576, 360)).toBe(450);
    expect(evenWidth(1, 1000, 2)).toBe(2);
    for (let h = 2; h < 2000; h += 2) expect(evenWidth(1366, 768, h) % 2).toBe(0);
  });

  it("output frame rate: the source's when normal, halved above 31 fps, 25 when unknown", () => {
    expect(outputFps(25)).toBe(25);
    expect(outputFps(29.97)).toBe(29.97);
    expect(outputFps(30)).toBe(30);
    expect(outputFps(60)).toBe(30);
    expect(outputFps(59.94)).toBe(29.97);
    expect(outputFps(120)).toBe(30);
    expect(outputFps(null)).toBe(25);
    expect(outputFps(0)).toBe(25);
    expect(outputFps(12)).toBe(12);
  });
});

/** The output files of a ladder command and the options of each (everything since the previous output). */
function outputs(args: string[]): { file: string; options: string[] }[] {
  const from = args.indexOf("-filter_complex") + 2;
  const out: { file: string; options: string[] }[] = [];
  let start = from;
  args.forEach((a, i) => {
    if (i >= from && /(\/index\.m3u8|\.jpg)$/.test(a)) {
      out.push({ file: a, options: args.slice(start, i) });
      start = i + 1;
    }
  });
  expect(start).toBe(args.length); // nothing after the last output
  return out;
}

describe("hlsLadderArgs: the whole ladder in one pass", () => {
  it("one input decoded once, one filtergraph: fps, split into N branches, one scale each", () => {
    const args = hlsLadderArgs(job());
    expect(args.filter((a) => a === "-i")).toHaveLength(1);
    expect(args.filter((a) => a === "-filter_complex")).toHaveLength(1);
    expect(arg(args, "-filter_complex")).toBe(
      [
        "[0:v:0]fps=25,split=3[s0][s1][s2]",
        "[s0]scale=1920:1080:flags=bicubic,setsar=1[v0]",
        "[s1]scale=1280:720:flags=bicubic,setsar=1[v1]",
        "[s2]scale=640:360:flags=bicubic,setsar=1[v2]",
      ].join(";"),
    );
    expect(args).not.toContain("-vf");
    expect(args).not.toContain("-var_stream_map");
    expect(args).not.toContain("-master_pl_name");
    expect(args.slice(0, 3)).toEqual(["-hide_banner", "-nostdin", "-y"]);
  });

  it("hardened: the whitelist and the forced demuxer before the only -i, the source file as given", () => {
    const args = hlsLadderArgs(job());
    const i = args.indexOf("-i");
    expect(args.slice(i - 4, i + 2)).toEqual(["-protocol_whitelist", "file,pipe", "-f", "mov", "-i", "/tmp/in/source"]);
    expect(all(args, "-f")).toEqual(["mov", "hls", "hls", "hls"]); // the forced input demuxer, then one HLS muxer per output
  });

  it("one progress stream on stdout for all outputs: a global option, before the input", () => {
    const args = hlsLadderArgs(job());
    expect(all(args, "-progress")).toEqual(["pipe:1"]);
    expect(args.indexOf("-progress")).toBeLessThan(args.indexOf("-i"));
    expect(args).toContain("-nostats");
  });

  it("one HLS output per rendition: its own branch, the source audio, codecs and bitrates, into its folder", () => {
    const j = job({ source: { width: 1080, height: 1920 }, renditions: ladderFor(1920) });
    const outs = outputs(hlsLadderArgs(j));
    expect(outs.map((o) => o.file)).toEqual(j.renditions.map((r) => `/tmp/out/${r.name}/index.m3u8`));
    expect(arg(hlsLadderArgs(j), "-filter_complex")).toContain("[s1]scale=406:720:flags=bicubic,setsar=1[v1]");
    outs.forEach(({ options }, i) => {
      const r = j.renditions[i];
      expect(all(options, "-map")).toEqual([`[v${i}]`, "0:a:0"]);
      expect(arg(options, "-c:v")).toBe("libx264");
      expect(arg(options, "-preset")).toBe("veryfast");
      expect(arg(options, "-pix_fmt")).toBe("yuv420p");
      expect(arg(options, "-threads")).toBe(String(ENCODER_THREADS));
      expect(arg(options, "-b:v")).toBe(`${r.videoKbps}k`);
      expect(arg(options, "-maxrate")).toBe(`${Math.round(r.videoKbps * 1.07)}k`);
      expect(arg(options, "-c:a")).toBe("aac");
      expect(arg(options, "-b:a")).toBe(`${r.audioKbps}k`);
      expect(arg(options, "-f")).toBe("hls");
      expect(arg(options, "-hls_playlist_type")).toBe("vod");
      expect(arg(options, "-hls_segment_type")).toBe("mpegts");
      expect(arg(options, "-hls_flags")).toBe("independent_segments");
      expect(arg(options, "-hls_segment_filename")).toBe(`/tmp/out/${r.name}/seg_%03d.ts`);
    });
  });

  it("aligns every rendition's GOP to the segment length (fixed, no scene-cut keyframes): they switch cleanly", () => {
    for (const [seg, fps] of [
      [6, 25],
      [6, 30],
      [4, 24],
      [2, 29.97],
    ]) {
      const args = hlsLadderArgs(job({ segmentSeconds: seg, fps }));
      const gop = String(Math.round(seg * fps));
      expect(arg(args, "-filter_complex")).toMatch(new RegExp(`^\\[0:v:0\\]fps=${fps},split=3`));
      for (const { options } of outputs(args)) {
        expect(arg(options, "-g")).toBe(gop);
        expect(arg(options, "-keyint_min")).toBe(gop);
        expect(arg(options, "-sc_threshold")).toBe("0");
        expect(arg(options, "-hls_time")).toBe(String(seg));
      }
    }
  });

  it("a silent source maps no audio and disables it in every output", () => {
    const outs = outputs(hlsLadderArgs(job({ audio: null })));
    expect(outs).toHaveLength(3);
    outs.forEach(({ options }, i) => {
      expect(all(options, "-map")).toEqual([`[v${i}]`]);
      expect(options).toContain("-an");
      expect(options).not.toContain("-c:a");
    });
  });

  it("one rendition: a split of one branch, one output", () => {
    const args = hlsLadderArgs(job({ source: { width: 320, height: 180 }, renditions: ladderFor(180) }));
    expect(arg(args, "-filter_complex")).toBe("[0:v:0]fps=25,split=1[s0];[s0]scale=320:180:flags=bicubic,setsar=1[v0]");
    expect(outputs(args).map((o) => o.file)).toEqual(["/tmp/out/180p/index.m3u8"]);
  });

  it("the sprite is one more branch of the same split and one more output: a single JPEG frame", () => {
    const plan = planThumbnails(60, { width: 1920, height: 1080 });
    const args = hlsLadderArgs(job({ sprite: { filter: spriteFilter(plan), file: "/tmp/out/thumbnails.jpg" } }));
    expect(args.filter((a) => a === "-i")).toHaveLength(1);
    const graph = arg(args, "-filter_complex")!.split(";");
    expect(graph[0]).toBe("[0:v:0]fps=25,split=4[s0][s1][s2][s3]");
    expect(graph[4]).toBe(`[s3]${spriteFilter(plan)}[sprite]`);
    const outs = outputs(args);
    expect(outs.map((o) => o.file)).toEqual(["/tmp/out/1080p/index.m3u8", "/tmp/out/720p/index.m3u8", "/tmp/out/360p/index.m3u8", "/tmp/out/thumbnails.jpg"]);
    expect(outs[3].options).toEqual(["-map", "[sprite]", "-frames:v", "1", "-q:v", "5"]);
  });

  it("lavfi inputs with a pre-filter (the seed): drawtext before the frame rate and the split", () => {
    const args = hlsLadderArgs(
      job({
        inputArgs: ["-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=6", "-f", "lavfi", "-i", "sine=f=440:d=6"],
        video: "0:v",
        audio: "1:a",
        preFilter: "drawtext=text='a\\, b'",
        source: { width: 640, height: 360 },
        renditions: ladderFor(360),
        segmentSeconds: 2,
      }),
    );
    expect(arg(args, "-filter_complex")).toBe(
      "[0:v]drawtext=text='a\\, b',fps=25,split=2[s0][s1];[s0]scale=640:360:flags=bicubic,setsar=1[v0];[s1]scale=320:180:flags=bicubic,setsar=1[v1]",
    );
    expect(outputs(args).map(({ options }) => all(options, "-map"))).toEqual([
      ["[v0]", "1:a"],
      ["[v1]", "1:a"],
    ]);
  });

  it("the worker's segment length is ~6 s", () => {
    expect(SEGMENT_SECONDS).toBe(6);
  });
});

describe("masterPlaylist", () => {
  it("lists every rendition with bandwidth, resolution and codecs, top first", () => {
    const text = masterPlaylist({ renditions: ladderFor(1080), source: { width: 1920, height: 1080 }, audio: "0:a:0" });
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("#EXTM3U");
    const inf = lines.filter((l) => l.startsWith("#EXT-X-STREAM-INF:"));
    expect(inf).toHaveLength(3);
    expect(inf[0]).toContain("RESOLUTION=1920x1080");
    expect(inf[0]).toContain('CODECS="avc1.4d4028,mp4a.40.2"');
    expect(inf[0]).toContain(`BANDWIDTH=${Math.round(5000 * 1.07 * 1000) + 128_000}`);
    expect(lines.filter((l) => !l.startsWith("#"))).toEqual(["1080p/index.m3u8", "720p/index.m3u8", "360p/index.m3u8"]);
  });

  it("video-only codecs for a silent source", () => {
    const text = masterPlaylist({ renditions: [LADDER[3]], source: { width: 640, height: 360 }, audio: null });
    expect(text).toContain('CODECS="avc1.4d4028"');
    expect(text).toContain("BANDWIDTH=267500");
  });
});

describe("progressSeconds", () => {
  it("reads out_time_us / out_time_ms from -progress output", () => {
    expect(progressSeconds("frame=10\nout_time_us=2500000\nout_time=00:00:02.500000\n")).toBe(2.5);
    expect(progressSeconds("out_time_ms=1000000\n")).toBe(1);
    expect(progressSeconds("progress=continue\n")).toBeNull();
    // Two reports in one chunk: the later one.
    expect(progressSeconds("out_time_us=1000000\nprogress=continue\nout_time_us=3000000\nprogress=continue\n")).toBe(3);
  });
});
