/**
 * Object keys for course media, derived from ids only (never from user-supplied
 * file names), so that one CloudFront wildcard policy can cover exactly one
 * lesson's folder and nothing else.
 *
 * Pure: no I/O, no `server-only`, safe to import from the edge, the worker, the
 * app and unit tests.
 *
 * Layout (bucket root):
 *   public/courses/<courseId>/cover/<assetId>.<ext>           unsigned (marketing) behaviour
 *   courses/<courseId>/lessons/<lessonId>/                    one lesson = one signed folder
 *     video/<assetId>/master.m3u8, <rendition>/..., poster.jpg, thumbnails.jpg + thumbnails.vtt
 *     video/<assetId>/captions/<lang>.vtt
 *     attachments/<assetId>.<ext>
 *   sources/courses/<courseId>/<assetId>.<ext>                what browsers upload (presigned PUTs): nothing serves,
 *                                                             transcodes or reads it but the completion step, which copies it
 *   originals/courses/<courseId>/<assetId>                    a video's verified original (the server's copy): read by
 *                                                             the worker only; never signed for viewers (ADR 046)
 */

import { encodeUrlPath } from "@/lib/cloudfront/encode";

/** Keys and ids that may not be stored. */
export class InvalidObjectKeyError extends Error {
  readonly key: string;
  constructor(message: string, key: string) {
    super(message);
    this.name = "InvalidObjectKeyError";
    this.key = key;
  }
}

/** S3's own limit on a key (UTF-8 bytes). */
export const MAX_KEY_BYTES = 1024;

/** Ids (course, lesson, asset, rendition) that may appear as one key segment. */
export const SAFE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const EXT_PATTERN = /^[a-z0-9]{1,16}$/;
/** BCP 47-ish language tag for captions, e.g. `en`, `pt-BR`, `zh-Hant`. */
const LANG_PATTERN = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/;
/** One segment of a path inside a video folder produced by the worker (e.g. `seg_00001.ts`). */
const FILE_SEGMENT_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Prefix served without signatures by the edge / a second CloudFront behaviour. */
export const PUBLIC_PREFIX = "public/";
/** What browsers upload to (presigned URLs); never served (ADR 046). */
export const SOURCES_PREFIX = "sources/";
/** Verified video originals, copied by the server; read by the worker only, never served (ADR 046). */
export const ORIGINALS_PREFIX = "originals/";

const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

function describe(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown);
}

/**
 * Refuses keys that could escape a folder, be rewritten by a URL parser, or be
 * rejected by S3: `.`/`..` segments, a leading `/`, empty segments (`a//b`, a
 * trailing `/`), backslashes, control characters, ill-formed UTF-16 and more than
 * 1,024 UTF-8 bytes.
 */
export function assertSafeKey(key: string): void {
  checkPath(key, false);
}

/**
 * Like {@link assertSafeKey} for a folder prefix: must be non-empty and may (and
 * for deletions should) end with `/`.
 */
export function assertSafePrefix(prefix: string): void {
  checkPath(prefix, true);
}

function checkPath(key: string, isPrefix: boolean): void {
  const what = isPrefix ? "prefix" : "key";
  if (typeof key !== "string" || key.length === 0) {
    throw new InvalidObjectKeyError(`Invalid object ${what}: empty`, String(key));
  }
  if (!key.isWellFormed()) {
    throw new InvalidObjectKeyError(`Invalid object ${what} ${describe(key)}: ill-formed Unicode`, key);
  }
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    throw new InvalidObjectKeyError(
      `Invalid object ${what} ${describe(key)}: longer than ${MAX_KEY_BYTES} UTF-8 bytes`,
      key,
    );
  }
  if (CONTROL_CHARS.test(key)) {
    throw new InvalidObjectKeyError(`Invalid object ${what} ${describe(key)}: control character`, key);
  }
  if (key.includes("\\")) {
    throw new InvalidObjectKeyError(`Invalid object ${what} ${describe(key)}: backslash`, key);
  }
  if (key.startsWith("/")) {
    throw new InvalidObjectKeyError(`Invalid object ${what} ${describe(key)}: leading "/"`, key);
  }
  const segments = key.split("/");
  if (isPrefix && segments[segments.length - 1] === "") segments.pop();
  for (const segment of segments) {
    if (segment === "") {
      throw new InvalidObjectKeyError(`Invalid object ${what} ${describe(key)}: empty path segment`, key);
    }
    if (segment === "." || segment === "..") {
      throw new InvalidObjectKeyError(`Invalid object ${what} ${describe(key)}: "${segment}" segment`, key);
    }
  }
}

