import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transcodeJobsOf } from "@/tests/support/jobs";

import type { EmbeddedStorage } from "@/lib/storage/embedded";

/**
 * Uploads against embedded storage (s3rver on a random port, temp dir) and the per-file test
 * database. The environment must point at that storage before lib/env is first imported, so
 * everything touching env is imported dynamically in beforeAll.
 */

const APP_ORIGIN = "http://localhost:3000";
const MB = 1024 * 1024;

let dir: string;
let embedded: EmbeddedStorage;

type Uploads = typeof import("@/lib/uploads");
let uploads: Uploads;
let db: typeof import("@/lib/db").db;
let store: ReturnType<typeof import("@/lib/storage/instance").storage>;
let errors: typeof import("@/lib/errors");
let keys: typeof import("@/lib/storage/keys");
let publishCourse: typeof import("@/lib/courses/authoring").publishCourse;

type Viewer = { id: string; role: "STUDENT" | "INSTRUCTOR" | "ADMIN" };
let instructor: Viewer;
let student: Viewer;
let courseId: string;
let lessons: { id: string; title: string }[];

const sha256 = (b: Buffer | Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");

async function readObject(key: string): Promise<Buffer> {
  const got = await store.getObject(key);
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** A fake MP4: an `ftyp` box, then random bytes. */
function fakeMp4(size: number): Buffer {
  const b = crypto.randomBytes(size);
  Buffer.from([0, 0, 0, 0x20]).copy(b, 0);
  Buffer.from("ftypisom", "latin1").copy(b, 4);
  return b;
}

async function put(url: string, body: Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "PUT", body: new Uint8Array(body), headers: { Origin: APP_ORIGIN, ...headers } });
}

/** Starts an upload and sends the whole file with a presigned PUT. */
async function putUpload(input: Record<string, unknown>, body: Buffer) {
  const started = await uploads.startUpload(instructor, { courseId, bytes: body.length, ...input });
  if (started.transfer.method !== "PUT") throw new Error("expected a PUT upload");
  const res = await put(started.transfer.url, body, started.transfer.headers);
  expect(res.status).toBe(200);
  return started;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "uploads-test-"));
  const { startEmbeddedStorage } = await import("@/lib/storage/embedded");
  embedded = await startEmbeddedStorage({ directory: dir, port: 0, bucket: "media", corsOrigins: [APP_ORIGIN] });
  Object.assign(process.env, {
    S3_ENDPOINT: embedded.endpoint,
    S3_BUCKET: "media",
    S3_REGION: "us-east-1",
    S3_ACCESS_KEY_ID: "S3RVER",
    S3_SECRET_ACCESS_KEY: "S3RVER",
    MEDIA_DELIVERY: "s3-presigned",
  });
  const g = globalThis as unknown as { __config?: unknown };
  if (g.__config) throw new Error("lib/config was read before the test set its environment");

  uploads = await import("@/lib/uploads");
  db = (await import("@/lib/db")).db;
  store = (await import("@/lib/storage/instance")).storage();
  errors = await import("@/lib/errors");
  keys = await import("@/lib/storage/keys");
  publishCourse = (await import("@/lib/courses/authoring")).publishCourse;
  const { seed } = await import("@/prisma/seed");

  const r = await seed(db);
  if (!("users" in r)) throw new Error("expected a fresh database");
  const course = r.courses["video-production"]!;
  courseId = course.id;
  lessons = course.lessons;
  const u = await db.user.findMany({ where: { email: { in: ["instructor@example.com", "student@example.com"] } } });
  const byEmail = new Map(u.map((x) => [x.email, { id: x.id, role: x.role }]));
  instructor = byEmail.get("instructor@example.com")!;
  student = byEmail.get("student@example.com")!;
  expect(await store.headObject("nothing/here.txt")).toBeNull(); // storage reachable
});

