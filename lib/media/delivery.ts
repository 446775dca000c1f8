import "server-only";
import { db } from "@/lib/db";
import { appConfig } from "@/lib/config";
import { assertLessonAllowed, canViewCourse, getLessonAccess, type CourseFacts, type LessonAccess, type Viewer } from "@/lib/access";
import { accessEvent, type AccessContext, type AccessEventKind } from "@/lib/audit/events";
import { recordAccessEvents, recordDenial } from "@/lib/audit/record";
import { NotFoundError } from "@/lib/errors";
import type { LessonMedia } from "@/lib/media/delivery-types";
import { contentDisposition } from "@/lib/storage/content-types";
import { parseRenditions } from "@/lib/assets/renditions";
import { rewritePlaylist } from "@/lib/media/hls";
import { signer } from "@/lib/cloudfront/instance";
import { storage } from "@/lib/storage/instance";
import { encodeUrlPath } from "@/lib/cloudfront/encode";
import { assertSafePrefix, lessonFolder, objectKeyToUrlPath, THUMBNAILS_SPRITE, THUMBNAILS_VTT } from "@/lib/storage/keys";

/**
 * The only way a page or route gets a media URL or cookie: each function asks lib/access
 * first (lessonMedia takes the decision the page already got from it), then signs. Nothing
 * here is stored; URLs are computed per request.
 *
 * Course media (not covers) is audited (ADR 047): each function records what it issued, and
 * streamingCookies/signedPlaylist what they refused, in one insert, with the request's
 * AccessContext (address, user agent, session) that the app layer passes in.
 *
 * Modes (MEDIA_DELIVERY):
 *  - cloudfront: canned-policy signed URLs for single objects (images, downloads) and a
 *    custom-policy wildcard on the lesson folder for HLS (signed cookies, or with
 *    MEDIA_HLS_AUTH=query one policy query appended to every playlist URI);
 *  - s3-presigned: presigned GETs, HLS through a playlist route that presigns each URI.
 */

export type { LessonMedia };

const media = () => appConfig().media;
const nowEpoch = () => Math.floor(Date.now() / 1000);

/**
 * Expiry on a grid of a tenth of the TTL, so every render within one step gives the same URL
 * (browser caches keep working, signatures can be reused). Rounded DOWN: a URL never lives
 * longer than the TTL — what bounds how long a revoked viewer keeps media already issued — and
 * at least nine tenths of it.
 */
export function windowedExpiry(ttlSeconds: number, now = nowEpoch()): number {
  const step = Math.max(1, Math.floor(ttlSeconds / 10));
  return Math.max(now + 1, Math.floor((now + ttlSeconds) / step) * step);
}

function mediaUrl(key: string): string {
  return `${media().baseUrl}${objectKeyToUrlPath(key)}`;
}

/** URL path of a folder (prefix ending in "/"), percent-encoded as the browser sends it. */
function folderUrlPath(prefix: string): string {
  assertSafePrefix(prefix);
  return `${new URL(media().baseUrl).pathname.replace(/\/$/, "")}/${encodeUrlPath(prefix)}`;
}

/** The wildcard resource covering everything in a folder. */
function folderResource(prefix: string): string {
  return `${new URL(media().baseUrl).origin}${folderUrlPath(prefix)}*`;
}

async function signObject(key: string, ttl: number, download?: { fileName: string }): Promise<string> {
  if (media().delivery === "s3-presigned") {
    return storage().presignGet(key, {
      expiresIn: ttl,
      responseContentDisposition: download ? contentDisposition(download.fileName) : undefined,
    });
  }
  // Content-Disposition is set on the object at upload time: nothing extra to sign.
  return signer().signUrl(mediaUrl(key), { expiresAt: windowedExpiry(ttl) });
}

/** Signed cover image URL for a course the viewer may see; null when there is no ready cover. */
export async function coverImageUrl(
  viewer: Viewer | null,
  course: CourseFacts,
  cover: { storageKey: string; status: string } | null | undefined,
): Promise<string | null> {
  if (!cover || cover.status !== "READY") return null;
  if (!canViewCourse(viewer, course)) return null;
  return signObject(cover.storageKey, media().ttl.image);
}

export type CourseWithCover = CourseFacts & { cover: { storageKey: string; status: string } | null };

/** Cover URLs for courses already loaded with their access facts and cover (no extra query). */
export async function coverUrls(viewer: Viewer | null, courses: CourseWithCover[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of courses) {
    const url = await coverImageUrl(viewer, c, c.cover);
    if (url) out.set(c.id, url);
  }
  return out;
}


