import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CurrentVideoError, coverRenditionKeys, removeAsset, removeSupersededVideos, type AssetDeps } from "@/lib/assets";
import { db } from "@/lib/db";
import type { AssetKind } from "@/lib/generated/prisma/client";
import { startEmbeddedStorage, type EmbeddedStorage } from "@/lib/storage/embedded";
import { lessonAttachmentKey, lessonCaptionKey, lessonVideoObjectKey, lessonVideoPrefix, sourceUploadKey, videoOriginalKey } from "@/lib/storage/keys";
import { NoSuchUploadError, createStorage, type Storage } from "@/lib/storage/s3";

/**
 * The asset lifecycle (lib/assets) with its dependencies passed in, as the app and the worker
 * use it: one removal of an asset and everything it stored.
 */

let dir: string;
let embedded: EmbeddedStorage;
let storage: Storage;
let deps: AssetDeps;
let courseId: string;
let sectionId: string;
let userId: string;
let lessonNo = 0;

async function newLesson(): Promise<string> {
  return (await db.lesson.create({ data: { sectionId, position: ++lessonNo, title: `Lesson ${lessonNo}` } })).id;
}

async function asset(kind: AssetKind, data: { lessonId?: string | null; storageKey?: string; status?: "UPLOADING" | "PROCESSING" | "READY" | "FAILED"; createdAt?: Date } = {}) {
  return db.asset.create({
    data: { kind, status: data.status ?? "READY", courseId, lessonId: data.lessonId ?? null, storageKey: data.storageKey ?? "pending", contentType: "x/y", createdAt: data.createdAt },
  });
}

async function put(key: string): Promise<void> {
  await storage.putObject(key, Buffer.from(key), { contentType: "application/octet-stream" });
}

const exists = async (key: string) => (await storage.headObject(key)) !== null;
const keys = async (prefix: string) => (await storage.listObjects(prefix)).map((o) => o.key.slice(prefix.length)).sort();

/** A READY lesson video with outputs, a caption in its folder, its verified original and (an orphan) upload object. */
async function readyVideo(lessonId: string, createdAt?: Date) {
  const video = await asset("VIDEO", { lessonId, createdAt });
  const prefix = lessonVideoPrefix(courseId, lessonId, video.id);
  for (const rel of ["master.m3u8", "360p/index.m3u8", "360p/seg_000.ts", "poster.jpg"]) await put(lessonVideoObjectKey(courseId, lessonId, video.id, rel));
  const captionKey = lessonCaptionKey(courseId, lessonId, video.id, "en");
  await put(captionKey);
  const caption = await asset("CAPTION", { lessonId, storageKey: captionKey });
  const sourceKey = sourceUploadKey(courseId, video.id, "mp4");
  await put(sourceKey);
  const originalKey = videoOriginalKey(courseId, video.id);
  await put(originalKey);
  await db.upload.create({ data: { assetId: video.id, userId, key: sourceKey, fileName: "clip.mp4", contentType: "video/mp4", bytes: 10n, expiresAt: new Date() } });
  return { video, prefix, caption, captionKey, sourceKey, originalKey };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "assets-test-"));
  embedded = await startEmbeddedStorage({ directory: dir, port: 0, bucket: "media" });
  storage = createStorage({ bucket: "media", region: "us-east-1", endpoint: embedded.endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  await storage.ensureBucket();
  deps = { db, storage };
  courseId = (await db.course.create({ data: { slug: "lifecycle", title: "Lifecycle", summary: "Asset lifecycle tests" } })).id;
  sectionId = (await db.section.create({ data: { courseId, title: "Assets", position: 1 } })).id;
  userId = (await db.user.create({ data: { email: "lifecycle@example.com", name: "Instructor", role: "INSTRUCTOR" } })).id;
});