afterAll(async () => {
  (await import("@/lib/storage/instance")).resetStorage();
  await embedded?.stop({ graceMs: 0 });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("large files", () => {
  it("records the exact size of a multi-gigabyte video (no 32-bit overflow) and cancels cleanly", async () => {
    const bytes = 3 * 1024 * MB + 7; // 3 GB + 7 bytes
    const started = await uploads.startUpload(instructor, { courseId, lessonId: lessons[1]!.id, kind: "VIDEO", fileName: "long.mp4", contentType: "video/mp4", bytes });
    expect(started.transfer.method).toBe("MULTIPART");
    const row = await db.upload.findUniqueOrThrow({ where: { id: started.uploadId } });
    expect(row.bytes).toBe(BigInt(bytes));
    expect(Number((await db.asset.findUniqueOrThrow({ where: { id: started.assetId } })).bytes)).toBe(bytes);
    await uploads.abortUpload(instructor, started.uploadId);
    expect(await db.upload.count({ where: { id: started.uploadId } })).toBe(0);
  });
});

describe("refusals before any byte is sent", () => {
  it("refuses an oversized file at start and creates nothing", async () => {
    const before = { uploads: await db.upload.count(), assets: await db.asset.count() };
    const err = await uploads
      .startUpload(instructor, { courseId, lessonId: lessons[0]!.id, kind: "VIDEO", fileName: "talk.mp4", contentType: "video/mp4", bytes: Math.round(6.2 * 1024 * MB) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.ValidationError);
    expect((err as Error).message).toBe("This file is 6.2 GB; videos can be at most 5 GB.");
    expect((err as InstanceType<typeof errors.ValidationError>).status).toBe(422);
    expect({ uploads: await db.upload.count(), assets: await db.asset.count() }).toEqual(before);
  });

  it("refuses a wrong extension, and a student or a visitor", async () => {
    await expect(
      uploads.startUpload(instructor, { courseId, lessonId: lessons[0]!.id, kind: "ATTACHMENT", fileName: "virus.exe", contentType: "", bytes: 10 }),
    ).rejects.toThrow(/cannot be uploaded as an attachment/);
    await expect(
      uploads.startUpload(student, { courseId, lessonId: lessons[0]!.id, kind: "ATTACHMENT", fileName: "a.pdf", contentType: "application/pdf", bytes: 10 }),
    ).rejects.toBeInstanceOf(errors.ForbiddenError);
    await expect(
      uploads.startUpload(null, { courseId, lessonId: lessons[0]!.id, kind: "ATTACHMENT", fileName: "a.pdf", contentType: "application/pdf", bytes: 10 }),
    ).rejects.toBeInstanceOf(errors.UnauthenticatedError);
    expect(await db.upload.count({ where: { fileName: "a.pdf" } })).toBe(0);
  });

  it("refuses a lesson of another course and captions before a video", async () => {
    const other = await db.lesson.findFirstOrThrow({ where: { section: { courseId: { not: courseId } } } });
    await expect(
      uploads.startUpload(instructor, { courseId, lessonId: other.id, kind: "ATTACHMENT", fileName: "a.pdf", contentType: "application/pdf", bytes: 10 }),
    ).rejects.toBeInstanceOf(errors.NotFoundError);
    await expect(
      uploads.startUpload(instructor, { courseId, lessonId: lessons[2]!.id, kind: "CAPTION", fileName: "a.vtt", contentType: "text/vtt", bytes: 10, language: "en" }),
    ).rejects.toThrow("Upload this lesson's video first: captions belong to a video.");
  });
});

describe("cover image (presigned PUT)", () => {
  it("verifies, resizes to the page sizes, sets the course cover and replaces the previous one", async () => {
    const png = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: "#3b55e6" } }).png().toBuffer();
    const started = await putUpload({ kind: "IMAGE", fileName: "My cover.png", contentType: "image/png" }, png);
    expect(started.transfer).toMatchObject({ method: "PUT", headers: { "Content-Type": "image/png" } });
    const upload = await db.upload.findUniqueOrThrow({ where: { id: started.uploadId } });
    expect(upload.key).toBe(keys.sourceUploadKey(courseId, started.assetId, "png")); // from ids, never the file name

    const view = await uploads.completeUpload(instructor, started.uploadId, {});
    expect(view).toMatchObject({ id: started.assetId, kind: "IMAGE", status: "READY", width: 1280, height: 720, fileName: "My cover.png" });
    const course = await db.course.findUniqueOrThrow({ where: { id: courseId } });
    expect(course.coverAssetId).toBe(started.assetId);
    const asset = await db.asset.findUniqueOrThrow({ where: { id: started.assetId } });
    expect(asset.storageKey).toBe(keys.courseCoverKey(courseId, started.assetId, "jpg"));

    const expected = [
      [keys.courseCoverKey(courseId, started.assetId, "jpg"), "jpeg", 1280, 720],
      [keys.courseCoverKey(courseId, started.assetId, "webp"), "webp", 1280, 720],
      [keys.courseCoverKey(courseId, `${started.assetId}-640x360`, "jpg"), "jpeg", 640, 360],
      [keys.courseCoverKey(courseId, `${started.assetId}-640x360`, "webp"), "webp", 640, 360],
    ] as const;
    for (const [key, format, width, height] of expected) {
      const meta = await sharp(await readObject(key)).metadata();
      expect({ key, format: meta.format, width: meta.width, height: meta.height }).toEqual({ key, format, width, height });
    }
    expect(await store.headObject(upload.key)).toBeNull(); // the upload object is gone once verified (ADR 046)

    // Completing again answers the same.
    expect((await uploads.completeUpload(instructor, started.uploadId, {})).status).toBe("READY");

    const jpeg = await sharp({ create: { width: 800, height: 450, channels: 3, background: "#f97316" } }).jpeg().toBuffer();
    const second = await putUpload({ kind: "IMAGE", fileName: "new.jpg", contentType: "image/jpeg" }, jpeg);
    await uploads.completeUpload(instructor, second.uploadId);
    expect((await db.course.findUniqueOrThrow({ where: { id: courseId } })).coverAssetId).toBe(second.assetId);
    expect(await db.asset.findUnique({ where: { id: started.assetId } })).toBeNull();
    for (const [key] of expected) expect(await store.headObject(key)).toBeNull();
    expect(await store.headObject(upload.key)).toBeNull();
  });

  it("refuses a cover that is too small, deleting it", async () => {
    const tiny = await sharp({ create: { width: 300, height: 200, channels: 3, background: "#000" } }).png().toBuffer();
    const started = await putUpload({ kind: "IMAGE", fileName: "tiny.png", contentType: "image/png" }, tiny);
    await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow(
      "This image is 300×200 pixels; covers must be at least 640×360 (1280×720 looks best).",
    );
    expect((await db.asset.findUniqueOrThrow({ where: { id: started.assetId } })).status).toBe("FAILED");
    expect(await store.headObject(keys.sourceUploadKey(courseId, started.assetId, "png"))).toBeNull();
  });
});

