import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMediaEnv, MASTER, MEDIA } from "../support/media-fixture";

const media = await startMediaEnv({ MEDIA_DELIVERY: "s3-presigned" });
const { db } = await import("@/lib/db");
const { seed } = await import("@/prisma/seed");
const delivery = await import("@/lib/media/delivery");
const { getLessonAccess } = await import("@/lib/access");
const { storage } = await import("@/lib/storage/instance");
const { lessonVideoObjectKey, lessonVideoMasterKey, lessonAttachmentKey } = await import("@/lib/storage/keys");
const { ForbiddenError } = await import("@/lib/errors");
const { contentDisposition } = await import("@/lib/storage/content-types");

type Seeded = { courses: Record<string, { id: string; lessons: { id: string }[] }>; users: Record<string, string> };
let s: Seeded;
let lessonId: string;
const viewer = (id: string) => ({ id, role: "STUDENT" as const });

beforeAll(async () => {
  s = (await seed(db)) as unknown as Seeded;
  const courseId = s.courses["sql-basics"].id;
  lessonId = s.courses["sql-basics"].lessons[1].id;
  await db.enrollment.create({ data: { userId: s.users.newcomer, courseId, source: "FREE", status: "REVOKED" } });
  const st = storage();
  await st.ensureBucket();
  const asset = await db.asset.create({ data: { kind: "VIDEO", status: "READY", courseId, lessonId, storageKey: lessonVideoMasterKey(courseId, lessonId, "vid1"), contentType: "application/vnd.apple.mpegurl" } });
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "master.m3u8"), Buffer.from(MASTER), { contentType: "application/vnd.apple.mpegurl" });
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "360p/index.m3u8"), Buffer.from(MEDIA), { contentType: "application/vnd.apple.mpegurl" });
  await st.putObject(lessonVideoObjectKey(courseId, lessonId, "vid1", "360p/seg_000.ts"), Buffer.from("segment-zero"), { contentType: "video/mp2t" });
  await db.lesson.update({ where: { id: lessonId }, data: { videoAssetId: asset.id } });
  const att = await db.asset.create({ data: { kind: "ATTACHMENT", status: "READY", courseId, lessonId, storageKey: lessonAttachmentKey(courseId, lessonId, "att1", "txt"), contentType: "text/plain", fileName: "Notes é.txt" } });
  await st.putObject(att.storageKey, Buffer.from("notes"), { contentType: "text/plain", contentDisposition: contentDisposition("Notes é.txt") });
});

afterAll(async () => {
  await media.stop();
});

describe("s3-presigned delivery", () => {
  it("presigns downloads and playlist segments, and fetching them works", async () => {
    const m = await delivery.lessonMedia(await getLessonAccess(viewer(s.users.student), lessonId));
    expect(m.video?.auth).toBe("presigned");
    const att = m.attachments[0];
    expect(att.url).toContain("X-Amz-Signature=");
    expect(att.url).toContain("response-content-disposition=");
    const res = await fetch(att.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("notes");

    const playlist = await delivery.signedPlaylist(viewer(s.users.student), lessonId, "360p/index.m3u8");
    const uris = playlist.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(uris).toHaveLength(2);
    expect(uris.every((u) => u.includes("X-Amz-Signature="))).toBe(true);
    expect(new Set(uris).size).toBe(2);
    const seg = await fetch(uris[0]);
    expect(await seg.text()).toBe("segment-zero");
  });

  it("refuses a revoked student", async () => {
    await expect(delivery.lessonMedia(await getLessonAccess(viewer(s.users.newcomer), lessonId))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(delivery.signedPlaylist(viewer(s.users.newcomer), lessonId, "master.m3u8")).rejects.toBeInstanceOf(ForbiddenError);
  });
});
