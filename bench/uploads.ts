/**
 * Uploads: a video of 1 GiB (quick: 16 MiB, the multipart threshold) sent the way the
 * instructor's browser sends it — POST /api/uploads, part URLs asked for in batches ahead of need,
 * PARALLEL_PARTS parts at a time to presigned part URLs, then POST …/complete, which assembles
 * the parts at the video's original key and verifies that object there (ADR 032, 046, 053) — against
 * one plain PUT of the same bytes to a presigned URL of the same storage. Ratio: plain time /
 * multipart time (≥ 0.80). The app's RSS before and after: flat, since bytes never pass through
 * it. The browser's pure protocol (components/uploads/protocol.ts) decides batches, order and
 * the completion body; only the transport (Node http instead of XHR) differs, without retries.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { PartUrls } from "@/components/uploads/part-urls";
import { PARALLEL_PARTS, completionBody, pendingParts, sessionFromStarted, startRequest, uploadApi } from "@/components/uploads/protocol";
import { partRange } from "@/lib/uploads/rules";
import type { PresignedParts, SignedRequest, StartedUpload } from "@/lib/uploads/wire";
import { createStorage } from "@/lib/storage/s3";
import { signIn } from "./lib/data";
import { rssOf } from "./lib/processes";
import { check, compare, type Bench } from "./lib/result";

const MiB = 1024 * 1024;
/** "Flat": the app's RSS after the upload at most this much above before (the edge's threshold too). */
const FLAT_RSS_BYTES = 64 * MiB;

/** A file that sniffs as MP4 (an `ftyp` box) followed by random bytes. */
function writeVideo(file: string, bytes: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, "w");
  try {
    const head = Buffer.from("000000186674797069736f6d0000020069736f6d6d703431", "hex");
    fs.writeSync(fd, head);
    const chunk = crypto.randomBytes(8 * MiB);
    for (let written = head.length; written < bytes; ) {
      const n = Math.min(chunk.length, bytes - written);
      fs.writeSync(fd, chunk, 0, n);
      written += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** PUTs bytes [start, end) of `file` to a presigned request; resolves with the ETag. */
function put(target: SignedRequest, file: string, start: number, end: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(target.url, { method: "PUT", headers: { ...target.headers, "Content-Length": end - start } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve(String(res.headers.etag ?? "").replace(/"/g, "")) : reject(new Error(`storage answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    fs.createReadStream(file, { start, end: end - 1 }).pipe(req);
  });
}

async function api<T>(appUrl: string, cookie: string, route: string, body: unknown): Promise<T> {
  const res = await fetch(appUrl + route, { method: "POST", headers: { "Content-Type": "application/json", Cookie: cookie, Origin: appUrl }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`bench: POST ${route} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** The browser's multipart upload of `file`; returns seconds for each step. */
async function multipartUpload(appUrl: string, cookie: string, target: { courseId: string; lessonId: string }, file: string, bytes: number) {
  const t0 = performance.now();
  const started = await api<StartedUpload>(appUrl, cookie, uploadApi.start, startRequest({ kind: "VIDEO", ...target }, { name: "bench.mp4", size: bytes, type: "video/mp4" }, ""));
  const session = sessionFromStarted(started);
  const plan = session.plan;
  if (!plan) throw new Error("bench: the upload was not multipart");
  const pending = pendingParts(session);
  const urls = new PartUrls(
    pending,
    async (partNumbers) => (await api<PresignedParts>(appUrl, cookie, uploadApi.parts(session.uploadId), { partNumbers })).parts,
  );
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const n = pending[next++]!;
      const { start, end } = partRange(plan, bytes, n);
      const etag = await put(await urls.take(n, false), file, start, end);
      urls.release(n);
      session.done.set(n, { etag, size: end - start });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, pending.length) }, worker));
  const t1 = performance.now();
  const done = await api<{ asset: { status: string } }>(appUrl, cookie, uploadApi.complete(session.uploadId), completionBody(session));
  const t2 = performance.now();
  if (done.asset.status !== "PROCESSING" && done.asset.status !== "READY") throw new Error(`bench: the upload ended ${done.asset.status}`);
  return { total: (t2 - t0) / 1000, parts: (t1 - t0) / 1000, complete: (t2 - t1) / 1000, partCount: plan.partCount };
}

export const uploads: Bench = async (ctx) => {
  const { stack } = ctx;
  const [db, storage, app] = await Promise.all([stack.database(), stack.storage(), stack.app("ecdsa")]);
  const bytes = ctx.quick ? 16 * MiB : 1024 * MiB;
  const { rows } = await db.pool.query<{ courseId: string; lessonId: string }>(
    `SELECT c.id AS "courseId", l.id AS "lessonId" FROM "Course" c JOIN "Section" s ON s."courseId" = c.id JOIN "Lesson" l ON l."sectionId" = s.id
      WHERE c.slug = 'sql-basics' ORDER BY s.position, l.position LIMIT 1`,
  );
  if (!rows[0]) throw new Error("bench: the demo course sql-basics has no lesson");
  const cookie = await signIn(app.url, "instructor@example.com");
  const file = path.resolve(`var/bench-tmp/upload-${bytes}.bin`);
  ctx.log(`uploads: writing ${bytes / MiB} MiB of test bytes`);
  writeVideo(file, bytes);
  const store = createStorage(storage.settings);
  try {
    ctx.log("uploads: plain PUT");
    const plainKey = `sources/bench/plain-${Date.now()}.mp4`;
    const signed = await store.presignPut(plainKey, { contentType: "video/mp4", contentLength: bytes, expiresIn: 900 });
    const t0 = performance.now();
    await put(signed, file, 0, bytes);
    const plain = (performance.now() - t0) / 1000;
    await store.deleteObject(plainKey);

    ctx.log("uploads: multipart through the app");
    const rssBefore = rssOf(app.pid) ?? 0;
    const ours = await multipartUpload(app.url, cookie, rows[0], file, bytes);
    const rssAfter = rssOf(app.pid) ?? 0;
    const throughput = (s: number) => bytes / MiB / s;
    return [
      compare(`uploads: ${bytes / MiB} MiB multipart through presigned parts vs one plain PUT`, "MiB/s", throughput(ours.total), throughput(plain), { op: ">=", value: 0.8 }, {
        extra: {
          plainSeconds: +plain.toFixed(2),
          multipartSeconds: +ours.total.toFixed(2),
          partsSeconds: +ours.parts.toFixed(2),
          completeSeconds: +ours.complete.toFixed(2),
          parts: ours.partCount,
          parallelParts: PARALLEL_PARTS,
        },
      }),
      check("uploads: app RSS after the multipart upload vs before", "MiB", rssAfter / MiB, `≤ before + ${FLAT_RSS_BYTES / MiB} MiB`, rssAfter - rssBefore <= FLAT_RSS_BYTES, {
        baseline: rssBefore / MiB,
        ratio: rssAfter / Math.max(1, rssBefore),
      }),
    ];
  } finally {
    store.destroy();
    fs.rmSync(file, { force: true });
  }
};