describe("video (multipart, resumable)", () => {
  it("uploads 20 MB in 3 parts, survives an interruption after part 1, and queues the transcode", async () => {
    const lesson = lessons[0]!;
    const source = fakeMp4(20 * MB + 12_345);
    const started = await uploads.startUpload(instructor, {
      courseId,
      lessonId: lesson.id,
      kind: "VIDEO",
      fileName: "Lesson 1 – take 2.mp4",
      contentType: "video/mp4",
      bytes: source.length,
    });
    expect(started.transfer).toEqual({ method: "MULTIPART", partSize: 8 * MB, partCount: 3 });
    const upload = await db.upload.findUniqueOrThrow({ where: { id: started.uploadId } });
    // A multipart video is assembled by the server at its original key, never served (ADR 053).
    expect(upload.key).toBe(keys.videoOriginalKey(courseId, started.assetId));
    expect(upload.multipartId).toBeTruthy();

    // Another video for the same lesson cannot start meanwhile.
    await expect(
      uploads.startUpload(instructor, { courseId, lessonId: lesson.id, kind: "VIDEO", fileName: "b.mp4", contentType: "video/mp4", bytes: 100 }),
    ).rejects.toBeInstanceOf(errors.ConflictError);

    const slice = (n: number) => source.subarray((n - 1) * 8 * MB, Math.min(source.length, n * 8 * MB));
    const etags = new Map<number, string>();

    // Part 1, then the "network drops".
    const first = await uploads.presignParts(instructor, started.uploadId, { partNumbers: [1] });
    expect(first.parts).toHaveLength(1);
    expect(first.parts[0]!.bytes).toBe(8 * MB);
    const r1 = await put(first.parts[0]!.url, slice(1), first.parts[0]!.headers);
    expect(r1.status).toBe(200);
    expect(r1.headers.get("access-control-expose-headers")).toContain("ETag"); // the browser can read it
    etags.set(1, r1.headers.get("etag")!);

    // Finishing now is refused (409) and loses nothing.
    await expect(uploads.completeUpload(instructor, started.uploadId, {})).rejects.toThrow("Parts 2, 3 are missing: upload them, then finish again.");
    expect((await db.asset.findUniqueOrThrow({ where: { id: started.assetId } })).status).toBe("UPLOADING");

    // After a reload: what does storage hold?
    const state = await uploads.listUploadedParts(instructor, started.uploadId);
    expect(state).toMatchObject({ method: "MULTIPART", partCount: 3, partSize: 8 * MB, bytes: source.length });
    expect(state.parts.map((p) => p.partNumber)).toEqual([1]);
    expect(state.parts[0]!.etag).toBe(etags.get(1)!.replace(/"/g, ""));

    // Upload only the rest.
    const rest = await uploads.presignParts(instructor, started.uploadId, { partNumbers: [2, 3] });
    for (const p of rest.parts) {
      const res = await put(p.url, slice(p.partNumber), p.headers);
      expect(res.status).toBe(200);
      etags.set(p.partNumber, res.headers.get("etag")!);
    }
    await expect(uploads.presignParts(instructor, started.uploadId, { partNumbers: [4] })).rejects.toThrow("Part 4 does not exist: this upload has 3 parts.");

    const view = await uploads.completeUpload(instructor, started.uploadId, {
      parts: [...etags].map(([partNumber, etag]) => ({ partNumber, etag })),
    });
    expect(view).toMatchObject({ id: started.assetId, kind: "VIDEO", status: "PROCESSING", progress: 0, bytes: source.length });

    // The worker gets the object the server completed and checked, where it was assembled: no copy, nothing under sources/.
    const original = keys.videoOriginalKey(courseId, started.assetId);
    const stored = await readObject(original);
    expect(stored.length).toBe(source.length);
    expect(sha256(stored)).toBe(sha256(source));
    const checked = await store.headObject(original);
    expect(checked?.contentType).toBe("video/mp4");
    expect(await store.headObject(keys.sourceUploadKey(courseId, started.assetId, "mp4"))).toBeNull();

    // The part URLs, still within their 15 minutes, can no longer change it: the upload id died at completion.
    const hostile = Buffer.from("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n".padEnd(8 * MB, " "));
    for (const p of [...first.parts, ...rest.parts]) {
      const res = await put(p.url, p.partNumber === 3 ? hostile.subarray(0, p.bytes) : hostile, p.headers);
      expect(res.status).toBe(404);
    }
    expect(await store.headObject(original)).toEqual(checked);
    expect(sha256(await readObject(original))).toBe(sha256(source));
    // Nor can finishing again reassemble it: the asset has moved on.
    expect((await uploads.completeUpload(instructor, started.uploadId, {})).status).toBe("PROCESSING");
    expect(await store.headObject(original)).toEqual(checked);

    const jobs = await transcodeJobsOf(db, started.assetId);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: "created", data: { assetId: started.assetId, sourceKey: original } });
    const asset = await db.asset.findUniqueOrThrow({ where: { id: started.assetId } });
    expect(asset.storageKey).toBe(keys.lessonVideoMasterKey(courseId, lesson.id, started.assetId));

    // The video panel sees it processing; the course cannot be published meanwhile.
    const media = await uploads.lessonMediaForEditing(instructor, courseId, lesson.id);
    expect(media.video.pending).toMatchObject({ id: started.assetId, status: "PROCESSING" });
    expect(media.captionTarget).toEqual({ assetId: started.assetId, current: false });
    await expect(publishCourse(instructor, courseId, true)).rejects.toThrow(
      `The lesson “${lesson.title}” has a video still uploading or processing: publish once it is ready.`,
    );
    await expect(uploads.getAssetStatus(student, started.assetId)).rejects.toBeInstanceOf(errors.ForbiddenError);
    expect((await uploads.getAssetStatus(instructor, started.assetId)).status).toBe("PROCESSING");

    // Once it is the lesson's video (the worker's swap), publishing works again.
    await db.asset.update({ where: { id: started.assetId }, data: { status: "READY", durationSeconds: 61, renditions: [{ name: "360p", width: 640, height: 360 }] } });
    await db.lesson.update({ where: { id: lesson.id }, data: { videoAssetId: started.assetId } });
    await publishCourse(instructor, courseId, true);
    const after = await uploads.lessonMediaForEditing(instructor, courseId, lesson.id);
    expect(after.video.current).toMatchObject({ id: started.assetId, durationSeconds: 61, renditions: [{ name: "360p", width: 640, height: 360 }] });
    expect(after.video.pending).toBeNull();
  });

  it("marks a failed transcode retryable and re-queues it", async () => {
    const lesson = lessons[1]!;
    const started = await putUpload({ lessonId: lesson.id, kind: "VIDEO", fileName: "short.webm", contentType: "video/webm" }, Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), crypto.randomBytes(4000)]));
    await uploads.completeUpload(instructor, started.uploadId);
    // What the worker records when the last attempt fails.
    const [job] = await transcodeJobsOf(db, started.assetId);
    await db.$executeRawUnsafe("UPDATE pgboss.job SET state = 'failed', completed_on = now() WHERE id = $1::uuid", job!.id);
    await db.asset.update({ where: { id: started.assetId }, data: { status: "FAILED", error: "The video could not be decoded.", transcodeFailedAt: new Date() } });
    const media = await uploads.lessonMediaForEditing(instructor, courseId, lesson.id);
    expect(media.video.pending).toMatchObject({ status: "FAILED", error: "The video could not be decoded.", canRetry: true });
    const retried = await uploads.retryVideo(instructor, started.assetId);
    expect(retried.status).toBe("PROCESSING");
    const jobs = await transcodeJobsOf(db, started.assetId);
    expect(jobs.map((j) => j.state)).toEqual(["failed", "created"]);
    expect(jobs[1]!.data).toEqual({ assetId: started.assetId, sourceKey: keys.videoOriginalKey(courseId, started.assetId) });
    // Retrying again while it is on its way changes nothing.
    await uploads.retryVideo(instructor, started.assetId);
    expect(await transcodeJobsOf(db, started.assetId)).toHaveLength(2);
  });
});

