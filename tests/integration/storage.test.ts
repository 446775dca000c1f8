import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startEmbeddedStorage, type EmbeddedStorage } from "@/lib/storage/embedded";
import {
  assertSafeKey,
  courseCoverKey,
  InvalidObjectKeyError,
  lessonAttachmentKey,
  lessonCaptionKey,
  lessonFolder,
  lessonVideoMasterKey,
  lessonVideoObjectKey,
  lessonVideoPrefix,
  objectKeyToUrlPath,
  sourceUploadKey,
  urlPathToObjectKey,
} from "@/lib/storage/keys";
import { createStorage, ObjectNotFoundError, RangeNotSatisfiableError, type Storage } from "@/lib/storage/s3";

const BUCKET = "media";
const APP_ORIGIN = "http://localhost:3000";

let dir: string;
let embedded: EmbeddedStorage;
let storage: Storage;

/** A stream that yields `data` in 64 KiB chunks (a real flowing stream, not a buffer body). */
function chunked(data: Buffer, chunk = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

const md5 = (b: Buffer) => `"${crypto.createHash("md5").update(b).digest("hex")}"`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "storage-test-"));
  embedded = await startEmbeddedStorage({ directory: dir, port: 0, bucket: BUCKET, corsOrigins: [APP_ORIGIN] });
  storage = createStorage({
    bucket: BUCKET,
    region: "us-east-1",
    endpoint: embedded.endpoint,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  });
  await storage.ensureBucket();
});

