import { describe, expect, it } from "vitest";

import { parseFfmpegProbe, parseLastTime, ProbeError } from "@/worker/probe";

// Real stderr of `ffmpeg -hide_banner -i <file>` (Debian ffmpeg 5.1), captured from files
// made with ffmpeg's test sources.

const MP4_H264_AAC = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf59.27.100
  Duration: 00:00:05.00, start: 0.000000, bitrate: 750 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], 672 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      vendor_id       : [0][0][0][0]
      encoder         : Lavc59.37.100 libx264
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, mono, fltp, 69 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
      vendor_id       : [0][0][0][0]
At least one output file must be specified
`;

const MP4_ROTATED = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'r.mp4':
  Metadata:
    major_brand     : isom
    minor_version   : 512
    compatible_brands: isomiso2avc1mp41
    encoder         : Lavf59.27.100
  Duration: 00:00:05.00, start: 0.000000, bitrate: 750 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 640x360 [SAR 1:1 DAR 16:9], 672 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      vendor_id       : [0][0][0][0]
      encoder         : Lavc59.37.100 libx264
    Side data:
      displaymatrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, mono, fltp, 69 kb/s (default)
    Metadata:
      handler_name    : SoundHandler
      vendor_id       : [0][0][0][0]
At least one output file must be specified
`;

const WEBM_NO_DURATION = `Input #0, matroska,webm, from 'b.webm':
  Metadata:
    ENCODER         : Lavf59.27.100
  Duration: N/A, start: 0.000000, bitrate: N/A
  Stream #0:0: Video: vp8, yuv420p(progressive), 320x240, SAR 1:1 DAR 4:3, 30 fps, 30 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc59.37.100 libvpx
At least one output file must be specified
`;

const MOV_SILENT_60FPS = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'silent60.mov':
  Metadata:
    major_brand     : qt  
    minor_version   : 512
    compatible_brands: qt  
    encoder         : Lavf59.27.100
  Duration: 00:00:01.00, start: 0.000000, bitrate: 27891 kb/s
  Stream #0:0[0x1]: Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(progressive), 1920x1080 [SAR 1:1 DAR 16:9], 27883 kb/s, 60 fps, 60 tbr, 15360 tbn (default)
    Metadata:
      handler_name    : VideoHandler
      vendor_id       : FFMP
      encoder         : Lavc59.37.100 libx264
At least one output file must be specified
`;

const TEXT_FILE = `/tmp/transcode-abc/source.mp4: Invalid data found when processing input
`;

const TRUNCATED_MP4 = `[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5556473a7840] moov atom not found
/tmp/transcode-abc/source.mp4: Invalid data found when processing input
`;

const MP3 = `Input #0, mp3, from 'd.mp3':
  Metadata:
    encoder         : Lavf59.27.100
  Duration: 00:00:02.04, start: 0.025057, bitrate: 64 kb/s
  Stream #0:0: Audio: mp3, 44100 Hz, mono, fltp, 64 kb/s
At least one output file must be specified
`;

const MP3_WITH_COVER = `Input #0, mp3, from 'cover.mp3':
  Metadata:
    encoder         : Lavf59.27.100
  Duration: 00:00:02.04, start: 0.025056, bitrate: 102 kb/s
  Stream #0:0: Audio: mp3, 44100 Hz, mono, fltp, 64 kb/s
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 320x240 [SAR 1:1 DAR 4:3], 90k tbr, 90k tbn (attached pic)
    Metadata:
      comment         : Other
At least one output file must be specified
`;

const PNG = `Input #0, png_pipe, from 'e.png':
  Duration: N/A, bitrate: N/A
  Stream #0:0: Video: png, rgb24(pc), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 25 tbn
At least one output file must be specified
`;

const JPEG = `Input #0, image2, from 'e.jpg':
  Duration: 00:00:00.04, start: 0.000000, bitrate: 1891 kb/s
  Stream #0:0: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 25 tbn
