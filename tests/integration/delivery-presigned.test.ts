import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext as ctx } from "../support/audit";
import { startMediaEnv, MASTER, MEDIA } from "../support/media-fixture";

const media = await startMediaEnv({ MEDIA_DELIVERY: "s3-presigned" });
const { db } = await import("@/lib/db");
const { createCourse, createUser, enrol } = await import("../support/factories");
const delivery = await import("@/lib/media/delivery");
const { getLessonAccess } = await import("@/lib/access");
const { storage } = await import("@/lib/storage/instance");
const { lessonVideoObjectKey, lessonVideoMasterKey, lessonAttachmentKey } = await import("@/lib/storage/keys");
const { ForbiddenError } = await import("@/lib/errors");
const { contentDisposition } = await import("@/lib/storage/content-types");

type Viewer = { id: string; role: "STUDENT" };
let student: Viewer;
let revoked: Viewer;
let lessonId: string;
let courseId: string;
let videoId: string;

beforeAll(async () => {
  // A free course whose second lesson is not a preview: an enrolment is what opens it.
  const instructor = await createUser(db, { role: "INSTRUCTOR" });
  const course = await createCourse(db, { instructor, isFree: true, lessons: [{ isFreePreview: true }, { title: "Members' lesson" }] });
  courseId = course.id;
  lessonId = course.lessons[1].id;
  student = { id: (await createUser(db)).id, role: "STUDENT" };
  revoked = { id: (await createUser(db)).id, role: "STUDENT" };
  await enrol(db, student, course, "active");
  await enrol(db, revoked, course, "revoked");
  const st = storage();
  await st.ensureBucket();
  const asset = await db.asset.create({ data: { kind: "VIDEO", status: "READY", courseId, lessonId, storageKey: lessonVideoMasterKey(courseId, lessonId, "vid1"), contentType: "application/vnd.apple.mpegurl" } });
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "master.m3u8"), Buffer.from(MASTER), { contentType: "application/vnd.apple.mpegurl" });
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "360p/index.m3u8"), Buffer.from(MEDIA), { contentType: "application/vnd.apple.mpegurl" });
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "360p/seg_000.ts"), Buffer.from("segment-zero"), { contentType: "video/mp2t" });
  await db.lesson.update({ where: { id: lessonId }, data: { videoAssetId: asset.id } });
  videoId = asset.id;
  const att = await db.asset.create({ data: { kind: "ATTACHMENT", status: "READY", courseId, lessonId, storageKey: lessonAttachmentKey(courseId, lessonId, "att1", "txt"), contentType: "text/plain", fileName: "Notes é.txt" } });
  await st.putObject(att.storageKey, Buffer.from("notes"), { contentType: "text/plain", contentDisposition: contentDisposition("Notes é.txt") });
});

afterAll(async () => {
  await media.stop();
});

describe("s3-presigned delivery", () => {
  it("presigns downloads and playlist segments, and fetching them works", async () => {
    const m = await delivery.lessonMedia(await getLessonAccess(student, lessonId), student, ctx);
    expect(m.video?.auth).toBe("presigned");
    const att = m.attachments[0];
    expect(att.url).toContain("X-Amz-Signature=");
    expect(att.url).toContain("response-content-disposition=");
    const res = await fetch(att.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("notes");

    const playlist = await delivery.signedPlaylist(student, lessonId, "360p/index.m3u8", ctx);
    const uris = playlist.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(uris).toHaveLength(2);
    expect(uris.every((u) => u.includes("X-Amz-Signature="))).toBe(true);
    expect(new Set(uris).size).toBe(2);
    const seg = await fetch(uris[0]);
    expect(await seg.text()).toBe("segment-zero");
  });

  it("presigns the thumbnails track and sprite one by one, only for a video that has them", async () => {
    const render = async () => (await delivery.lessonMedia(await getLessonAccess(student, lessonId), student, ctx)).video!;
    expect((await render()).thumbnails).toBeNull();
    const st = storage();
    await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "thumbnails.vtt"), Buffer.from("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nthumbnails.jpg#xywh=0,0,160,90\n"), { contentType: "text/vtt; charset=utf-8" });
    await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "thumbnails.jpg"), Buffer.from("sprite"), { contentType: "image/jpeg" });
    await db.asset.update({ where: { id: videoId }, data: { hasThumbnails: true } });
    const video = await render();
    const { vttUrl, spriteUrl } = video.thumbnails!;
    for (const url of [vttUrl, spriteUrl, video.posterUrl!]) expect(url).toContain("X-Amz-Signature=");
    expect(new URL(vttUrl).pathname).toMatch(/\/video\/vid1\/thumbnails\.vtt$/);
    expect(new URL(spriteUrl).pathname).toMatch(/\/video\/vid1\/thumbnails\.jpg$/);
    // Each object its own presigned GET (s3rver checks that a request is signed, not the signature).
    expect(new URL(vttUrl).searchParams.get("X-Amz-Signature")).not.toBe(new URL(spriteUrl).searchParams.get("X-Amz-Signature"));
    const track = await fetch(vttUrl);
    expect(track.status).toBe(200);
    expect(await track.text()).toContain("thumbnails.jpg#xywh=0,0,160,90");
    expect(await (await fetch(spriteUrl)).text()).toBe("sprite");
  });

  it("refuses a revoked student", async () => {
    await expect(delivery.lessonMedia(await getLessonAccess(revoked, lessonId), revoked, ctx)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(delivery.signedPlaylist(revoked, lessonId, "master.m3u8", ctx)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
