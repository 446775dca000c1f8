import { describe, expect, it } from "vitest";
import { CaptionFormatError, cleanCueText, formatVttTimestamp, normalizeVtt, srtToVtt, toWebVtt } from "@/lib/uploads/captions";
import {
  DEFAULT_PART_SIZE,
  GB,
  KIND_RULES,
  MAX_PARTS,
  MB,
  MULTIPART_THRESHOLD,
  TEXT_PLAIN,
  acceptAttribute,
  checkFile,
  extensionOf,
  formatBytes,
  partLength,
  partPlan,
  partRange,
  tooLargeMessage,
} from "@/lib/uploads/rules";
import { startUploadSchema } from "@/lib/uploads/schemas";
import { checkContents, isUtf8Text, sniff } from "@/lib/uploads/sniff";

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "latin1")] : p)));

describe("limits and type checks", () => {
  it("has the documented limits", () => {
    expect(KIND_RULES.VIDEO.maxBytes).toBe(5 * GB);
    expect(KIND_RULES.IMAGE.maxBytes).toBe(15 * MB);
    expect(KIND_RULES.CAPTION.maxBytes).toBe(2 * MB);
    expect(KIND_RULES.ATTACHMENT.maxBytes).toBe(500 * MB);
  });

  it("refuses an oversized file with the sizes in words", () => {
    const r = checkFile("VIDEO", { fileName: "lecture.mp4", contentType: "video/mp4", bytes: Math.round(6.2 * GB) });
    expect(r).toEqual({ ok: false, field: "bytes", message: "This file is 6.2 GB; videos can be at most 5 GB." });
    expect(checkFile("IMAGE", { fileName: "a.png", contentType: "image/png", bytes: 16 * MB })).toMatchObject({
      ok: false,
      message: "This file is 16 MB; images can be at most 15 MB.",
    });
    // Just over the limit never reads "5 GB; … at most 5 GB".
    expect(tooLargeMessage("VIDEO", 5 * GB + 1)).toBe(
      "This file is 5,368,709,121 bytes; videos can be at most 5 GB (5,368,709,120 bytes).",
    );
    expect(checkFile("VIDEO", { fileName: "ok.mp4", contentType: "video/mp4", bytes: 5 * GB }).ok).toBe(true);
  });

  it("refuses empty files and wrong extensions", () => {
    expect(checkFile("CAPTION", { fileName: "subs.vtt", contentType: "text/vtt", bytes: 0 })).toMatchObject({ ok: false, field: "bytes", message: "“subs.vtt” is empty." });
    expect(checkFile("VIDEO", { fileName: "notes.txt", contentType: "text/plain", bytes: 10 })).toEqual({
      ok: false,
      field: "fileName",
      message: "“notes.txt” cannot be uploaded as a video: choose an MP4, MOV, WebM or MKV file.",
    });
    expect(checkFile("IMAGE", { fileName: "noext", contentType: "", bytes: 10 }).ok).toBe(false);
    expect(checkFile("ATTACHMENT", { fileName: "setup.exe", contentType: "application/x-msdownload", bytes: 10 }).ok).toBe(false);
    expect(checkFile("IMAGE", { fileName: "logo.svg", contentType: "image/svg+xml", bytes: 10 }).ok).toBe(false);
  });

  it("refuses a declared type that contradicts the extension, accepts unknown ones", () => {
    expect(checkFile("VIDEO", { fileName: "clip.mp4", contentType: "text/plain", bytes: 10 })).toMatchObject({ ok: false, field: "contentType" });
    expect(checkFile("VIDEO", { fileName: "clip.MKV", contentType: "", bytes: 10 })).toMatchObject({ ok: true, ext: "mkv", storedContentType: "video/x-matroska" });
    expect(checkFile("CAPTION", { fileName: "subs.srt", contentType: "application/octet-stream", bytes: 10 }).ok).toBe(true);
    expect(checkFile("ATTACHMENT", { fileName: "index.html", contentType: "text/html", bytes: 10 })).toMatchObject({
      ok: true,
      storedContentType: TEXT_PLAIN, // never served as HTML from the media origin
      contents: "text",
    });
    expect(checkFile("ATTACHMENT", { fileName: "data.json", contentType: "application/json", bytes: 10 }).ok).toBe(true);
    expect(checkFile("ATTACHMENT", { fileName: "slides.pdf", contentType: "application/pdf", bytes: 10 })).toMatchObject({ ok: true, contents: "pdf" });
    expect(checkFile("ATTACHMENT", { fileName: "code.zip", contentType: "application/x-zip-compressed", bytes: 10 })).toMatchObject({ ok: true, contents: "zip" });
    expect(checkFile("ATTACHMENT", { fileName: "slides.pdf", contentType: "image/png", bytes: 10 }).ok).toBe(false);
  });

  it("chooses PUT below 16 MB and multipart from there", () => {
    const small = checkFile("VIDEO", { fileName: "a.mp4", contentType: "video/mp4", bytes: MULTIPART_THRESHOLD - 1 });
    const big = checkFile("VIDEO", { fileName: "a.mp4", contentType: "video/mp4", bytes: MULTIPART_THRESHOLD });
    expect(small).toMatchObject({ ok: true, transfer: "PUT" });
    expect(big).toMatchObject({ ok: true, transfer: "MULTIPART" });
  });

  it("formats sizes and helpers", () => {
    expect(formatBytes(17)).toBe("17 bytes");
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(15 * MB)).toBe("15 MB");
    expect(extensionOf("My Talk.final.MOV")).toBe("mov");
    expect(extensionOf(".bashrc")).toBe("");
    expect(acceptAttribute("CAPTION")).toBe(".vtt,.srt");
  });

  it("parses start requests: file names lose their path, control characters are refused", () => {
    const ok = startUploadSchema.parse({ courseId: "c1", kind: "VIDEO", fileName: "C:\\Users\\me\\clip.mp4", bytes: 10 });
    expect(ok.fileName).toBe("clip.mp4");
    expect(ok.contentType).toBe("");
    expect(startUploadSchema.safeParse({ courseId: "c1", kind: "VIDEO", fileName: "a\r\nb.mp4", bytes: 10 }).success).toBe(false);
    expect(startUploadSchema.safeParse({ courseId: "c1", kind: "AUDIO", fileName: "a.mp3", bytes: 10 }).success).toBe(false);
    expect(startUploadSchema.safeParse({ courseId: "c1", kind: "VIDEO", fileName: "a.mp4", bytes: 1.5 }).success).toBe(false);
    expect(startUploadSchema.safeParse({ courseId: "../x", kind: "VIDEO", fileName: "a.mp4", bytes: 1 }).success).toBe(false);
    expect(startUploadSchema.safeParse({ courseId: "c1", kind: "CAPTION", fileName: "a.vtt", bytes: 1, language: "en US" }).success).toBe(false);
  });
});

