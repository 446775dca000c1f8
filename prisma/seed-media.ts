/**
 * Demo media for the seed, generated with ffmpeg at seed time (no binary blobs in git):
 * a cover image per course; per video lesson a short HLS video (test pattern with the lesson
 * title drawn, a tone, two renditions) with a poster and the worker's thumbnail sprite and
 * track (worker/plan.ts), a WebVTT caption file and a text worksheet.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { drawtextFont, runFfmpeg, transcodeLadder } from "@/worker/ffmpeg";
import { drawtextEscape, LADDER } from "@/worker/ffmpeg-args";
import { cacheControlFor, planThumbnails, spriteFilter, thumbnailsVtt } from "@/worker/plan";
import type { Storage } from "@/lib/storage/s3";
import { courseCoverKey, lessonAttachmentKey, lessonCaptionKey, lessonVideoMasterKey, lessonVideoObjectKey, THUMBNAILS_SPRITE, THUMBNAILS_VTT } from "@/lib/storage/keys";
import { contentDisposition, contentTypeFor } from "@/lib/storage/content-types";

const DURATION = 6;
const COLOURS = ["0x3b55e6", "0x0ea5e9", "0xf97316", "0x14b8a6"];

function text(title: string, size: number, y: string, box = false) {
  const font = drawtextFont();
  if (!font) return null;
  return `drawtext=fontfile=${font}:text='${drawtextEscape(title)}':fontcolor=white:fontsize=${size}:x=(w-text_w)/2:y=${y}:${box ? "box=1:boxcolor=black@0.55:boxborderw=12" : "shadowcolor=black@0.5:shadowx=2:shadowy=2"}`;
}

async function makeCover(dir: string, title: string, i: number): Promise<string> {
  const out = path.join(dir, `cover-${i}.jpg`);
  // DejaVu Sans Bold glyphs are about 0.62 em wide: fit the title in ~1180 px.
  const dt = text(title, Math.min(84, Math.floor(1180 / (title.length * 0.62))), "(h-text_h)/2");
  await runFfmpeg([
    "-hide_banner", "-nostdin", "-y",
    "-f", "lavfi", "-i", `gradients=s=1280x720:c0=${COLOURS[i % COLOURS.length]}:c1=0x111827:x0=0:y0=0:x1=1280:y1=720:d=1:speed=0.0001`,
    ...(dt ? ["-vf", dt] : []),
    "-frames:v", "1", "-q:v", "4", out,
  ]).catch(async () => {
    // Older ffmpeg builds have no `gradients` source: a flat colour does.
    await runFfmpeg(["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", `color=c=${COLOURS[i % COLOURS.length]}:s=1280x720`, ...(dt ? ["-vf", dt] : []), "-frames:v", "1", out]);
  });
  return out;
}

async function makeVideo(dir: string, title: string): Promise<{ outDir: string; renditions: typeof LADDER }> {
  const outDir = path.join(dir, "hls");
  fs.mkdirSync(outDir, { recursive: true });
  const renditions = LADDER.filter((r) => r.name === "360p" || r.name === "180p");
  const dt = text(title, 28, "h-th-40", true);
  // Thumbnail sprite and track as the worker makes them: a branch of the same single pass (one
  // a second: the demo is 6 s long).
  const thumbnails = planThumbnails(DURATION, { width: 640, height: 360 }, { every: 1 });
  await transcodeLadder(
    {
      inputArgs: ["-f", "lavfi", "-i", `testsrc2=s=640x360:r=25:d=${DURATION}`, "-f", "lavfi", "-i", `sine=f=440:sample_rate=48000:d=${DURATION}`],
      video: "0:v",
      audio: "1:a",
      preFilter: dt ?? undefined,
      source: { width: 640, height: 360 },
      renditions,
      outDir,
      segmentSeconds: 2,
      sprite: { filter: spriteFilter(thumbnails), file: path.join(outDir, THUMBNAILS_SPRITE) },
    },
  );
  // Poster from the first second.
  await runFfmpeg(["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", `testsrc2=s=640x360:r=25:d=1`, ...(dt ? ["-vf", dt] : []), "-frames:v", "1", path.join(outDir, "poster.jpg")]);
  fs.writeFileSync(path.join(outDir, THUMBNAILS_VTT), thumbnailsVtt(thumbnails, DURATION, THUMBNAILS_SPRITE));
  return { outDir, renditions };
}

function vtt(title: string): string {
  return `WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nWelcome to “${title}”.\n\n00:00:03.000 --> 00:00:${String(DURATION).padStart(2, "0")}.000\nThis demo video is generated at seed time.\n`;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)).map((f) => path.join(e.name, f)) : [e.name]));
}

export async function seedMedia(
  db: PrismaClient,
  storage: Storage,
  courses: Record<string, { id: string; lessons: { id: string; title: string; video: boolean }[] }>,
): Promise<void> {
  await storage.ensureBucket();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seed-media-"));
  try {
    let i = 0;
    for (const [slug, course] of Object.entries(courses)) {
      const title = (await db.course.findUniqueOrThrow({ where: { id: course.id }, select: { title: true } })).title;
      const coverFile = await makeCover(tmp, title, i++);
      const cover = await db.asset.create({ data: { kind: "IMAGE", status: "UPLOADING", courseId: course.id, storageKey: "pending", contentType: "image/jpeg", width: 1280, height: 720 } });
      const coverKey = courseCoverKey(course.id, cover.id, "jpg");
      await storage.putObject(coverKey, fs.readFileSync(coverFile), { contentType: "image/jpeg", cacheControl: "public, max-age=31536000, immutable" });
      await db.asset.update({ where: { id: cover.id }, data: { storageKey: coverKey, status: "READY", bytes: fs.statSync(coverFile).size, fileName: `${slug}.jpg` } });
      await db.course.update({ where: { id: course.id }, data: { coverAssetId: cover.id } });

      for (const lesson of course.lessons.filter((l) => l.video)) {
        const dir = fs.mkdtempSync(path.join(tmp, "lesson-"));
        const { outDir, renditions } = await makeVideo(dir, lesson.title);
        const asset = await db.asset.create({ data: { kind: "VIDEO", status: "PROCESSING", courseId: course.id, lessonId: lesson.id, storageKey: "pending", contentType: "application/vnd.apple.mpegurl" } });
        let bytes = 0;
        for (const rel of walk(outDir)) {
          const file = path.join(outDir, rel);
          bytes += fs.statSync(file).size;
          await storage.putObject(lessonVideoObjectKey(course.id, lesson.id, asset.id, rel), fs.readFileSync(file), {
            contentType: contentTypeFor(rel),
            cacheControl: cacheControlFor(rel),
          });
        }
        const captionKey = lessonCaptionKey(course.id, lesson.id, asset.id, "en");
        const captionBody = Buffer.from(vtt(lesson.title));
        await storage.putObject(captionKey, captionBody, { contentType: "text/vtt; charset=utf-8" });
        await db.asset.create({ data: { kind: "CAPTION", status: "READY", courseId: course.id, lessonId: lesson.id, storageKey: captionKey, contentType: "text/vtt", bytes: captionBody.length, language: "en", label: "English" } });
        await db.asset.update({
          where: { id: asset.id },
          data: {
            status: "READY",
            storageKey: lessonVideoMasterKey(course.id, lesson.id, asset.id),
            bytes,
            durationSeconds: DURATION,
            width: 640,
            height: 360,
            renditions: JSON.stringify(renditions.map((r) => ({ name: r.name, width: r.width, height: r.height, bandwidth: (r.videoKbps + r.audioKbps) * 1000, playlist: `${r.name}/index.m3u8` }))),
            hasThumbnails: true,
          },
        });
        await db.lesson.update({ where: { id: lesson.id }, data: { videoAssetId: asset.id } });

        const att = await db.asset.create({ data: { kind: "ATTACHMENT", status: "UPLOADING", courseId: course.id, lessonId: lesson.id, storageKey: "pending", contentType: "text/plain" } });
        const fileName = `${lesson.title} – worksheet.txt`;
        const attKey = lessonAttachmentKey(course.id, lesson.id, att.id, "txt");
        const body = Buffer.from(`Worksheet: ${lesson.title}\n\n1. Summarise the lesson in three sentences.\n2. Try the example on your own data.\n`);
        await storage.putObject(attKey, body, { contentType: "text/plain; charset=utf-8", contentDisposition: contentDisposition(fileName) });
        await db.asset.update({ where: { id: att.id }, data: { storageKey: attKey, status: "READY", bytes: body.length, fileName } });
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