At least one output file must be specified
`;

function probeError(stderr: string): ProbeError {
  try {
    parseFfmpegProbe(stderr);
  } catch (err) {
    expect(err).toBeInstanceOf(ProbeError);
    return err as ProbeError;
  }
  throw new Error("expected a ProbeError");
}

describe("parseFfmpegProbe", () => {
  it("reads duration, size, codecs, frame rate and stream selectors of an MP4", () => {
    expect(parseFfmpegProbe(MP4_H264_AAC)).toEqual({
      durationSeconds: 5,
      width: 640,
      height: 360,
      hasAudio: true,
      videoCodec: "h264",
      audioCodec: "aac",
      fps: 25,
      rotation: 0,
      videoStream: "0:v:0",
      audioStream: "0:a:0",
      format: "mov,mp4,m4a,3gp,3g2,mj2",
    });
  });

  it("swaps width and height of a video rotated by 90° (phones), like ffmpeg's autorotation", () => {
    expect(parseFfmpegProbe(MP4_ROTATED)).toMatchObject({ width: 360, height: 640, rotation: 270 });
    expect(parseFfmpegProbe(MP4_ROTATED.replace("-90.00", "90.00"))).toMatchObject({ width: 360, height: 640, rotation: 90 });
    expect(parseFfmpegProbe(MP4_ROTATED.replace("-90.00", "180.00"))).toMatchObject({ width: 640, height: 360, rotation: 180 });
  });

  it("a WebM without a stated duration: null (the runner measures it)", () => {
    expect(parseFfmpegProbe(WEBM_NO_DURATION)).toMatchObject({ durationSeconds: null, width: 320, height: 240, videoCodec: "vp8", fps: 30, hasAudio: false, audioStream: null });
  });

  it("a silent 60 fps 1080p MOV", () => {
    expect(parseFfmpegProbe(MOV_SILENT_60FPS)).toMatchObject({ durationSeconds: 1, width: 1920, height: 1080, fps: 60, hasAudio: false, videoCodec: "h264" });
  });

  it("parses hours and fractions of the duration", () => {
    expect(parseFfmpegProbe(MP4_H264_AAC.replace("00:00:05.00", "01:02:03.45")).durationSeconds).toBeCloseTo(3723.45);
  });

  it("refuses text and truncated files with ffmpeg's reason, without the temp file name", () => {
    const e = probeError(TEXT_FILE);
    expect(e.message).toBe("The file is not a video ffmpeg can read (Invalid data found when processing input).");
    expect(e.detail).toContain("Invalid data found");
    expect(probeError(TRUNCATED_MP4).message).toMatch(/not a video ffmpeg can read/);
    expect(probeError("").message).toMatch(/not a video ffmpeg can read \(no output from ffmpeg\)/);
  });

  it("refuses audio-only files (cover art is not a video stream)", () => {
    expect(probeError(MP3).message).toBe("The file has no video stream (audio only?).");
    expect(probeError(MP3_WITH_COVER).message).toBe("The file has no video stream (audio only?).");
  });

  it("skips cover art before the real video stream when choosing the selector", () => {
    const stderr = MP4_H264_AAC.replace(
      "  Stream #0:0[0x1](und): Video: h264",
      "  Stream #0:2: Video: mjpeg (Baseline), yuvj420p(pc), 320x240 [SAR 1:1 DAR 4:3], 90k tbr, 90k tbn (attached pic)\n  Stream #0:0[0x1](und): Video: h264",
    );
    expect(parseFfmpegProbe(stderr)).toMatchObject({ videoStream: "0:v:1", width: 640, height: 360 });
  });

  it("refuses still images", () => {
    expect(probeError(PNG).message).toBe("The file is a still image, not a video.");
    expect(probeError(JPEG).message).toBe("The file is a still image, not a video.");
  });
});

describe("parseLastTime", () => {
  it("takes the last time= of ffmpeg's stats", () => {
    expect(parseLastTime("frame=    1 time=00:00:00.00 bitrate=N/A\rframe=   90 Lsize=N/A time=00:00:02.96 bitrate=N/A")).toBeCloseTo(2.96);
    expect(parseLastTime("nothing")).toBeNull();
  });
});