describe("part sizes", () => {
  it("uses 8 MB parts for ordinary files", () => {
    expect(partPlan(20 * MB)).toEqual({ partSize: DEFAULT_PART_SIZE, partCount: 3 });
    expect(partPlan(16 * MB)).toEqual({ partSize: 8 * MB, partCount: 2 });
    expect(partPlan(1)).toEqual({ partSize: 8 * MB, partCount: 1 });
  });

  it("grows parts (whole MB) to keep about 64 of them up to 64 MB parts, then only to stay within 10,000", () => {
    expect(partPlan(512 * MB)).toEqual({ partSize: 8 * MB, partCount: 64 });
    expect(partPlan(512 * MB + 1)).toEqual({ partSize: 9 * MB, partCount: 57 });
    expect(partPlan(GB)).toEqual({ partSize: 16 * MB, partCount: 64 });
    expect(partPlan(5 * GB)).toEqual({ partSize: 64 * MB, partCount: 80 });
    expect(partPlan(600 * GB)).toEqual({ partSize: 64 * MB, partCount: 9600 });
    const huge = partPlan(1000 * GB);
    expect(huge.partCount).toBeLessThanOrEqual(MAX_PARTS);
    expect(huge.partSize % MB).toBe(0);
    expect(huge.partSize).toBe(103 * MB);
  });

  it("computes ranges and the short last part", () => {
    const size = 20 * MB + 5;
    const plan = partPlan(size);
    expect(partRange(plan, size, 1)).toEqual({ start: 0, end: 8 * MB });
    expect(partRange(plan, size, 3)).toEqual({ start: 16 * MB, end: size });
    expect(partLength(plan, size, 3)).toBe(4 * MB + 5);
    expect(() => partRange(plan, size, 4)).toThrow(RangeError);
    expect(() => partRange(plan, size, 0)).toThrow(RangeError);
  });
});

