import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext as ctx } from "../support/audit";
import { startMediaEnv, MASTER, MEDIA } from "../support/media-fixture";

// Environment first, then the modules that read it.
const media = await startMediaEnv({ MEDIA_DELIVERY: "cloudfront", MEDIA_HLS_AUTH: "query", MEDIA_TTL_STREAM_SECONDS: "60" });
const { db } = await import("@/lib/db");
const { createCourse, createUser, enrol } = await import("../support/factories");
const delivery = await import("@/lib/media/delivery");
const { getLessonAccess } = await import("@/lib/access");
const { storage } = await import("@/lib/storage/instance");
const { lessonVideoObjectKey, lessonVideoMasterKey, courseCoverKey } = await import("@/lib/storage/keys");
const { verifyRequest } = await import("@/lib/cloudfront/verify");
const { ForbiddenError, UnauthenticatedError } = await import("@/lib/errors");
const { signingCacheStats } = await import("@/lib/cloudfront/instance");
const { createEdgeServer } = await import("@/edge/server");
const { closeServer, listen } = await import("../support/edge-fixture");
const { parseThumbnailsVtt } = await import("@/lib/media/thumbnails-vtt");
const { planThumbnails, thumbnailsVtt } = await import("@/worker/plan");

let lessonId: string;
let otherLessonId: string;
let courseId: string;
let videoId: string;
/** Ids of the people the tests ask about. */
const u = { instructor: "", student: "", newcomer: "", expired: "" };

const now = () => Math.floor(Date.now() / 1000);
const viewer = (id: string) => ({ id, role: "STUDENT" as const });

beforeAll(async () => {
  // A published paid course with two lessons that are not previews; the student is enrolled,
  // the newcomer is not, the expired student's enrolment ended yesterday.
  const instructor = await createUser(db, { role: "INSTRUCTOR" });
  const course = await createCourse(db, { instructor, lessons: [{ title: "Signed URLs and signed cookies" }, { title: "Rotating signing keys" }] });
  courseId = course.id;
  [lessonId, otherLessonId] = course.lessons.map((l) => l.id);
  u.instructor = instructor.id;
  u.student = (await createUser(db)).id;
  u.newcomer = (await createUser(db)).id;
  u.expired = (await createUser(db)).id;
  await enrol(db, { id: u.student }, course, "active");
  await enrol(db, { id: u.expired }, course, "expired");
  const asset = await db.asset.create({ data: { kind: "VIDEO", status: "READY", courseId, lessonId, storageKey: "pending", contentType: "application/vnd.apple.mpegurl" } });
  videoId = asset.id;
  const st = storage();
  await st.ensureBucket();
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, asset.id, "master.m3u8"), Buffer.from(MASTER), { contentType: "application/vnd.apple.mpegurl" });
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, asset.id, "360p/index.m3u8"), Buffer.from(MEDIA), { contentType: "application/vnd.apple.mpegurl" });
  await db.asset.update({ where: { id: asset.id }, data: { storageKey: lessonVideoMasterKey(courseId, lessonId, asset.id) } });
  await db.lesson.update({ where: { id: lessonId }, data: { videoAssetId: asset.id } });
  const cover = await db.asset.create({ data: { kind: "IMAGE", status: "READY", courseId, storageKey: "pending", contentType: "image/jpeg" } });
  await db.asset.update({ where: { id: cover.id }, data: { storageKey: courseCoverKey(courseId, cover.id, "jpg") } });
  await db.course.update({ where: { id: courseId }, data: { coverAssetId: cover.id } });
});

afterAll(async () => {
  await media.stop();
});

