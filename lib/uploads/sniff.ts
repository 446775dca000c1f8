/**
 * What a file really is, from its first bytes (magic numbers), whatever its name and the
 * browser's Content-Type say. Pure: the server reads the head of its verified copy with a
 * Range GET and asks here whether it matches the kind that was promised; the transcoding
 * worker asks the same of the original it downloaded, and picks ffmpeg's demuxer from the
 * answer (ADR 046).
 */
import type { UploadKind } from "./rules";

/** How many bytes of the head the checks look at. */
export const SNIFF_BYTES = 64 * 1024;

export type SniffedFormat =
  | "mp4"
  | "quicktime"
  | "ebml"
  | "avi"
  | "jpeg"
  | "png"
  | "webp"
  | "gif"
  | "pdf"
  | "zip"
  | "gzip"
  | "webvtt"
  | "srt"
  | "hls"
  | "ffconcat"
  | "text"
  | "empty"
  | "unknown";

const DESCRIPTIONS: Record<SniffedFormat, string> = {
  mp4: "an MP4 video",
  quicktime: "a QuickTime (MOV) video",
  ebml: "a WebM/Matroska video",
  avi: "an AVI video",
  jpeg: "a JPEG image",
  png: "a PNG image",
  webp: "a WebP image",
  gif: "a GIF image",
  pdf: "a PDF document",
  zip: "a ZIP archive",
  gzip: "a gzip archive",
  webvtt: "a WebVTT caption file",
  srt: "a SubRip caption file",
  hls: "an HLS playlist",
  ffconcat: "an ffmpeg concat script",
  text: "text",
  empty: "an empty file",
  unknown: "binary data of an unknown type",
};

export function describeFormat(format: SniffedFormat): string {
  return DESCRIPTIONS[format];
}

function ascii(head: Uint8Array, start: number, length: number): string {
  let s = "";
  for (let i = start; i < start + length && i < head.length; i++) s += String.fromCharCode(head[i]!);
  return s;
}

function startsWith(head: Uint8Array, bytes: number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((b, i) => head[offset + i] === b);
}

/** QuickTime top-level atoms that may come first in a .mov without an `ftyp`. */
const QT_ATOMS = new Set(["moov", "mdat", "wide", "free", "skip", "pnot"]);

/**
 * True when `bytes` is well-formed UTF-8 (an optional BOM allowed) with no NUL or other C0
 * control characters besides tab, LF, CR and form feed. `truncated`: the buffer is the head
 * of a longer file, so an incomplete sequence at its very end is fine.
 */
export function isUtf8Text(bytes: Uint8Array, truncated = false): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: truncated });
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

const SRT_START = /^\s*(?:\d+[ \t]*\r?\n)?[ \t]*\d{1,3}:\d{1,2}:\d{1,2}[,.]\d{1,3}[ \t]*-->[ \t]*\d{1,3}:\d{1,2}:\d{1,2}[,.]\d{1,3}/;

/**
 * Identifies the format of a file from its head. `truncated`: the head is only the start of
 * the file (text decoding tolerates a cut multi-byte character at the end).
 */
export function sniff(head: Uint8Array, truncated = false): SniffedFormat {
  if (head.length === 0) return "empty";
  if (ascii(head, 4, 4) === "ftyp") return ascii(head, 8, 4) === "qt  " ? "quicktime" : "mp4";
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return "ebml";
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") return "webp";
  if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "AVI ") return "avi";
  if (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a") return "gif";
  if (ascii(head, 0, 5) === "%PDF-") return "pdf";
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]) || startsWith(head, [0x50, 0x4b, 0x07, 0x08])) {
    return "zip";
  }
  if (startsWith(head, [0x1f, 0x8b])) return "gzip";
  // A QuickTime atom header: 32-bit big-endian size (a text file never starts with NUL).
  if (head[0] === 0 && QT_ATOMS.has(ascii(head, 4, 4))) return "quicktime";
  if (isUtf8Text(head, truncated)) {
    const start = new TextDecoder("utf-8").decode(head.subarray(0, 4096)).replace(/^\uFEFF/, "");
    if (/^WEBVTT(?:[ \t\r\n]|$)/.test(start)) return "webvtt";
    if (SRT_START.test(start)) return "srt";
    // Text that ffmpeg would follow to other files or hosts if it probed the format itself.
    if (/^\s*#EXTM3U/.test(start)) return "hls";
    if (/^\s*ffconcat\s+version\b/.test(start)) return "ffconcat";
    return "text";
  }
  return "unknown";
}

export type ContentsCheck = { ok: true; format: SniffedFormat } | { ok: false; format: SniffedFormat; message: string };

/** The containers a video may be: the worker forces the matching demuxer (worker/ffmpeg-args.ts demuxerFor). */
export const VIDEO_CONTAINERS = ["mp4", "quicktime", "ebml"] as const satisfies readonly SniffedFormat[];
export type VideoContainer = (typeof VIDEO_CONTAINERS)[number];

const ACCEPTED: Record<Exclude<UploadKind, "ATTACHMENT">, { formats: readonly SniffedFormat[]; what: string }> = {
  VIDEO: { formats: VIDEO_CONTAINERS, what: "a video" },
  IMAGE: { formats: ["jpeg", "png", "webp"], what: "a JPEG, PNG or WebP image" },
  CAPTION: { formats: ["webvtt", "srt"], what: "a WebVTT or SubRip caption file" },
};

const ATTACHMENT_CONTENTS: Record<"pdf" | "zip" | "text", { formats: SniffedFormat[]; what: string }> = {
  pdf: { formats: ["pdf"], what: "a PDF document" },
  zip: { formats: ["zip"], what: "a ZIP archive" },
  text: { formats: ["text", "webvtt", "srt", "hls", "ffconcat"], what: "UTF-8 text" },
};

/**
 * Do the first bytes match the kind (and, for attachments, the extension's contents)?
 * The message names what the file looks like: "This file is not a video: it looks like text."
 */
export function checkContents(
  kind: UploadKind,
  head: Uint8Array,
  options: { attachmentContents?: "pdf" | "zip" | "text"; truncated?: boolean } = {},
): ContentsCheck {
  const format = sniff(head, options.truncated ?? false);
  const rule = kind === "ATTACHMENT" ? ATTACHMENT_CONTENTS[options.attachmentContents ?? "text"] : ACCEPTED[kind];
  if (rule.formats.includes(format)) return { ok: true, format };
  let message = `This file is not ${rule.what}: it looks like ${describeFormat(format)}.`;
  if (kind === "CAPTION" && format === "text") {
    message = "This file is not a WebVTT or SubRip caption file: it is text without a WEBVTT header or SubRip cue timings.";
  }
  if ((kind === "CAPTION" || options.attachmentContents === "text") && format === "unknown") {
    message = `This file is not ${rule.what}: it is not valid UTF-8 text (save it as UTF-8 and upload it again).`;
  }
  return { ok: false, format, message };
}