describe("magic-byte sniffing", () => {
  it("recognises containers and images", () => {
    expect(sniff(bytes([0, 0, 0, 0x20], "ftypisom", [0, 0, 2, 0]))).toBe("mp4");
    expect(sniff(bytes([0, 0, 0, 0x14], "ftypqt  "))).toBe("quicktime");
    expect(sniff(bytes([0, 0, 0, 8], "wide", [0, 0, 0, 0], "mdat"))).toBe("quicktime");
    expect(sniff(bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]))).toBe("ebml");
    expect(sniff(bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], "JFIF"))).toBe("jpeg");
    expect(sniff(bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], "IHDR"))).toBe("png");
    expect(sniff(bytes("RIFF", [0x24, 0, 0, 0], "WEBPVP8 "))).toBe("webp");
    expect(sniff(bytes("RIFF", [0x24, 0, 0, 0], "AVI LIST"))).toBe("avi");
    expect(sniff(bytes("%PDF-1.7\n%âãÏÓ"))).toBe("pdf");
    expect(sniff(bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0]))).toBe("zip");
    expect(sniff(bytes("GIF89a"))).toBe("gif");
    expect(sniff(new Uint8Array())).toBe("empty");
  });

  it("recognises captions and text", () => {
    expect(sniff(Buffer.from("WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"))).toBe("webvtt");
    expect(sniff(Buffer.from("\uFEFFWEBVTT - Kind: captions\n"))).toBe("webvtt");
    expect(sniff(Buffer.from("1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n"))).toBe("srt");
    expect(sniff(Buffer.from("Hello, this is a plain text file.\n"))).toBe("text");
    // Text starting with an atom-like word is still text (atoms start with a NUL size byte).
    expect(sniff(Buffer.from("Get free stuff"))).toBe("text");
    expect(sniff(Buffer.from("Zoë and the café ☕\n"))).toBe("text");
  });

  it("names text ffmpeg would follow to other files or hosts: HLS playlists and concat scripts", () => {
    expect(sniff(Buffer.from("#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n"))).toBe("hls");
    expect(sniff(Buffer.from("\uFEFF#EXTM3U\r\n"))).toBe("hls");
    expect(sniff(Buffer.from("ffconcat version 1.0\nfile /etc/passwd\n"))).toBe("ffconcat");
    expect(checkContents("VIDEO", Buffer.from("#EXTM3U\n"))).toEqual({ ok: false, format: "hls", message: "This file is not a video: it looks like an HLS playlist." });
    expect(checkContents("VIDEO", Buffer.from("ffconcat version 1.0\n"))).toMatchObject({ ok: false, message: "This file is not a video: it looks like an ffmpeg concat script." });
    // Still text for a text attachment.
    expect(checkContents("ATTACHMENT", Buffer.from("#EXTM3U\n"), { attachmentContents: "text" })).toMatchObject({ ok: true, format: "hls" });
  });

  it("tells binary and non-UTF-8 text apart from text", () => {
    expect(sniff(bytes([0x00, 0x01, 0x02, 0x03, 0xfe]))).toBe("unknown");
    expect(sniff(bytes("caf", [0xe9], " latin-1"))).toBe("unknown");
    expect(isUtf8Text(Buffer.from("ok\ttabs\r\n"))).toBe(true);
    expect(isUtf8Text(bytes("nul", [0], "inside"))).toBe(false);
    // A multi-byte character cut at the end of a head is fine only when the head is truncated.
    const cut = Buffer.from("abc€").subarray(0, 5);
    expect(isUtf8Text(cut, true)).toBe(true);
    expect(isUtf8Text(cut, false)).toBe(false);
  });

  it("checks contents against the kind with a clear message", () => {
    const text = Buffer.from("This is definitely not a video.\n");
    expect(checkContents("VIDEO", text)).toEqual({ ok: false, format: "text", message: "This file is not a video: it looks like text." });
    expect(checkContents("VIDEO", bytes([0, 0, 0, 0x18], "ftypmp42"))).toMatchObject({ ok: true, format: "mp4" });
    expect(checkContents("IMAGE", bytes("%PDF-1.4"))).toMatchObject({ ok: false, message: "This file is not a JPEG, PNG or WebP image: it looks like a PDF document." });
    expect(checkContents("ATTACHMENT", bytes([0x50, 0x4b, 0x03, 0x04]), { attachmentContents: "pdf" })).toMatchObject({
      ok: false,
      message: "This file is not a PDF document: it looks like a ZIP archive.",
    });
    expect(checkContents("ATTACHMENT", Buffer.from("print('hi')\n"), { attachmentContents: "text" })).toMatchObject({ ok: true });
    expect(checkContents("ATTACHMENT", bytes([0xff, 0xfe, 0, 0x41]), { attachmentContents: "text" })).toMatchObject({
      ok: false,
      message: "This file is not UTF-8 text: it is not valid UTF-8 text (save it as UTF-8 and upload it again).",
    });
    expect(checkContents("CAPTION", Buffer.from("just words\n"))).toMatchObject({ ok: false });
    expect(checkContents("CAPTION", Buffer.from("WEBVTT\n"))).toMatchObject({ ok: true, format: "webvtt" });
  });
});

