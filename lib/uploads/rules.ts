/**
 * What may be uploaded, per kind, and how it travels. Pure and shared: the uploader checks a
 * file with these rules before sending a byte, and the server checks the same again.
 *
 * Limits (ADR 032):
 *   VIDEO       .mp4 .m4v .mov .webm .mkv                       up to 5 GB   (original kept under sources/, transcoded by the worker)
 *   IMAGE       .jpg .jpeg .png .webp                           up to 15 MB  (course cover; resized to 1280x720 and 640x360)
 *   CAPTION     .vtt .srt (UTF-8)                               up to 2 MB   (SubRip converted to WebVTT)
 *   ATTACHMENT  .pdf .zip and text/code files (UTF-8)           up to 500 MB (downloaded with its original name)
 * Sizes are binary (1 MB = 1,048,576 bytes), as operating systems show them.
 * Files under 16 MB go in one presigned PUT; larger ones as an S3 multipart upload, to an upload
 * key under sources/ that the server copies to the asset's final key once verified (ADR 046).
 */

export const UPLOAD_KINDS = ["VIDEO", "IMAGE", "CAPTION", "ATTACHMENT"] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

export const KB = 1024;
export const MB = 1024 * KB;
export const GB = 1024 * MB;

/**
 * Lifetime of a presigned PUT or part URL: 15 minutes. The uploader asks for part URLs on
 * demand (a few at a time) and again when one is older than URL_REUSE_MS (components/uploads);
 * a URL still valid after completion can only write the upload key, which nothing reads then
 * (ADR 046).
 */
export const UPLOAD_URL_SECONDS = 15 * 60;

/** Files of at least this size go as a multipart upload; smaller ones as one presigned PUT. */
export const MULTIPART_THRESHOLD = 16 * MB;
/**
 * Multipart part sizes (ADR 055): DEFAULT_PART_SIZE up to TARGET_PARTS parts (512 MB), then grown
 * in whole MB to keep about TARGET_PARTS parts, up to LARGE_PART_SIZE (a retry resends at most
 * that much); grown beyond only when a file would need more than MAX_PARTS.
 */
export const DEFAULT_PART_SIZE = 8 * MB;
export const TARGET_PARTS = 64;
export const LARGE_PART_SIZE = 64 * MB;
/** S3: at most 10,000 parts, each at least 5 MB except the last, at most 5 GB. */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * MB;
export const MAX_PART_SIZE = 5 * GB;

/** Stored type of text attachments: never served as HTML/SVG/JS from the media origin. */
export const TEXT_PLAIN = "text/plain; charset=utf-8";

/** Declared types every extension accepts: browsers often do not know a file's type. */
const UNKNOWN_TYPES = ["", "application/octet-stream", "binary/octet-stream"];

interface ExtRule {
  /** Content-Type the object is stored with (never the browser's guess). */
  stored: string;
  /** Declared (browser) types that agree with the extension, besides unknown ones. */
  declared: string[] | "text";
  /** Expected contents for ATTACHMENT (magic-byte check, lib/uploads/sniff.ts). */
  contents?: "pdf" | "zip" | "text";
}

export interface KindRule {
  kind: UploadKind;
  /** "a video" / "videos", for messages. */
  noun: string;
  plural: string;
  maxBytes: number;
  extensions: Record<string, ExtRule>;
  /** For messages: "an MP4, MOV, WebM or MKV file". */
  choose: string;
  /** For hints under the file input: "MP4, MOV, WebM or MKV". */
  formats: string;
}

const TEXT_DECLARED = "text" as const;
const text = (): ExtRule => ({ stored: TEXT_PLAIN, declared: TEXT_DECLARED, contents: "text" });

/** Text and code files accepted as attachments (stored as text/plain, UTF-8 checked). */
export const TEXT_ATTACHMENT_EXTENSIONS = [
  "txt", "md", "markdown", "csv", "tsv", "json", "yaml", "yml", "toml", "ini", "xml", "log", "sql",
  "py", "ipynb", "r", "js", "mjs", "cjs", "ts", "tsx", "jsx", "java", "kt", "scala", "c", "h", "cpp", "hpp", "cc",
  "cs", "go", "rs", "rb", "php", "swift", "sh", "ps1", "html", "css", "scss",
] as const;