afterAll(async () => {
  storage?.destroy();
  await embedded?.stop({ graceMs: 0 });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("removeAsset", () => {
  it("a video: its folder, the caption rows stored in it, its original and its row; the lesson's other video keeps its captions", async () => {
    const lessonId = await newLesson();
    const old = await readyVideo(lessonId, new Date(Date.now() - 60_000));
    const current = await readyVideo(lessonId);
    await db.lesson.update({ where: { id: lessonId }, data: { videoAssetId: current.video.id } });

    expect(await removeAsset(deps, old.video.id)).toBe(true);
    expect(await keys(old.prefix)).toEqual([]);
    expect(await exists(old.sourceKey)).toBe(false);
    expect(await exists(old.originalKey)).toBe(false);
    expect(await db.asset.findUnique({ where: { id: old.video.id } })).toBeNull();
    expect(await db.asset.findUnique({ where: { id: old.caption.id } })).toBeNull();
    expect(await db.upload.count({ where: { assetId: old.video.id } })).toBe(0);

    expect(await keys(current.prefix)).toContain("captions/en.vtt");
    expect(await db.asset.findUnique({ where: { id: current.caption.id } })).not.toBeNull();
    expect(await exists(current.sourceKey)).toBe(true);
    expect(await exists(current.originalKey)).toBe(true);

    expect(await removeAsset(deps, old.video.id)).toBe(false); // idempotent
  });

  it("refuses the lesson's current video and leaves everything in place", async () => {
    const lessonId = await newLesson();
    const current = await readyVideo(lessonId);
    await db.lesson.update({ where: { id: lessonId }, data: { videoAssetId: current.video.id } });
    await expect(removeAsset(deps, current.video.id)).rejects.toBeInstanceOf(CurrentVideoError);
    expect(await keys(current.prefix)).toContain("master.m3u8");
    expect(await exists(current.sourceKey)).toBe(true);
    expect(await db.asset.count({ where: { id: { in: [current.video.id, current.caption.id] } } })).toBe(2);
  });

  it("a caption key shared by two rows is kept while the other row uses it", async () => {
    const lessonId = await newLesson();
    const key = lessonCaptionKey(courseId, lessonId, "video1", "fr");
    await put(key);
    const first = await asset("CAPTION", { lessonId, storageKey: key });
    const second = await asset("CAPTION", { lessonId, storageKey: key, status: "FAILED" });
    await removeAsset(deps, first.id);
    expect(await exists(key)).toBe(true);
    await removeAsset(deps, second.id);
    expect(await exists(key)).toBe(false);
  });

  it("an unfinished multipart upload is aborted; a cover's renditions and an attachment's object go", async () => {
    const lessonId = await newLesson();
    const attachment = await asset("ATTACHMENT", { lessonId, status: "UPLOADING" });
    const key = lessonAttachmentKey(courseId, lessonId, attachment.id, "zip");
    await db.asset.update({ where: { id: attachment.id }, data: { storageKey: key } });
    const { uploadId } = await storage.createMultipartUpload(key, { contentType: "application/zip" });
    await db.upload.create({ data: { assetId: attachment.id, userId, key, multipartId: uploadId, fileName: "a.zip", contentType: "application/zip", bytes: 10n, expiresAt: new Date() } });
    await removeAsset(deps, attachment.id);
    await expect(storage.listParts(key, uploadId)).rejects.toBeInstanceOf(NoSuchUploadError);
    expect(await db.asset.findUnique({ where: { id: attachment.id } })).toBeNull();

    const cover = await asset("IMAGE");
    const renditions = coverRenditionKeys(courseId, cover.id);
    expect(renditions).toHaveLength(4);
    for (const k of renditions) await put(k);
    await removeAsset(deps, cover.id);
    for (const k of renditions) expect(await exists(k)).toBe(false);
  });
});

describe("removeSupersededVideos", () => {
  it("removes the READY videos older than the lesson's current one, and nothing newer or unfinished", async () => {
    const lessonId = await newLesson();
    const older = await readyVideo(lessonId, new Date(Date.now() - 120_000));
    const current = await readyVideo(lessonId, new Date(Date.now() - 60_000));
    const newer = await readyVideo(lessonId); // finished after the swap: not older than the current one
    const failed = await asset("VIDEO", { lessonId, status: "FAILED", createdAt: new Date(Date.now() - 180_000) });
    await db.lesson.update({ where: { id: lessonId }, data: { videoAssetId: current.video.id } });

    const lines: string[] = [];
    expect(await removeSupersededVideos(deps, lessonId, (l) => lines.push(l))).toEqual([older.video.id]);
    expect(lines).toEqual([]);
    const left = await db.asset.findMany({ where: { lessonId, kind: "VIDEO" }, select: { id: true } });
    expect(left.map((a) => a.id).sort()).toEqual([current.video.id, newer.video.id, failed.id].sort());
    expect(await keys(older.prefix)).toEqual([]);
    expect(await removeSupersededVideos(deps, lessonId)).toEqual([]); // idempotent
    expect(await removeSupersededVideos(deps, await newLesson())).toEqual([]); // no video at all
  });
});