describe("SubRip to WebVTT", () => {
  it("converts timings, keeps ids and allowed tags", () => {
    const srt = "\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\nHello <i>world</i>\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20 Y1:5 Y2:9\r\n{\\an8}<font color=\"#fff\">Top & <b>bold</b></font>\r\nsecond line\r\n";
    expect(srtToVtt(srt)).toBe(
      "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello <i>world</i>\n\n2\n00:00:03.000 --> 00:00:04.000\nTop &amp; <b>bold</b>\nsecond line\n",
    );
  });

  it("handles hours, short fractions, missing ids and extra blank lines", () => {
    const srt = "\n\n00:59:59,5 --> 01:00:00,75\nA < B > C\n\n\n\n3\n10:00:00,000 --> 10:00:01,000\nok &amp; fine\n";
    expect(srtToVtt(srt)).toBe("WEBVTT\n\n00:59:59.500 --> 01:00:00.750\nA &lt; B &gt; C\n\n3\n10:00:00.000 --> 10:00:01.000\nok &amp; fine\n");
  });

  it("drops cues that end before they start or have no text, refuses files without cues", () => {
    expect(srtToVtt("1\n00:00:05,000 --> 00:00:01,000\nbackwards\n\n2\n00:00:06,000 --> 00:00:07,000\nkept\n")).toBe(
      "WEBVTT\n\n2\n00:00:06.000 --> 00:00:07.000\nkept\n",
    );
    expect(() => srtToVtt("hello\nthere\n")).toThrow(CaptionFormatError);
  });

  it("normalises WebVTT and refuses what is not", () => {
    expect(normalizeVtt("\uFEFFWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nHi")).toBe("WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n");
    expect(() => normalizeVtt("WEBVTTX\n\n00:01.000 --> 00:02.000\nHi\n")).toThrow(/start with the line/);
    expect(() => normalizeVtt("WEBVTT\n\nno cues here\n")).toThrow(/no cues/);
    expect(() => toWebVtt(bytes("WEBVTT\n\n00:01.000 --> 00:02.000\ncaf", [0xe9]), "webvtt")).toThrow(/not UTF-8/);
  });

  it("formats timestamps and cleans cue text", () => {
    expect(formatVttTimestamp(3_723_004)).toBe("01:02:03.004");
    expect(formatVttTimestamp(0)).toBe("00:00:00.000");
    expect(cleanCueText("<I>Loud</I> <script>x</script> &#169; &nbsp; a&b")).toBe("<i>Loud</i> &lt;script&gt;x&lt;/script&gt; &#169; &nbsp; a&amp;b");
  });
});