export const KIND_RULES: Record<UploadKind, KindRule> = {
  VIDEO: {
    kind: "VIDEO",
    formats: "MP4, MOV, WebM or MKV",
    noun: "a video",
    plural: "videos",
    maxBytes: 5 * GB,
    choose: "an MP4, MOV, WebM or MKV file",
    extensions: {
      mp4: { stored: "video/mp4", declared: ["video/mp4", "application/mp4"] },
      m4v: { stored: "video/x-m4v", declared: ["video/x-m4v", "video/mp4"] },
      mov: { stored: "video/quicktime", declared: ["video/quicktime"] },
      webm: { stored: "video/webm", declared: ["video/webm"] },
      mkv: { stored: "video/x-matroska", declared: ["video/x-matroska", "video/matroska", "application/x-matroska"] },
    },
  },
  IMAGE: {
    kind: "IMAGE",
    formats: "JPEG, PNG or WebP, at least 640×360 (shown at 16:9)",
    noun: "an image",
    plural: "images",
    maxBytes: 15 * MB,
    choose: "a JPEG, PNG or WebP image",
    extensions: {
      jpg: { stored: "image/jpeg", declared: ["image/jpeg", "image/pjpeg"] },
      jpeg: { stored: "image/jpeg", declared: ["image/jpeg", "image/pjpeg"] },
      png: { stored: "image/png", declared: ["image/png"] },
      webp: { stored: "image/webp", declared: ["image/webp"] },
    },
  },
  CAPTION: {
    kind: "CAPTION",
    formats: "WebVTT (.vtt) or SubRip (.srt), UTF-8",
    noun: "a caption file",
    plural: "caption files",
    maxBytes: 2 * MB,
    choose: "a WebVTT (.vtt) or SubRip (.srt) file",
    extensions: {
      vtt: { stored: "text/vtt", declared: ["text/vtt", "text/plain"] },
      srt: { stored: "application/x-subrip", declared: ["application/x-subrip", "application/srt", "text/srt", "text/plain"] },
    },
  },
  ATTACHMENT: {
    kind: "ATTACHMENT",
    formats: "PDF, ZIP, or text and code files (UTF-8)",
    noun: "an attachment",
    plural: "attachments",
    maxBytes: 500 * MB,
    choose: "a PDF, a ZIP archive or a text/code file (.txt, .md, .csv, .py, .js…)",
    extensions: {
      pdf: { stored: "application/pdf", declared: ["application/pdf", "application/x-pdf"], contents: "pdf" },
      zip: {
        stored: "application/zip",
        declared: ["application/zip", "application/x-zip-compressed", "application/x-zip", "multipart/x-zip"],
        contents: "zip",
      },
      ...Object.fromEntries(TEXT_ATTACHMENT_EXTENSIONS.map((e) => [e, text()])),
    },
  },
};

/** Application types that are text (for text/code attachments). */
const TEXTUAL_APPLICATION_TYPES = new Set([
  "application/json", "application/xml", "application/javascript", "application/x-javascript", "application/ecmascript",
  "application/typescript", "application/x-typescript", "application/sql", "application/x-sql", "application/x-sh", "application/x-shellscript",
  "application/x-yaml", "application/yaml", "application/toml", "application/x-ipynb+json", "application/x-httpd-php", "application/x-python",
  "application/x-python-code", "application/x-ruby", "application/rtf", "application/xhtml+xml", "application/ld+json", "application/x-subrip",
]);

/** Lower-case extension of a file name without the dot ("" when none). */
export function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : "";
}