/**
 * URLs for objects of one lesson's folder that share ONE signature: a custom policy on the
 * folder (stream lifetime) appended as a query, so posters, captions and thumbnails cost no extra signing
 * and stop working as soon as a revoked viewer's streaming does. s3-presigned mode presigns
 * each object.
 */
function lessonFolderSigner(courseId: string, lessonId: string): (key: string) => Promise<string> {
  const ttl = media().ttl.stream;
  if (media().delivery !== "cloudfront") return (key) => storage().presignGet(key, { expiresIn: ttl });
  let query: string | undefined;
  return async (key) => {
    query ??= signer().policyQuery({ resource: folderResource(lessonFolder(courseId, lessonId)), expiresAt: windowedExpiry(ttl) });
    return `${mediaUrl(key)}?${query}`;
  };
}

function masterFolder(storageKey: string): string {
  return storageKey.slice(0, storageKey.lastIndexOf("/") + 1);
}

/**
 * Everything the lesson page needs to play and download, for an entitled viewer only: it takes
 * the access decision the page already made (lib/access) and refuses (401/403) when it denies.
 * One query: the lesson's current video (whatever its status) and its ready captions and
 * attachments; one insert: a VIDEO_PAGE event for the player (manifest, poster and thumbnails:
 * one issue of the video's folder), one per caption and attachment URL.
 */
export async function lessonMedia(access: LessonAccess, viewer: Viewer | null, context: AccessContext): Promise<LessonMedia> {
  const lessonId = assertLessonAllowed(access).lesson.id;
  const assets = await db.asset.findMany({
    where: {
      OR: [{ videoOfLesson: { is: { id: lessonId } } }, { lessonId, status: "READY", kind: { in: ["ATTACHMENT", "CAPTION"] } }],
    },
    orderBy: { createdAt: "asc" },
  });
  // Only the first branch of the filter yields a VIDEO row: the lesson's current video.
  const current = assets.find((a) => a.kind === "VIDEO");
  const attachments = await Promise.all(
    assets
      .filter((a) => a.kind === "ATTACHMENT")
      .map(async (a) => ({
        id: a.id,
        fileName: a.fileName ?? "download",
        bytes: a.bytes === null ? null : Number(a.bytes),
        url: await signObject(a.storageKey, media().ttl.download, { fileName: a.fileName ?? "download" }),
      })),
  );
  const video = current?.status === "READY" ? current : null;
  // Poster, thumbnails and captions live in the lesson's folder: one folder policy signs them all.
  const inFolder = lessonFolderSigner(access.course.id, lessonId);
  const captions = video
    ? await Promise.all(
        assets
          .filter((a) => a.kind === "CAPTION" && a.storageKey.startsWith(masterFolder(video.storageKey)))
          .map(async (a) => ({
            language: a.language ?? "en",
            label: a.label ?? a.language ?? "Captions",
            url: await inFolder(a.storageKey),
          })),
      )
    : [];
  let videoOut: LessonMedia["video"] = null;
  if (video) {
    const folder = masterFolder(video.storageKey);
    const posterKey = `${folder}poster.jpg`;
    const auth: "cookies" | "query" | "presigned" =
      media().delivery === "s3-presigned" ? "presigned" : media().hlsAuth === "query" ? "query" : "cookies";
    videoOut = {
      assetId: video.id,
      manifestUrl: auth === "cookies" ? mediaUrl(video.storageKey) : `/api/lessons/${lessonId}/hls/${video.storageKey.slice(folder.length)}`,
      auth,
      posterUrl: await inFolder(posterKey),
      thumbnails: video.hasThumbnails
        ? { vttUrl: await inFolder(`${folder}${THUMBNAILS_VTT}`), spriteUrl: await inFolder(`${folder}${THUMBNAILS_SPRITE}`) }
        : null,
      durationSeconds: video.durationSeconds,
      renditions: parseRenditions(video.renditions).map(({ name, width, height, bandwidth }) => ({ name, width, height, bandwidth })),
    };
  }
  const issued: AccessEventKind[] = [
    ...(videoOut ? ["VIDEO_PAGE" as const] : []),
    ...captions.map(() => "CAPTION" as const),
    ...attachments.map(() => "ATTACHMENT" as const),
  ];
  const at = new Date();
  await recordAccessEvents(issued.map((kind) => accessEvent(viewer, access, kind, context, at)));
  return { video: videoOut, captions, attachments };
}