/** Throws unless `id` matches {@link SAFE_ID_PATTERN}. */
export function assertSafeId(id: string, what = "id"): void {
  if (typeof id !== "string" || !SAFE_ID_PATTERN.test(id)) {
    throw new InvalidObjectKeyError(`Invalid ${what} ${describe(String(id))}: must match ${SAFE_ID_PATTERN}`, String(id));
  }
}

function normaliseExt(ext: string): string {
  const e = String(ext).replace(/^\./, "").toLowerCase();
  if (!EXT_PATTERN.test(e)) {
    throw new InvalidObjectKeyError(`Invalid file extension ${describe(String(ext))}: must match ${EXT_PATTERN}`, String(ext));
  }
  return e;
}

/** `courses/<courseId>/` */
export function courseFolder(courseId: string): string {
  assertSafeId(courseId, "courseId");
  return `courses/${courseId}/`;
}

/** `courses/<courseId>/cover/<assetId>.<ext>` */
export function courseCoverKey(courseId: string, assetId: string, ext: string): string {
  assertSafeId(assetId, "assetId");
  // Signed like all course media: a draft's cover is not public, and the app renders a
  // canned-policy URL for viewers who may see the course.
  return `${courseFolder(courseId)}cover/${assetId}.${normaliseExt(ext)}`;
}

/** `courses/<courseId>/lessons/<lessonId>/`: the folder one signed cookie policy grants. */
export function lessonFolder(courseId: string, lessonId: string): string {
  assertSafeId(lessonId, "lessonId");
  return `${courseFolder(courseId)}lessons/${lessonId}/`;
}

/** `courses/<courseId>/lessons/<lessonId>/video/<assetId>/` */
export function lessonVideoPrefix(courseId: string, lessonId: string, assetId: string): string {
  assertSafeId(assetId, "assetId");
  return `${lessonFolder(courseId, lessonId)}video/${assetId}/`;
}

/**
 * A file the worker writes inside a video folder, e.g. `master.m3u8`,
 * `720p/index.m3u8`, `720p/seg_00001.ts`, `poster.jpg`. Each segment must be a
 * plain file name (letters, digits, `._-`, not starting with a dot).
 */
export function lessonVideoObjectKey(courseId: string, lessonId: string, assetId: string, relativePath: string): string {
  const prefix = lessonVideoPrefix(courseId, lessonId, assetId);
  const segments = String(relativePath).split("/");
  if (segments.length > 8 || segments.some((s) => !FILE_SEGMENT_PATTERN.test(s))) {
    throw new InvalidObjectKeyError(`Invalid path inside a video folder ${describe(String(relativePath))}`, String(relativePath));
  }
  const key = prefix + segments.join("/");
  assertSafeKey(key);
  return key;
}

/**
 * The thumbnail sprite and its WebVTT index (`thumbnails.jpg#xywh=x,y,w,h` cues, relative to the
 * VTT) the worker writes in a video folder (worker/plan.ts `thumbnailsVtt`), next to the master.
 */
export const THUMBNAILS_SPRITE = "thumbnails.jpg";
export const THUMBNAILS_VTT = "thumbnails.vtt";

