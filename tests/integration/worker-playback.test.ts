import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type PgBoss from "pg-boss";
import { db } from "@/lib/db";
import { parseRenditions } from "@/lib/assets/renditions";
import { startBoss } from "@/lib/jobs/boss";
import { enqueueTranscode } from "@/lib/jobs/transcode";
import { lessonVideoPrefix, videoOriginalKey } from "@/lib/storage/keys";
import { runWorker } from "@/worker/main";
import { probeMedia } from "@/worker/probe";
import { ladderProblems, masterVariants, parseMediaPlaylist, type MediaPlaylist } from "../support/hls-playlists";
import { startTestStorage } from "../support/test-storage";
import { makeTestClip } from "../support/test-clip";

/**
 * A lesson video through the worker as a job (download, probe, the single-pass ladder (ADR
 * 052), upload) plays: the master lists every rendition, each rendition's playlist and all its
 * segments are in storage, and the renditions are cut at the same instants (switchable).
 */

const SECONDS = 24;
let env: Awaited<ReturnType<typeof startTestStorage>>;
let appBoss: PgBoss;
let workerBoss: PgBoss;
let source: string;

async function text(key: string): Promise<string> {
  const got = await env.storage.getObject(key);
  const parts: Buffer[] = [];
  for await (const c of got.body) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts).toString("utf8");
}

beforeAll(async () => {
  env = await startTestStorage("worker-playback");
  const url = process.env.DATABASE_URL!;
  appBoss = await startBoss({ url, role: "app", leaseSeconds: 10, retryDelaySeconds: 1 });
  workerBoss = await startBoss({ url, role: "worker", leaseSeconds: 10, retryDelaySeconds: 1, log: () => undefined });
  source = path.join(env.dir, "source.mp4");
  await makeTestClip(source, "1280x720", SECONDS);
}, 60_000);

afterAll(async () => {
  await Promise.all([appBoss, workerBoss].map((b) => b?.stop({ graceful: false, wait: true })));
  await env?.stop();
});

describe("a transcoded lesson plays", () => {
  it("every rendition's playlist and segments are in storage, cut at the same instants, with their picture size and the audio", async () => {
    const course = await db.course.create({ data: { slug: "playback", title: "Playback", summary: "Ladder checks" } });
    const section = await db.section.create({ data: { courseId: course.id, title: "Videos", position: 1 } });
    const lesson = await db.lesson.create({ data: { sectionId: section.id, position: 1, title: "Clip" } });
    const asset = await db.asset.create({
      data: { kind: "VIDEO", status: "PROCESSING", courseId: course.id, lessonId: lesson.id, storageKey: "pending", contentType: "video/mp4", fileName: "clip.mp4" },
    });
    const sourceKey = videoOriginalKey(course.id, asset.id);
    await env.storage.putObject(sourceKey, fs.readFileSync(source), { contentType: "video/mp4" });
    await db.$transaction((tx) => enqueueTranscode(appBoss, tx, { assetId: asset.id, sourceKey }));

    const result = await runWorker({ db, boss: workerBoss, storage: env.storage, maxJobs: 1, pollMs: 50, leaseSeconds: 10, tmpDir: env.dir, log: () => undefined });
    expect(result.processed).toBe(1);
    const done = await db.asset.findUniqueOrThrow({ where: { id: asset.id } });
    expect(done).toMatchObject({ status: "READY", width: 1280, height: 720, error: null });
    expect(done.durationSeconds).toBeCloseTo(SECONDS, 0);

    const prefix = lessonVideoPrefix(course.id, lesson.id, asset.id);
    const variants = masterVariants(await text(`${prefix}master.m3u8`));
    expect(variants).toEqual([
      { uri: "720p/index.m3u8", resolution: "1280x720" },
      { uri: "360p/index.m3u8", resolution: "640x360" },
      { uri: "180p/index.m3u8", resolution: "320x180" },
    ]);
    const lists: Record<string, MediaPlaylist> = {};
    for (const v of variants) lists[v.uri.split("/")[0]] = parseMediaPlaylist(await text(`${prefix}${v.uri}`));
    expect(ladderProblems(lists, done.durationSeconds!)).toEqual([]);
    expect(lists["720p"].segments).toHaveLength(SECONDS / 6);

    const stored = new Map((await env.storage.listObjects(prefix)).map((o) => [o.key.slice(prefix.length), o.size]));
    const renditions = parseRenditions(done.renditions);
    expect(renditions.map((r) => r.name)).toEqual(Object.keys(lists));
    for (const r of renditions) {
      const list = lists[r.name];
      for (const seg of list.segments) expect(stored.get(`${r.name}/${seg.uri}`), `${r.name}/${seg.uri}`).toBeGreaterThan(0);
      // Nothing in the folder that the playlist does not name.
      expect([...stored.keys()].filter((k) => k.startsWith(`${r.name}/`) && k.endsWith(".ts")).sort()).toEqual(list.segments.map((s) => `${r.name}/${s.uri}`).sort());
      // Every segment decodes as the rendition's size, H.264 with the audio.
      for (const seg of list.segments) {
        const file = path.join(env.dir, `${r.name}-${seg.uri}`);
        await pipeline((await env.storage.getObject(`${prefix}${r.name}/${seg.uri}`)).body, fs.createWriteStream(file));
        expect(await probeMedia({ file, demuxer: "mpegts" })).toMatchObject({ width: r.width, height: r.height, videoCodec: "h264", hasAudio: true, audioCodec: "aac" });
      }
    }
    expect(stored.get("thumbnails.jpg")).toBeGreaterThan(0);
    expect(stored.get("poster.jpg")).toBeGreaterThan(0);
    expect(await text(`${prefix}thumbnails.vtt`)).toMatch(/^WEBVTT\n\n00:00:00\.000 --> /);
  }, 120_000);
});