afterAll(async () => {
  storage?.destroy();
  await embedded?.stop({ graceMs: 0 });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("embedded storage", () => {
  it("listens on 127.0.0.1 only, on the random port it reports", () => {
    expect(embedded.endpoint).toBe(`http://127.0.0.1:${embedded.port}`);
    expect(embedded.port).toBeGreaterThan(0);
  });

  it("ensureBucket is idempotent", async () => {
    await storage.ensureBucket();
    await storage.ensureBucket();
  });
});

describe("putObject / getObject", () => {
  const data = crypto.randomBytes(4 * 1024 * 1024 + 123);
  const key = "courses/c1/lessons/l1/video/a1/source.bin";

  it("streams a Readable of known length and reads it back byte for byte", async () => {
    const put = await storage.putObject(key, chunked(data), {
      contentType: "video/mp2t",
      contentDisposition: 'attachment; filename="clip.ts"',
      cacheControl: "private, max-age=60",
      contentLength: data.length,
    });
    // s3rver's ETag is the MD5 of what it stored: equal => no aws-chunked framing was stored.
    expect(put.etag).toBe(md5(data));

    const got = await storage.getObject(key);
    expect(got.status).toBe(200);
    expect(got.contentLength).toBe(data.length);
    expect(got.size).toBe(data.length);
    expect(got.contentType).toBe("video/mp2t");
    expect(got.contentDisposition).toBe('attachment; filename="clip.ts"');
    expect(got.cacheControl).toBe("private, max-age=60");
    expect(got.etag).toBe(md5(data));
    expect(got.lastModified).toBeInstanceOf(Date);
    expect(got.body).toBeInstanceOf(Readable);
    const back = await readAll(got.body);
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
  });

  it("refuses a stream of unknown length (no @aws-sdk/lib-storage installed)", async () => {
    await expect(storage.putObject("x/unknown.bin", chunked(data), { contentType: "application/octet-stream" })).rejects.toThrow(
      /contentLength is required/,
    );
    expect(await storage.headObject("x/unknown.bin")).toBeNull();
  });

  it("stores Buffers and Uint8Arrays with their own length", async () => {
    await storage.putObject("x/buf.txt", Buffer.from("hello"), { contentType: "text/plain" });
    await storage.putObject("x/u8.bin", new Uint8Array([1, 2, 3]), { contentType: "application/octet-stream" });
    expect((await readAll((await storage.getObject("x/buf.txt")).body)).toString()).toBe("hello");
    expect([...(await readAll((await storage.getObject("x/u8.bin")).body))]).toEqual([1, 2, 3]);
    await expect(storage.putObject("x/bad.txt", Buffer.from("hello"), { contentType: "text/plain", contentLength: 4 })).rejects.toThrow(
      RangeError,
    );
  });

  it("serves single byte ranges (bounded and open) as 206 with Content-Range", async () => {
    const r1 = await storage.getObject(key, { range: { start: 1000, end: 1999 } });
    expect(r1.status).toBe(206);
    expect(r1.contentRange).toBe(`bytes 1000-1999/${data.length}`);
    expect(r1.contentLength).toBe(1000);
    expect(r1.size).toBe(data.length);
    expect((await readAll(r1.body)).equals(data.subarray(1000, 2000))).toBe(true);

    const start = data.length - 10;
    const r2 = await storage.getObject(key, { range: { start } });
    expect(r2.status).toBe(206);
    expect(r2.contentRange).toBe(`bytes ${start}-${data.length - 1}/${data.length}`);
    expect((await readAll(r2.body)).equals(data.subarray(start))).toBe(true);
  });

  it("reports an unsatisfiable range with the object size", async () => {
    const err = await storage.getObject(key, { range: { start: data.length } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RangeNotSatisfiableError);
    expect((err as RangeNotSatisfiableError).size).toBe(data.length);
    await expect(storage.getObject(key, { range: { start: 10, end: 5 } })).rejects.toThrow(TypeError);
  });

  it("headObject returns metadata without a body, null when missing", async () => {
    const head = await storage.headObject(key);
    expect(head).toMatchObject({ contentLength: data.length, contentType: "video/mp2t", etag: md5(data) });
    expect(await storage.headObject("courses/c1/none.bin")).toBeNull();
    await expect(storage.getObject("courses/c1/none.bin")).rejects.toBeInstanceOf(ObjectNotFoundError);
  });
});

describe("delete, deletePrefix, listObjects", () => {
  it("deleteObject removes one object and tolerates a missing one", async () => {
    await storage.putObject("tmp/one.txt", Buffer.from("1"), { contentType: "text/plain" });
    await storage.deleteObject("tmp/one.txt");
    expect(await storage.headObject("tmp/one.txt")).toBeNull();
    await storage.deleteObject("tmp/one.txt");
  });

  it("deletePrefix removes exactly one folder (not a sibling sharing the prefix text)", async () => {
    const folder = lessonFolder("c9", "l1");
    const sibling = lessonFolder("c9", "l10");
    const keys = [`${folder}video/a/master.m3u8`, `${folder}video/a/720p/seg_00001.ts`, `${folder}attachments/b.pdf`];
    for (const k of [...keys, `${sibling}attachments/z.pdf`]) {
      await storage.putObject(k, Buffer.from(k), { contentType: "application/octet-stream" });
    }
    const listed = await storage.listObjects(folder);
    expect(listed.map((o) => o.key).sort()).toEqual([...keys].sort());
    expect(listed.every((o) => o.size > 0)).toBe(true);

    expect(await storage.deletePrefix(folder)).toBe(3);
    expect(await storage.listObjects(folder)).toEqual([]);
    expect((await storage.listObjects(sibling)).map((o) => o.key)).toEqual([`${sibling}attachments/z.pdf`]);
  });

  it("deletePrefix pages through more than one listing page", async () => {
    const folder = "courses/c8/lessons/big/";
    const n = 1005; // > 1000: two ListObjectsV2 pages and two DeleteObjects batches
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      pending.push(storage.putObject(`${folder}f${String(i).padStart(5, "0")}`, Buffer.from("x"), { contentType: "text/plain" }));
      if (pending.length === 50) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    expect((await storage.listObjects(folder)).length).toBe(n);
    expect(await storage.deletePrefix(folder)).toBe(n);
    expect(await storage.listObjects(folder)).toEqual([]);
  });

  it("deletePrefix refuses a prefix that is not a folder", async () => {
    await expect(storage.deletePrefix("courses/c9/lessons/l")).rejects.toThrow(/must be a folder/);
  });
});

describe("presigned URLs", () => {
  it("presigned GET works with fetch, including a response-content-disposition override", async () => {
    const key = "x/presigned.txt";
    await storage.putObject(key, Buffer.from("presigned body"), { contentType: "text/plain" });
    const url = await storage.presignGet(key, { expiresIn: 60, responseContentDisposition: 'attachment; filename="n.txt"' });
    expect(url.startsWith(`${embedded.endpoint}/${BUCKET}/x/presigned.txt?`)).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("presigned body");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="n.txt"');
  });

  it("presigned PUT works with fetch (and CORS allows the app origin)", async () => {
    const key = "sources/courses/c1/upload1.bin";
    const body = crypto.randomBytes(300_000);
    const signed = await storage.presignPut(key, { expiresIn: 60, contentType: "video/mp4", contentLength: body.length });
    expect(signed.method).toBe("PUT");
    expect(signed.headers).toEqual({ "Content-Type": "video/mp4" });
    expect(signed.url).not.toMatch(/x-amz-checksum/i);

    const preflight = await fetch(signed.url, {
      method: "OPTIONS",
      headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBeTruthy();
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/PUT/);

    const put = await fetch(signed.url, { method: "PUT", headers: { ...signed.headers, Origin: APP_ORIGIN }, body });
    expect(put.status).toBe(200);
    expect(put.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(put.headers.get("access-control-expose-headers")).toMatch(/ETag/);

    const got = await storage.getObject(key);
    expect(got.contentType).toBe("video/mp4");
    expect((await readAll(got.body)).equals(body)).toBe(true);
  });

  it("presigned PUT for AWS carries no SDK checksum of an empty body", async () => {
    const aws = createStorage({ bucket: "prod-media", region: "eu-west-1", accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" });
    try {
      const signed = await aws.presignPut("sources/courses/c1/a.mp4", { expiresIn: 600, contentType: "video/mp4" });
      expect(signed.url.startsWith("https://prod-media.s3.eu-west-1.amazonaws.com/sources/courses/c1/a.mp4?")).toBe(true);
      expect(signed.url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum-algorithm/i);
      expect(decodeURIComponent(signed.url)).toMatch(/X-Amz-SignedHeaders=content-type;host/);
    } finally {
      aws.destroy();
    }
  });

  it("refuses expiries outside 1 s .. 7 days", async () => {
    await expect(storage.presignGet("x/presigned.txt", { expiresIn: 0 })).rejects.toThrow(RangeError);
    await expect(storage.presignGet("x/presigned.txt", { expiresIn: 8 * 24 * 3600 })).rejects.toThrow(RangeError);
  });
});

describe("a private bucket: anonymous requests are refused", () => {
  const key = "courses/c1/lessons/l1/video/a1/poster.jpg";
  const url = () => `${embedded.endpoint}/${BUCKET}/${key}`;

  beforeAll(async () => {
    await storage.putObject(key, Buffer.from("poster bytes"), { contentType: "image/jpeg" });
  });

  it("an anonymous GET or HEAD of an existing object is 403 AccessDenied, as S3 answers for a private bucket", async () => {
    const get = await fetch(url());
    expect(get.status).toBe(403);
    expect(get.headers.get("content-type")).toMatch(/xml/);
    const body = await get.text();
    expect(body).toContain("<Code>AccessDenied</Code>");
    expect(body).not.toContain("poster bytes");
    expect((await fetch(url(), { method: "HEAD" })).status).toBe(403);
    // A missing key answers the same: nothing tells an anonymous caller what exists.
    expect((await fetch(`${embedded.endpoint}/${BUCKET}/courses/none.jpg`)).status).toBe(403);
  });

  it("anonymous listings and writes are refused and change nothing", async () => {
    expect((await fetch(`${embedded.endpoint}/`)).status).toBe(403);
    expect((await fetch(`${embedded.endpoint}/${BUCKET}?list-type=2`)).status).toBe(403);
    const put = await fetch(`${embedded.endpoint}/${BUCKET}/x/anonymous.txt`, { method: "PUT", body: "nope", headers: { "Content-Type": "text/plain" } });
    expect(put.status).toBe(403);
    expect(await storage.headObject("x/anonymous.txt")).toBeNull();
    const del = await fetch(url(), { method: "DELETE" });
    expect(del.status).toBe(403);
    expect(await storage.headObject(key)).not.toBeNull();
  });

  it("an empty Authorization header or X-Amz-Signature counts as none; SigV2-style query parameters alone are refused", async () => {
    expect((await fetch(url(), { headers: { Authorization: "" } })).status).toBe(403);
    expect((await fetch(`${url()}?X-Amz-Signature=`)).status).toBe(403);
    expect((await fetch(`${url()}?AWSAccessKeyId=S3RVER&Expires=9999999999&Signature=abc`)).status).toBe(403);
  });

  it("the SDK, presigned GET/PUT and CORS preflights keep working", async () => {
    expect((await readAll((await storage.getObject(key)).body)).toString()).toBe("poster bytes");
    const presigned = await fetch(await storage.presignGet(key, { expiresIn: 60 }));
    expect(presigned.status).toBe(200);
    expect(await presigned.text()).toBe("poster bytes");
    const signed = await storage.presignPut("x/presigned-put.txt", { expiresIn: 60, contentType: "text/plain" });
    expect((await fetch(signed.url, { method: "PUT", headers: signed.headers, body: "ok" })).status).toBe(200);
    expect(await storage.headObject("x/presigned-put.txt")).not.toBeNull();
    const preflight = await fetch(url(), {
      method: "OPTIONS",
      headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "GET" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get("access-control-allow-origin")).toBeTruthy();
  });
});

describe("unsafe keys", () => {
  const unsafe: Array<[string, string]> = [
    ["a/../b", "dot-dot segment"],
    ["../b", "leading dot-dot"],
    ["a/./b", "dot segment"],
    ["/a/b", "leading slash"],
    ["a//b", "empty segment"],
    ["a/b/", "trailing slash on a key"],
    ["a\\b", "backslash"],
    ["a/b\u0000c", "NUL"],
    ["a/b\nc", "newline"],
    ["a/b\u007f", "DEL"],
    ["a/\ud800", "lone surrogate"],
    ["", "empty"],
    ["a/" + "x".repeat(1023), "1,025 bytes"],
    ["a/" + "é".repeat(512), "1,026 UTF-8 bytes in 514 characters"],
  ];

  it.each(unsafe)("assertSafeKey refuses %j (%s)", (key) => {
    expect(() => assertSafeKey(key)).toThrow(InvalidObjectKeyError);
  });

  it("accepts a key of exactly 1,024 UTF-8 bytes", async () => {
    const key = "a/" + "é".repeat(511); // 2 + 1022 bytes
    expect(Buffer.byteLength(key)).toBe(1024);
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  it("every storage method refuses unsafe keys before any request", async () => {
    const opts = { contentType: "text/plain" };
    for (const [key] of unsafe) {
      await expect(storage.putObject(key, Buffer.from("x"), opts)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(storage.getObject(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(storage.headObject(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(storage.deleteObject(key)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(storage.presignGet(key, { expiresIn: 60 })).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(storage.presignPut(key, { expiresIn: 60, contentType: "text/plain" })).rejects.toBeInstanceOf(InvalidObjectKeyError);
    }
    for (const prefix of ["", "/courses/", "courses/../", "courses//x/", "a\\b/"]) {
      await expect(storage.deletePrefix(prefix)).rejects.toBeInstanceOf(InvalidObjectKeyError);
      await expect(storage.listObjects(prefix)).rejects.toBeInstanceOf(InvalidObjectKeyError);
    }
    // Nothing escaped the bucket directory.
    expect(fs.readdirSync(dir).sort()).toEqual([BUCKET]);
  });
});

describe("key builders", () => {
  it("derive keys from ids only", () => {
    expect(lessonFolder("c1", "l1")).toBe("courses/c1/lessons/l1/");
    expect(lessonVideoPrefix("c1", "l1", "a1")).toBe("courses/c1/lessons/l1/video/a1/");
    expect(lessonVideoMasterKey("c1", "l1", "a1")).toBe("courses/c1/lessons/l1/video/a1/master.m3u8");
    expect(lessonVideoObjectKey("c1", "l1", "a1", "720p/seg_00001.ts")).toBe("courses/c1/lessons/l1/video/a1/720p/seg_00001.ts");
    expect(lessonCaptionKey("c1", "l1", "a1", "pt-BR")).toBe("courses/c1/lessons/l1/video/a1/captions/pt-BR.vtt");
    expect(lessonAttachmentKey("c1", "l1", "b2", ".PDF")).toBe("courses/c1/lessons/l1/attachments/b2.pdf");
    expect(courseCoverKey("c1", "img", "webp")).toBe("courses/c1/cover/img.webp");
    expect(sourceUploadKey("c1", "up1", "mp4")).toBe("sources/courses/c1/up1.mp4");
  });

  it("refuse ids, extensions and file names that are not plain", () => {
    expect(() => lessonFolder("c1", "../l2")).toThrow(InvalidObjectKeyError);
    expect(() => lessonFolder("c/1", "l1")).toThrow(InvalidObjectKeyError);
    expect(() => lessonFolder("", "l1")).toThrow(InvalidObjectKeyError);
    expect(() => lessonFolder("x".repeat(65), "l1")).toThrow(InvalidObjectKeyError);
    expect(() => courseCoverKey("c1", "a", "jp/g")).toThrow(InvalidObjectKeyError);
    expect(() => lessonVideoObjectKey("c1", "l1", "a1", "../x.ts")).toThrow(InvalidObjectKeyError);
    expect(() => lessonVideoObjectKey("c1", "l1", "a1", ".hidden")).toThrow(InvalidObjectKeyError);
    expect(() => lessonCaptionKey("c1", "l1", "a1", "en/../x")).toThrow(InvalidObjectKeyError);
  });

  it("map keys to URL paths and back, decoding once", () => {
    expect(objectKeyToUrlPath("courses/c1/lessons/l1/video/a1/master.m3u8")).toBe("/courses/c1/lessons/l1/video/a1/master.m3u8");
    expect(objectKeyToUrlPath("a/b c")).toBe("/a/b%20c");
    expect(urlPathToObjectKey("/a/b%20c")).toBe("a/b c");
    expect(urlPathToObjectKey("/a/b%2520c")).toBe("a/b%20c"); // once, not twice
    expect(() => urlPathToObjectKey("/a/%2e%2e/b")).toThrow(InvalidObjectKeyError);
    expect(() => urlPathToObjectKey("/a/%E0%A4%A")).toThrow(InvalidObjectKeyError);
    expect(() => urlPathToObjectKey("/")).toThrow(InvalidObjectKeyError);
  });
});