/** `.../video/<assetId>/master.m3u8` */
export function lessonVideoMasterKey(courseId: string, lessonId: string, assetId: string): string {
  return lessonVideoObjectKey(courseId, lessonId, assetId, "master.m3u8");
}

/** `.../video/<assetId>/poster.<ext>` */
export function lessonVideoPosterKey(courseId: string, lessonId: string, assetId: string, ext = "jpg"): string {
  return lessonVideoObjectKey(courseId, lessonId, assetId, `poster.${normaliseExt(ext)}`);
}

/** `.../video/<videoAssetId>/captions/<lang>.vtt`: inside the video folder, so the same cookie covers it. */
export function lessonCaptionKey(courseId: string, lessonId: string, videoAssetId: string, lang: string): string {
  if (typeof lang !== "string" || !LANG_PATTERN.test(lang)) {
    throw new InvalidObjectKeyError(`Invalid caption language ${describe(String(lang))}`, String(lang));
  }
  return `${lessonVideoPrefix(courseId, lessonId, videoAssetId)}captions/${lang}.vtt`;
}

/** `courses/<courseId>/lessons/<lessonId>/attachments/<assetId>.<ext>` (display name goes in Content-Disposition). */
export function lessonAttachmentKey(courseId: string, lessonId: string, assetId: string, ext: string): string {
  assertSafeId(assetId, "assetId");
  return `${lessonFolder(courseId, lessonId)}attachments/${assetId}.${normaliseExt(ext)}`;
}

/**
 * `sources/courses/<courseId>/<assetId>.<ext>`: where the browser uploads, outside every folder
 * a viewer is signed for. Writable with the upload's presigned URLs until they expire, so
 * never served or transcoded: completion copies it to the asset's final key (ADR 046).
 */
export function sourceUploadKey(courseId: string, assetId: string, ext: string): string {
  assertSafeId(courseId, "courseId");
  assertSafeId(assetId, "assetId");
  return `${SOURCES_PREFIX}courses/${courseId}/${assetId}.${normaliseExt(ext)}`;
}

/**
 * `originals/courses/<courseId>/<assetId>`: a video's verified original, the server's copy
 * of its upload (no presigned URL ever names it). The worker transcodes from it and nothing
 * else; kept while the asset lives (a retry transcodes it again).
 */
export function videoOriginalKey(courseId: string, assetId: string): string {
  assertSafeId(courseId, "courseId");
  assertSafeId(assetId, "assetId");
  return `${ORIGINALS_PREFIX}courses/${courseId}/${assetId}`;
}

/** True when the key lies under the unsigned public prefix. */
export function isPublicKey(key: string): boolean {
  return key.startsWith(PUBLIC_PREFIX);
}

/**
 * URL path (with leading `/`) for an object key, percent-encoded once with the signer's
 * encoder (`encodeUrlPath`). Sign exactly this path: CloudFront matches the URL literally.
 * Keys built from ids contain nothing to encode.
 */
export function objectKeyToUrlPath(key: string): string {
  assertSafeKey(key);
  return "/" + encodeUrlPath(key);
}

/**
 * Inverse of {@link objectKeyToUrlPath} for a raw (undecoded) request path: strips the
 * leading `/`, percent-decodes once and checks the result with {@link assertSafeKey}.
 * No dot-segment normalisation (a `..` segment, encoded or not, is refused).
 */
export function urlPathToObjectKey(rawPath: string): string {
  if (!rawPath.startsWith("/")) {
    throw new InvalidObjectKeyError(`Invalid request path ${describe(rawPath)}: must start with "/"`, rawPath);
  }
  let key: string;
  try {
    key = decodeURIComponent(rawPath.slice(1));
  } catch {
    throw new InvalidObjectKeyError(`Invalid request path ${describe(rawPath)}: malformed percent-encoding`, rawPath);
  }
  assertSafeKey(key);
  return key;
}