describe("cloudfront delivery", () => {
  it("signs cover URLs that the edge verifier accepts, for anyone who may see the course", async () => {
    const facts = async () => {
      const c = await db.course.findUniqueOrThrow({
        where: { id: courseId },
        select: { id: true, published: true, isFree: true, instructors: { select: { userId: true } }, cover: { select: { storageKey: true, status: true } } },
      });
      return [{ ...c, instructorIds: c.instructors.map((i) => i.userId) }];
    };
    const urls = await delivery.coverUrls(null, await facts());
    const url = urls.get(courseId)!;
    expect(url).toMatch(/^http:\/\/localhost:4999\/courses\/.+\/cover\/.+\.jpg\?Expires=\d+&Key-Pair-Id=KTESTKEY&Signature=/);
    const d = verifyRequest({ url, cookies: {}, sourceIp: "127.0.0.1", now: now() }, { trustedKeys: media.trustedKeys });
    expect(d.ok).toBe(true);
    // A draft's cover is not signed for outsiders.
    await db.course.update({ where: { id: courseId }, data: { published: false } });
    expect((await delivery.coverUrls(null, await facts())).size).toBe(0);
    expect((await delivery.coverUrls({ id: u.instructor, role: "INSTRUCTOR" }, await facts())).size).toBe(1);
    await db.course.update({ where: { id: courseId }, data: { published: true } });
    // Rendered again within the expiry window: the same URL, from the signature cache.
    const before = signingCacheStats();
    expect((await delivery.coverUrls(null, await facts())).get(courseId)).toBe(url);
    expect(signingCacheStats()).toMatchObject({ hits: before.hits + 1, misses: before.misses });
  });

  it("issues lesson-folder cookies only to the entitled, and they open only that lesson", async () => {
    await expect(delivery.streamingCookies(null, lessonId, ctx)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(delivery.streamingCookies(viewer(u.newcomer), lessonId, ctx)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(delivery.streamingCookies(viewer(u.expired), lessonId, ctx)).rejects.toBeInstanceOf(ForbiddenError);
    const { cookies, expiresAt } = await delivery.streamingCookies(viewer(u.student), lessonId, ctx);
    expect(expiresAt - now()).toBeGreaterThan(50);
    const jar = Object.fromEntries(cookies.map((c) => [c.name, c.value]));
    expect(Object.keys(jar).sort()).toEqual(["CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature"]);
    const folder = `/courses/${courseId}/lessons/${lessonId}/`;
    expect(cookies.every((c) => c.path === folder && c.httpOnly && c.sameSite === "lax" && !c.secure)).toBe(true);
    const check = (p: string) => verifyRequest({ url: `http://localhost:4999${p}`, cookies: jar, sourceIp: "127.0.0.1", now: now() }, { trustedKeys: media.trustedKeys });
    expect(check(`${folder}video/x/360p/seg_000.ts`).ok).toBe(true);
    expect(check(`/courses/${courseId}/lessons/${otherLessonId}/video/x/360p/seg_000.ts`)).toMatchObject({ ok: false, code: "AccessDenied" });
  });

  it("lessonMedia gives the player the edge manifest only when allowed", async () => {
    await expect(delivery.lessonMedia(await getLessonAccess(viewer(u.newcomer), lessonId), viewer(u.newcomer), ctx)).rejects.toBeInstanceOf(ForbiddenError);
    const m = await delivery.lessonMedia(await getLessonAccess(viewer(u.student), lessonId), viewer(u.student), ctx);
    expect(m.video?.auth).toBe("query");
    expect(m.video?.manifestUrl).toBe(`/api/lessons/${lessonId}/hls/master.m3u8`);
    // The poster is signed with the lesson's folder policy, and a second render reuses it.
    const before = signingCacheStats();
    const again = await delivery.lessonMedia(await getLessonAccess(viewer(u.student), lessonId), viewer(u.student), ctx);
    expect(again.video?.posterUrl).toBe(m.video?.posterUrl);
    expect(again.video?.posterUrl).toMatch(/\?Policy=[^&]+&Key-Pair-Id=KTESTKEY&Signature=/);
    expect(signingCacheStats()).toMatchObject({ misses: before.misses });
  });

  it("offers the thumbnails track and sprite only when the worker wrote them, under the poster's folder signature", async () => {
    const student = viewer(u.student);
    const render = async () => (await delivery.lessonMedia(await getLessonAccess(student, lessonId), student, ctx)).video!;
    expect((await render()).thumbnails).toBeNull(); // a video without them (older worker, demo seed)

    const plan = planThumbnails(4, { width: 640, height: 360 }, { every: 1 });
    const vtt = thumbnailsVtt(plan, 4);
    const sprite = Buffer.from("not really a jpeg");
    await storage().putObject(lessonVideoObjectKey(courseId, lessonId, videoId, "thumbnails.vtt"), Buffer.from(vtt), { contentType: "text/vtt; charset=utf-8" });
    await storage().putObject(lessonVideoObjectKey(courseId, lessonId, videoId, "thumbnails.jpg"), sprite, { contentType: "image/jpeg" });
    await db.asset.update({ where: { id: videoId }, data: { hasThumbnails: true } });

    const events = () => db.accessEvent.groupBy({ by: ["kind"], where: { lessonId }, _count: true });
    const eventsBefore = await events();
    const before = signingCacheStats();
    const video = await render();
    const after = signingCacheStats();
    const { vttUrl, spriteUrl } = video.thumbnails!;
    const folder = `http://localhost:4999/courses/${courseId}/lessons/${lessonId}/video/${videoId}/`;
    expect(vttUrl.startsWith(`${folder}thumbnails.vtt?Policy=`)).toBe(true);
    expect(spriteUrl.startsWith(`${folder}thumbnails.jpg?Policy=`)).toBe(true);
    // One folder signature for poster, track and sprite: one signer call for the whole render.
    const query = new URL(video.posterUrl!).search;
    expect(new URL(vttUrl).search).toBe(query);
    expect(new URL(spriteUrl).search).toBe(query);
    expect(after.hits + after.misses - (before.hits + before.misses)).toBe(1);
    // Still one VIDEO_PAGE event for the player, nothing else.
    const counts = Object.fromEntries((await events()).map((e) => [e.kind, e._count]));
    const countsBefore = Object.fromEntries(eventsBefore.map((e) => [e.kind, e._count]));
    expect(counts).toEqual({ ...countsBefore, VIDEO_PAGE: (countsBefore.VIDEO_PAGE ?? 0) + 1 });

    for (const url of [vttUrl, spriteUrl]) {
      expect(verifyRequest({ url, cookies: {}, sourceIp: "127.0.0.1", now: now() }, { trustedKeys: media.trustedKeys })).toMatchObject({ ok: true, via: "url" });
    }
    // The edge serves both to a plain cross-origin fetch (no cookies) from the app's origin.
    const edge = createEdgeServer({
      trustedKeys: media.trustedKeys,
      storage: storage(),
      publicBaseUrl: "http://localhost:4999",
      corsOrigins: ["http://localhost:3000"],
      publicPrefixes: ["public/"],
      onError: () => {},
    });
    const port = await listen(edge);
    try {
      const viaEdge = (url: string) => fetch(`http://127.0.0.1:${port}${url.slice("http://localhost:4999".length)}`, { headers: { origin: "http://localhost:3000" } });
      const track = await viaEdge(vttUrl);
      expect(track.status).toBe(200);
      expect(track.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
      expect(track.headers.get("content-type")).toMatch(/^text\/vtt/);
      expect(parseThumbnailsVtt(await track.text())).toHaveLength(plan.count);
      const image = await viaEdge(spriteUrl);
      expect(image.status).toBe(200);
      expect(Buffer.from(await image.arrayBuffer())).toEqual(sprite);
      // The signature covers this lesson's folder only.
      const otherLesson = vttUrl.replace(`/lessons/${lessonId}/`, `/lessons/${otherLessonId}/`);
      expect((await viaEdge(otherLesson)).status).toBe(403);
    } finally {
      await closeServer(edge);
    }

    // Nothing for a viewer who may not watch.
    await expect(delivery.lessonMedia(await getLessonAccess(viewer(u.newcomer), lessonId), viewer(u.newcomer), ctx)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(delivery.lessonMedia(await getLessonAccess(viewer(u.expired), lessonId), viewer(u.expired), ctx)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(delivery.lessonMedia(await getLessonAccess(null, lessonId), null, ctx)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("cookie-less playlists carry one verifiable policy on every URI, nested playlists come back to the route", async () => {
    const master = await delivery.signedPlaylist(viewer(u.student), lessonId, "master.m3u8", ctx);
    expect(master).toContain(`/api/lessons/${lessonId}/hls/360p/index.m3u8`);
    const media2 = await delivery.signedPlaylist(viewer(u.student), lessonId, "360p/index.m3u8", ctx);
    const uris = media2.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(uris).toHaveLength(2);
    const queries = new Set(uris.map((u) => new URL(u).search));
    expect(queries.size).toBe(1); // one signature for the whole folder
    for (const u of uris) {
      expect(u).toMatch(/\?Policy=[^&]+&Key-Pair-Id=KTESTKEY&Signature=/);
      expect(verifyRequest({ url: u, cookies: {}, sourceIp: "127.0.0.1", now: now() }, { trustedKeys: media.trustedKeys }).ok).toBe(true);
    }
    await expect(delivery.signedPlaylist(viewer(u.newcomer), lessonId, "master.m3u8", ctx)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(delivery.signedPlaylist(viewer(u.student), lessonId, "../../secret.m3u8", ctx)).rejects.toThrow(/not found/i);
  });
});