describe("verification", () => {
  it("refuses a text file declared as video/mp4: 422, object deleted, asset FAILED", async () => {
    const text = Buffer.from("These are my lecture notes, not a video.\n".repeat(50));
    const started = await putUpload({ lessonId: lessons[2]!.id, kind: "VIDEO", fileName: "lecture.mp4", contentType: "video/mp4" }, text);
    const key = keys.sourceUploadKey(courseId, started.assetId, "mp4");
    expect(await store.headObject(key)).not.toBeNull();
    const err = await uploads.completeUpload(instructor, started.uploadId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.ValidationError);
    expect((err as Error).message).toBe("This file is not a video: it looks like text.");
    expect(await store.headObject(key)).toBeNull();
    expect(await store.headObject(keys.videoOriginalKey(courseId, started.assetId))).toBeNull(); // nor the copy that was checked
    const asset = await db.asset.findUniqueOrThrow({ where: { id: started.assetId } });
    expect(asset).toMatchObject({ status: "FAILED", error: "This file is not a video: it looks like text." });
    expect(await transcodeJobsOf(db, started.assetId)).toHaveLength(0);
    expect(asset.transcodeFailedAt).toBeNull(); // refused at upload: nothing to retry
    // A retried completion answers the same; dismissing removes the asset.
    await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow("This file is not a video: it looks like text.");
    await uploads.deleteAsset(instructor, started.assetId);
    expect(await db.asset.findUnique({ where: { id: started.assetId } })).toBeNull();
  });

  it("refuses a file shorter than announced", async () => {
    const pdf = Buffer.from("%PDF-1.4\n" + "x".repeat(500));
    const started = await uploads.startUpload(instructor, {
      courseId,
      lessonId: lessons[2]!.id,
      kind: "ATTACHMENT",
      fileName: "notes.pdf",
      contentType: "application/pdf",
      bytes: pdf.length + 100,
    });
    if (started.transfer.method !== "PUT") throw new Error("expected PUT");
    // s3rver does not enforce the signed Content-Length; the verification does.
    expect((await put(started.transfer.url, pdf, started.transfer.headers)).status).toBe(200);
    await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow(/were announced: upload the file again/);
    expect(await store.headObject(keys.lessonAttachmentKey(courseId, lessons[2]!.id, started.assetId, "pdf"))).toBeNull();
    expect(await store.headObject(keys.sourceUploadKey(courseId, started.assetId, "pdf"))).toBeNull();
  });

  it("refuses a file stored with other headers than the signed ones", async () => {
    const started = await uploads.startUpload(instructor, { courseId, lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "n.txt", contentType: "text/plain", bytes: 5 });
    if (started.transfer.method !== "PUT") throw new Error("expected PUT");
    await put(started.transfer.url, Buffer.from("hello"), { "Content-Type": "text/html" });
    await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow(/was stored as text\/html instead of text\/plain/);
  });

  it("says when nothing has arrived yet, and keeps the upload open", async () => {
    const started = await uploads.startUpload(instructor, { courseId, lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "later.md", contentType: "text/markdown", bytes: 5 });
    await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow("Storage has not received the file yet: upload it, then finish again.");
    expect((await db.asset.findUniqueOrThrow({ where: { id: started.assetId } })).status).toBe("UPLOADING");
    const state = await uploads.listUploadedParts(instructor, started.uploadId);
    expect(state.method).toBe("PUT");
    // Only the type is signed: the download name goes on the server's copy.
    expect(state.put?.headers).toEqual({ "Content-Type": "text/plain; charset=utf-8" });
    await uploads.abortUpload(instructor, started.uploadId);
  });
});