/** The viewer's access to the lesson; a refusal is recorded as `kind`, then thrown (401/403). */
async function requireAuditedLessonAccess(viewer: Viewer | null, lessonId: string, kind: AccessEventKind, context: AccessContext): Promise<LessonAccess> {
  const access = await getLessonAccess(viewer, lessonId);
  await recordDenial(viewer, access, kind, context);
  return assertLessonAllowed(access);
}

export interface StreamingCookie {
  name: string;
  value: string;
  path: string;
  domain?: string;
  secure: boolean;
  httpOnly: true;
  sameSite: "lax";
  expires: Date;
}

/**
 * Signed cookies (custom policy, wildcard on the lesson's folder) for an entitled viewer.
 * Throws (401/403/404) otherwise, so a revoked enrolment stops at the next refresh. Each issue
 * and each refusal is a STREAM_SESSION event.
 */
export async function streamingCookies(
  viewer: Viewer | null,
  lessonId: string,
  context: AccessContext,
): Promise<{ cookies: StreamingCookie[]; expiresAt: number }> {
  const access = await requireAuditedLessonAccess(viewer, lessonId, "STREAM_SESSION", context);
  if (media().delivery !== "cloudfront") throw new NotFoundError("Signed cookies are not used in this delivery mode.");
  const folder = lessonFolder(access.course.id, lessonId);
  const expiresAt = nowEpoch() + media().ttl.stream;
  const values = signer().signedCookies({ resource: folderResource(folder), expiresAt });
  const base = new URL(media().baseUrl);
  const path = folderUrlPath(folder);
  const cookies = Object.entries(values).map(([name, value]) => ({
    name,
    value,
    path,
    domain: media().cookieDomain,
    secure: base.protocol === "https:",
    httpOnly: true as const,
    sameSite: "lax" as const,
    // The browser may drop the cookie when the policy expires; the policy itself is what the edge checks.
    expires: new Date(expiresAt * 1000),
  }));
  await recordAccessEvents([accessEvent(viewer, access, "STREAM_SESSION", context)]);
  return { cookies, expiresAt };
}

/**
 * A playlist of the lesson's current video with every URI signed (cookie-less CloudFront
 * mode: one policy query on the folder; s3-presigned mode: a presigned GET per segment).
 * Nested playlists point back to this route so they get rewritten too. Each playlist issued
 * and each refusal is a PLAYLIST event.
 */
export async function signedPlaylist(viewer: Viewer | null, lessonId: string, relativePath: string, context: AccessContext): Promise<string> {
  const access = await requireAuditedLessonAccess(viewer, lessonId, "PLAYLIST", context);
  const lesson = await db.lesson.findUniqueOrThrow({ where: { id: lessonId }, select: { video: true } });
  const video = lesson.video;
  if (!video || video.status !== "READY") throw new NotFoundError("This lesson has no video.");
  const folder = masterFolder(video.storageKey);
  if (!/^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_.-]+)*\.m3u8$/.test(relativePath) || relativePath.includes("..")) {
    throw new NotFoundError("Playlist not found.");
  }
  const key = `${folder}${relativePath}`;
  let text: string;
  try {
    const obj = await storage().getObject(key);
    text = await streamToString(obj.body);
  } catch {
    throw new NotFoundError("Playlist not found.");
  }
  const ttl = media().ttl.stream;
  const lessonPrefix = lessonFolder(access.course.id, lessonId);
  const query =
    media().delivery === "cloudfront"
      ? signer().policyQuery({ resource: folderResource(lessonPrefix), expiresAt: windowedExpiry(ttl) })
      : null;
  const segments: Promise<string>[] = [];
  const placeholders: string[] = [];
  const rewritten = rewritePlaylist(text, key, (ref) => {
    if (!ref.path || !ref.path.startsWith(folder)) return ref.raw; // foreign or absolute URIs stay as they are
    if (ref.kind === "playlist") return `/api/lessons/${lessonId}/hls/${ref.path.slice(folder.length)}`;
    if (query) return `${mediaUrl(ref.path)}?${query}`;
    const token = `\u0000${placeholders.length}\u0000`;
    placeholders.push(token);
    segments.push(storage().presignGet(ref.path, { expiresIn: ttl }));
    return token;
  });
  const urls = await Promise.all(segments);
  await recordAccessEvents([accessEvent(viewer, access, "PLAYLIST", context)]);
  return placeholders.reduce((out, token, i) => out.replace(token, urls[i]), rewritten);
}

async function streamToString(body: NodeJS.ReadableStream | ReadableStream | AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