/** Media type without parameters, lower case ("text/plain; charset=utf-8" -> "text/plain"). */
export function baseType(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

/** `accept` attribute for a file input of this kind. */
export function acceptAttribute(kind: UploadKind): string {
  return Object.keys(KIND_RULES[kind].extensions)
    .map((e) => `.${e}`)
    .join(",");
}

/** "6.2 GB", "15 MB", "812 KB", "17 bytes" (binary units, one decimal when not whole). */
export function formatBytes(bytes: number, digits = 1): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  if (bytes < KB) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units: [number, string][] = [
    [GB, "GB"],
    [MB, "MB"],
    [KB, "KB"],
  ];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const v = bytes / size;
      const fixed = v.toFixed(digits);
      const shown = Number.isInteger(Number(fixed)) ? String(Number(fixed)) : fixed;
      return `${shown} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}

/** "This file is 6.2 GB; videos can be at most 5 GB." (never "5 GB; … at most 5 GB"). */
export function tooLargeMessage(kind: UploadKind, bytes: number): string {
  const rule = KIND_RULES[kind];
  const limit = formatBytes(rule.maxBytes);
  let size = formatBytes(bytes);
  if (size === limit) size = formatBytes(bytes, 3);
  if (size === limit) {
    return `This file is ${bytes.toLocaleString("en-US")} bytes; ${rule.plural} can be at most ${limit} (${rule.maxBytes.toLocaleString("en-US")} bytes).`;
  }
  return `This file is ${size}; ${rule.plural} can be at most ${limit}.`;
}

export interface FileFacts {
  fileName: string;
  /** What the browser reported (File.type); may be empty. */
  contentType: string;
  bytes: number;
}

export type FileCheck =
  | { ok: true; ext: string; storedContentType: string; contents?: "pdf" | "zip" | "text"; transfer: "PUT" | "MULTIPART" }
  | { ok: false; field: "fileName" | "contentType" | "bytes"; message: string };

function declaredAgrees(rule: ExtRule, declared: string): boolean {
  const t = baseType(declared);
  if (UNKNOWN_TYPES.includes(t)) return true;
  if (rule.declared === TEXT_DECLARED) return t.startsWith("text/") || TEXTUAL_APPLICATION_TYPES.has(t);
  return rule.declared.includes(t);
}

/** Checks a file against the rules of its kind, before anything is sent. */
export function checkFile(kind: UploadKind, file: FileFacts): FileCheck {
  const rule = KIND_RULES[kind];
  const name = file.fileName.trim();
  const ext = extensionOf(name);
  const extRule = ext ? rule.extensions[ext] : undefined;
  if (!extRule) {
    return { ok: false, field: "fileName", message: `“${name}” cannot be uploaded as ${rule.noun}: choose ${rule.choose}.` };
  }
  if (!Number.isSafeInteger(file.bytes) || file.bytes < 0) {
    return { ok: false, field: "bytes", message: "The file size is not a whole number of bytes." };
  }
  if (file.bytes === 0) return { ok: false, field: "bytes", message: `“${name}” is empty.` };
  if (file.bytes > rule.maxBytes) return { ok: false, field: "bytes", message: tooLargeMessage(kind, file.bytes) };
  if (!declaredAgrees(extRule, file.contentType)) {
    return {
      ok: false,
      field: "contentType",
      message: `“${name}” is reported as ${baseType(file.contentType)}, which is not ${rule.noun} (.${ext}): choose ${rule.choose}.`,
    };
  }
  return {
    ok: true,
    ext,
    storedContentType: extRule.stored,
    contents: extRule.contents,
    transfer: file.bytes >= MULTIPART_THRESHOLD ? "MULTIPART" : "PUT",
  };
}

export interface PartPlan {
  partSize: number;
  partCount: number;
}

/** Part size (whole MB, 8–64 MB for about 64 parts) and count for a multipart upload of `bytes` (<= 10,000 parts). */
export function partPlan(bytes: number): PartPlan {
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new RangeError(`partPlan: invalid size ${bytes}`);
  const wholeMb = (n: number) => Math.ceil(n / MB) * MB;
  const preferred = Math.min(LARGE_PART_SIZE, Math.max(DEFAULT_PART_SIZE, wholeMb(bytes / TARGET_PARTS)));
  const partSize = Math.max(preferred, wholeMb(bytes / MAX_PARTS));
  if (partSize > MAX_PART_SIZE) throw new RangeError(`partPlan: ${bytes} bytes is larger than S3 allows`);
  return { partSize, partCount: Math.ceil(bytes / partSize) };
}

/** Byte range [start, end) of part `n` (1-based). */
export function partRange(plan: PartPlan, bytes: number, n: number): { start: number; end: number } {
  if (!Number.isInteger(n) || n < 1 || n > plan.partCount) throw new RangeError(`partRange: no part ${n}`);
  const start = (n - 1) * plan.partSize;
  return { start, end: Math.min(bytes, start + plan.partSize) };
}

export function partLength(plan: PartPlan, bytes: number, n: number): number {
  const { start, end } = partRange(plan, bytes, n);
  return end - start;
}

/** BCP 47-ish tag accepted for captions (same rule as the caption object key). */
export const LANGUAGE_PATTERN = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/;

/** Languages offered in the caption language select (tag -> label shown to students). */
export const CAPTION_LANGUAGES: { tag: string; label: string }[] = [
  { tag: "en", label: "English" },
  { tag: "es", label: "Español" },
  { tag: "fr", label: "Français" },
  { tag: "de", label: "Deutsch" },
  { tag: "it", label: "Italiano" },
  { tag: "pt-BR", label: "Português (Brasil)" },
  { tag: "pt-PT", label: "Português (Portugal)" },
  { tag: "nl", label: "Nederlands" },
  { tag: "pl", label: "Polski" },
  { tag: "sv", label: "Svenska" },
  { tag: "tr", label: "Türkçe" },
  { tag: "uk", label: "Українська" },
  { tag: "ru", label: "Русский" },
  { tag: "ar", label: "العربية" },
  { tag: "hi", label: "हिन्दी" },
  { tag: "ja", label: "日本語" },
  { tag: "ko", label: "한국어" },
  { tag: "zh-Hans", label: "中文（简体）" },
  { tag: "zh-Hant", label: "中文（繁體）" },
];

export function languageLabel(tag: string): string {
  return CAPTION_LANGUAGES.find((l) => l.tag.toLowerCase() === tag.toLowerCase())?.label ?? tag;
}