describe("verified objects are immutable (ADR 046)", () => {
  /** A lesson of the course with nothing uploaded yet. */
  async function freshLesson(): Promise<string> {
    const { sectionId } = await db.lesson.findUniqueOrThrow({ where: { id: lessons[2]!.id }, select: { sectionId: true } });
    return (await db.lesson.create({ data: { sectionId, position: 100 + Math.floor(Math.random() * 1e6), title: "Immutable" } })).id;
  }

  /** Other bytes of the same length (what the signed Content-Length allows on S3). */
  function sameLength(text: string, length: number): Buffer {
    const b = Buffer.from(text);
    return Buffer.concat([b, Buffer.alloc(length - b.length, 0x20)]);
  }

  /** What a student's download link serves (delivery signs the asset's key after lib/access said yes). */
  async function downloaded(lessonId: string, assetId: string): Promise<Buffer> {
    const { requireLessonAccess } = await import("@/lib/access");
    const { lessonMedia } = await import("@/lib/media/delivery");
    const media = await lessonMedia(await requireLessonAccess(instructor, lessonId), instructor, { ip: null, userAgent: "uploads test", sessionId: null });
    const link = media.attachments.find((a) => a.id === assetId)!;
    const res = await fetch(link.url);
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  it("an attachment: its PUT URL used again after completion does not change what students download", async () => {
    const lessonId = lessons[2]!.id;
    const pdf = Buffer.from("%PDF-1.4\n" + "lesson notes ".repeat(100));
    const started = await putUpload({ lessonId, kind: "ATTACHMENT", fileName: "notes.pdf", contentType: "application/pdf" }, pdf);
    if (started.transfer.method !== "PUT") throw new Error("expected a PUT upload");
    await uploads.completeUpload(instructor, started.uploadId);
    const upload = await db.upload.findUniqueOrThrow({ where: { id: started.uploadId } });
    expect(await store.headObject(upload.key)).toBeNull(); // the upload object is gone
    expect(sha256(await downloaded(lessonId, started.assetId))).toBe(sha256(pdf));

    // The URL is still valid (15 minutes): HTML in place of the verified PDF.
    const html = sameLength("<html><script>alert(document.cookie)</script>", pdf.length);
    expect((await put(started.transfer.url, html, started.transfer.headers)).status).toBe(200);
    expect(sha256(await downloaded(lessonId, started.assetId))).toBe(sha256(pdf));
    const asset = await db.asset.findUniqueOrThrow({ where: { id: started.assetId } });
    expect(await store.headObject(asset.storageKey)).toMatchObject({ contentType: "application/pdf", contentLength: pdf.length });
    // What it wrote is an orphan under sources/ that nothing refers to (the bucket lifecycle expires it).
    expect(asset.storageKey).not.toBe(upload.key);
    expect(sha256(await readObject(upload.key))).toBe(sha256(html));
  });

  it("a video: its PUT URL used again after completion does not change what the worker reads", async () => {
    const lessonId = await freshLesson();
    const video = fakeMp4(256 * 1024);
    const started = await putUpload({ lessonId, kind: "VIDEO", fileName: "talk.mp4", contentType: "video/mp4" }, video);
    if (started.transfer.method !== "PUT") throw new Error("expected a PUT upload");
    await uploads.completeUpload(instructor, started.uploadId);
    const upload = await db.upload.findUniqueOrThrow({ where: { id: started.uploadId } });
    const [job] = await transcodeJobsOf(db, started.assetId);
    const { sourceKey } = job!.data as { sourceKey: string };
    expect(sourceKey).toBe(keys.videoOriginalKey(courseId, started.assetId));
    expect(await store.headObject(upload.key)).toBeNull();

    // An HLS playlist that would point ffmpeg at local files and hosts, with the same URL.
    const playlist = sameLength("#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n", video.length);
    expect((await put(started.transfer.url, playlist, started.transfer.headers)).status).toBe(200);
    expect(sha256(await readObject(sourceKey))).toBe(sha256(video));
    expect((await store.headObject(sourceKey))?.contentType).toBe("video/mp4");
  });

  it("an overwrite before completion is what gets verified, both ways", async () => {
    const text = sameLength("These are my notes, not a video.\n", 64 * 1024);
    const refused = await putUpload({ lessonId: await freshLesson(), kind: "VIDEO", fileName: "a.mp4", contentType: "video/mp4" }, fakeMp4(64 * 1024));
    if (refused.transfer.method !== "PUT") throw new Error("expected a PUT upload");
    expect((await put(refused.transfer.url, text, refused.transfer.headers)).status).toBe(200);
    await expect(uploads.completeUpload(instructor, refused.uploadId)).rejects.toThrow("This file is not a video: it looks like text.");
    expect(await store.headObject(keys.videoOriginalKey(courseId, refused.assetId))).toBeNull();

    const video = fakeMp4(64 * 1024);
    const accepted = await putUpload({ lessonId: await freshLesson(), kind: "VIDEO", fileName: "b.mp4", contentType: "video/mp4" }, text);
    if (accepted.transfer.method !== "PUT") throw new Error("expected a PUT upload");
    expect((await put(accepted.transfer.url, video, accepted.transfer.headers)).status).toBe(200);
    expect((await uploads.completeUpload(instructor, accepted.uploadId)).status).toBe("PROCESSING");
    expect(sha256(await readObject(keys.videoOriginalKey(courseId, accepted.assetId)))).toBe(sha256(video));
  });

  it("a PUT landing between the check and the copy is not copied: 409, and finishing again verifies the new bytes", async () => {
    const pdf = Buffer.from("%PDF-1.4\n" + "x".repeat(300));
    const started = await putUpload({ lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "race.pdf", contentType: "application/pdf" }, pdf);
    if (started.transfer.method !== "PUT") throw new Error("expected a PUT upload");
    const { url, headers } = started.transfer;
    const swapped = sameLength("PK\u0003\u0004 not a pdf", pdf.length);
    const copy = store.copyObject;
    store.copyObject = async (...args) => {
      store.copyObject = copy;
      expect((await put(url, swapped, headers)).status).toBe(200);
      return copy(...args);
    };
    try {
      await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow("The file changed in storage while it was being checked: finish the upload again.");
    } finally {
      store.copyObject = copy;
    }
    expect((await db.asset.findUniqueOrThrow({ where: { id: started.assetId } })).status).toBe("UPLOADING");
    expect(await store.headObject(keys.lessonAttachmentKey(courseId, lessons[2]!.id, started.assetId, "pdf"))).toBeNull();
    await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow("This file is not a PDF document: it looks like a ZIP archive.");
  });

  it("presigned PUT and part URLs live 15 minutes", async () => {
    const single = await uploads.startUpload(instructor, { courseId, lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "s.txt", contentType: "text/plain", bytes: 10 });
    if (single.transfer.method !== "PUT") throw new Error("expected a PUT upload");
    expect(new URL(single.transfer.url).searchParams.get("X-Amz-Expires")).toBe("900");
    const multi = await uploads.startUpload(instructor, { courseId, lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "m.zip", contentType: "application/zip", bytes: 20 * MB });
    const before = Date.now();
    const { parts, expiresAt } = await uploads.presignParts(instructor, multi.uploadId, { partNumbers: [1, 2] });
    for (const p of parts) expect(new URL(p.url).searchParams.get("X-Amz-Expires")).toBe("900");
    expect(Date.parse(expiresAt) - before).toBeGreaterThanOrEqual(899_000);
    expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(901_000);
    await uploads.abortUpload(instructor, single.uploadId);
    await uploads.abortUpload(instructor, multi.uploadId);
  });
});

describe("attachments and captions", () => {
  it("stores an attachment with its download name", async () => {
    const lesson = lessons[2]!;
    const body = Buffer.from("# Worksheet\n\n1. Plan a video about café lighting.\n");
    const started = await putUpload({ lessonId: lesson.id, kind: "ATTACHMENT", fileName: "Worksheet – café.md", contentType: "" }, body);
    expect(started.transfer).toMatchObject({ method: "PUT", headers: { "Content-Type": "text/plain; charset=utf-8" } });
    const upload = await db.upload.findUniqueOrThrow({ where: { id: started.uploadId } });
    expect(upload.key).toBe(keys.sourceUploadKey(courseId, started.assetId, "md")); // never the lesson folder
    const view = await uploads.completeUpload(instructor, started.uploadId);
    expect(view).toMatchObject({ status: "READY", bytes: body.length, fileName: "Worksheet – café.md" });
    const key = keys.lessonAttachmentKey(courseId, lesson.id, started.assetId, "md");
    const head = await store.headObject(key);
    expect(head).toMatchObject({ contentType: "text/plain; charset=utf-8", contentLength: body.length, cacheControl: "public, max-age=31536000, immutable" });
    expect(head?.contentDisposition).toBe("attachment; filename=\"Worksheet _ caf_.md\"; filename*=UTF-8''Worksheet%20%E2%80%93%20caf%C3%A9.md");
    expect(await store.headObject(upload.key)).toBeNull();
    const media = await uploads.lessonMediaForEditing(instructor, courseId, lesson.id);
    expect(media.attachments.map((a) => a.id)).toContain(started.assetId);

    await expect(uploads.deleteAsset(student, started.assetId)).rejects.toBeInstanceOf(errors.ForbiddenError);
    await uploads.deleteAsset(instructor, started.assetId);
    expect(await store.headObject(key)).toBeNull();
    expect(await db.asset.findUnique({ where: { id: started.assetId } })).toBeNull();
  });

  it("converts SubRip captions to WebVTT in the current video's folder and replaces a language", async () => {
    const lesson = lessons[0]!; // its video became current in the multipart test
    const video = await db.lesson.findUniqueOrThrow({ where: { id: lesson.id }, select: { videoAssetId: true } });
    expect(video.videoAssetId).toBeTruthy();
    const srt = Buffer.from("1\r\n00:00:01,000 --> 00:00:02,000\r\nBonjour & bienvenue\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\n<i>Deux</i>\r\n");
    const started = await putUpload({ lessonId: lesson.id, kind: "CAPTION", fileName: "fr.srt", contentType: "application/x-subrip", language: "fr" }, srt);
    const view = await uploads.completeUpload(instructor, started.uploadId);
    expect(view).toMatchObject({ status: "READY", language: "fr", label: "Français" });
    const key = keys.lessonCaptionKey(courseId, lesson.id, video.videoAssetId!, "fr");
    expect((await readObject(key)).toString("utf8")).toBe(
      "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nBonjour &amp; bienvenue\n\n2\n00:00:02.500 --> 00:00:04.000\n<i>Deux</i>\n",
    );
    expect((await store.headObject(key))?.contentType).toBe("text/vtt; charset=utf-8");
    expect(await store.headObject(keys.sourceUploadKey(courseId, started.assetId, "srt"))).toBeNull();

    const vtt = Buffer.from("WEBVTT\n\n00:00.000 --> 00:01.000\nSalut\n");
    const again = await putUpload({ lessonId: lesson.id, kind: "CAPTION", fileName: "fr.vtt", contentType: "text/vtt", language: "fr" }, vtt);
    await uploads.completeUpload(instructor, again.uploadId);
    expect((await readObject(key)).toString("utf8")).toBe("WEBVTT\n\n00:00.000 --> 00:01.000\nSalut\n");
    const rows = await db.asset.findMany({ where: { lessonId: lesson.id, kind: "CAPTION" } });
    expect(rows.map((r) => r.id)).toEqual([again.assetId]);
    const media = await uploads.lessonMediaForEditing(instructor, courseId, lesson.id);
    expect(media.captions).toMatchObject([{ id: again.assetId, forCurrentVideo: true }]);

    await uploads.deleteAsset(instructor, again.assetId);
    expect(await store.headObject(key)).toBeNull();
  });

  it("refuses a caption file that is not UTF-8", async () => {
    const latin1 = Buffer.concat([Buffer.from("1\n00:00:01,000 --> 00:00:02,000\nCaf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    const started = await putUpload({ lessonId: lessons[0]!.id, kind: "CAPTION", fileName: "x.srt", contentType: "", language: "de" }, latin1);
    await expect(uploads.completeUpload(instructor, started.uploadId)).rejects.toThrow(/not valid UTF-8 text/);
  });
});

describe("abort", () => {
  it("cancels a multipart upload: no parts, no object, no asset", async () => {
    const lesson = lessons[2]!;
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), crypto.randomBytes(17 * MB)]);
    const started = await uploads.startUpload(instructor, { courseId, lessonId: lesson.id, kind: "ATTACHMENT", fileName: "code.zip", contentType: "application/zip", bytes: zip.length });
    expect(started.transfer).toMatchObject({ method: "MULTIPART", partCount: 3 });
    const upload = await db.upload.findUniqueOrThrow({ where: { id: started.uploadId } });
    const { parts } = await uploads.presignParts(instructor, started.uploadId, { partNumbers: [1] });
    expect((await put(parts[0]!.url, zip.subarray(0, 8 * MB))).status).toBe(200);

    await expect(uploads.abortUpload(student, started.uploadId)).rejects.toBeInstanceOf(errors.ForbiddenError);
    await uploads.abortUpload(instructor, started.uploadId);
    expect(await db.asset.findUnique({ where: { id: started.assetId } })).toBeNull();
    expect(await db.upload.findUnique({ where: { id: started.uploadId } })).toBeNull();
    await expect(store.listParts(upload.key, upload.multipartId!)).rejects.toThrow(/No such multipart upload/);
    expect(await store.headObject(upload.key)).toBeNull();
    expect(fs.existsSync(path.join(dir, "media", "._S3rver_uploads", upload.multipartId!))).toBe(false);
    await expect(uploads.listUploadedParts(instructor, started.uploadId)).rejects.toBeInstanceOf(errors.NotFoundError);
  });

  it("cancels a PUT upload whose bytes already arrived, and refuses to cancel a finished one", async () => {
    const body = Buffer.from("%PDF-1.7\nhello");
    const started = await putUpload({ lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "a.pdf", contentType: "application/pdf" }, body);
    const key = keys.sourceUploadKey(courseId, started.assetId, "pdf");
    expect(await store.headObject(key)).not.toBeNull();
    await uploads.abortUpload(instructor, started.uploadId);
    expect(await store.headObject(key)).toBeNull();
    expect(await db.asset.findUnique({ where: { id: started.assetId } })).toBeNull();

    const done = await putUpload({ lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "b.pdf", contentType: "application/pdf" }, body);
    await uploads.completeUpload(instructor, done.uploadId);
    await expect(uploads.abortUpload(instructor, done.uploadId)).rejects.toBeInstanceOf(errors.ConflictError);
  });

  it("purges uploads nobody finished before they expired", async () => {
    const started = await uploads.startUpload(instructor, { courseId, lessonId: lessons[2]!.id, kind: "ATTACHMENT", fileName: "old.txt", contentType: "text/plain", bytes: 3 });
    await db.upload.update({ where: { id: started.uploadId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(uploads.presignParts(instructor, started.uploadId, { partNumbers: [1] })).rejects.toBeInstanceOf(errors.ConflictError);
    expect(await uploads.purgeExpiredUploads({ courseId })).toBe(1);
    expect(await db.asset.findUnique({ where: { id: started.assetId } })).toBeNull();
  });
});
