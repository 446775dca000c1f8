import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { multipartEtag } from "@/lib/storage/embedded-store";
import { NoSuchUploadError, type Storage } from "@/lib/storage/s3";
import { startTestStorage } from "@/tests/support/test-storage";

/**
 * The embedded storage's multipart uploads behave as S3's (lib/storage/embedded-store.ts,
 * ADR 053): the join is byte for byte with S3's multipart ETag; completion checks the parts'
 * ETags, order and sizes and leaves the upload intact when it fails; once completed (or
 * aborted), a presigned part URL of that upload is refused and cannot change the object.
 */

const MiB = 1024 * 1024;
let env: Awaited<ReturnType<typeof startTestStorage>>;
let storage: Storage;

const hex = (b: Buffer) => crypto.createHash("md5").update(b).digest("hex");

async function readAll(key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of (await storage.getObject(key)).body) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

/** PUTs `body` to a presigned part URL, as the browser does; resolves with the status and ETag. */
async function putPart(key: string, uploadId: string, n: number, body: Buffer): Promise<{ status: number; etag: string }> {
  const signed = await storage.presignUploadPart(key, uploadId, n, { expiresIn: 900, contentLength: body.length });
  const res = await fetch(signed.url, { method: "PUT", headers: signed.headers, body: new Uint8Array(body) });
  await res.arrayBuffer();
  return { status: res.status, etag: (res.headers.get("etag") ?? "").replace(/"/g, "") };
}

async function started(key: string, parts: Buffer[]) {
  const { uploadId } = await storage.createMultipartUpload(key, { contentType: "video/mp4" });
  const etags: string[] = [];
  for (const [i, body] of parts.entries()) etags.push((await putPart(key, uploadId, i + 1, body)).etag);
  return { uploadId, etags, list: () => etags.map((etag, i) => ({ partNumber: i + 1, etag })) };
}

beforeAll(async () => {
  env = await startTestStorage("storage-multipart-test");
  storage = env.storage;
});

afterAll(() => env?.stop());

describe("embedded multipart uploads (S3 semantics)", () => {
  it("joins the parts byte for byte, with S3's multipart ETag and the headers set at creation", async () => {
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(5 * MiB), crypto.randomBytes(123)];
    const up = await started("originals/courses/c/a", parts);
    expect(up.etags).toEqual(parts.map(hex));
    const done = await storage.completeMultipartUpload("originals/courses/c/a", up.uploadId, up.list());
    const etag = multipartEtag(parts.map(hex));
    expect(etag).toMatch(/^[0-9a-f]{32}-3$/);
    expect(done.etag).toBe(`"${etag}"`);
    expect(await storage.headObject("originals/courses/c/a")).toMatchObject({ contentLength: 10 * MiB + 123, contentType: "video/mp4", etag: `"${etag}"` });
    expect((await readAll("originals/courses/c/a")).equals(Buffer.concat(parts))).toBe(true);
    await expect(storage.listParts("originals/courses/c/a", up.uploadId)).rejects.toBeInstanceOf(NoSuchUploadError);
  });

  it("a part URL used after completion is refused (404 NoSuchUpload) and the object stays as completed", async () => {
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(1000)];
    const up = await started("originals/courses/c/b", parts);
    await storage.completeMultipartUpload("originals/courses/c/b", up.uploadId, up.list());
    const before = await storage.headObject("originals/courses/c/b");
    for (const n of [1, 2, 3]) {
      const res = await putPart("originals/courses/c/b", up.uploadId, n, Buffer.from("#EXTM3U\nfile:///etc/passwd\n".padEnd(1000, " ")));
      expect(res.status).toBe(404);
    }
    // Completing again with those part numbers cannot reassemble it either.
    await expect(storage.completeMultipartUpload("originals/courses/c/b", up.uploadId, up.list())).rejects.toBeInstanceOf(NoSuchUploadError);
    expect(await storage.headObject("originals/courses/c/b")).toEqual(before);
    expect((await readAll("originals/courses/c/b")).equals(Buffer.concat(parts))).toBe(true);
  });

  it("a part replaced after its ETag was listed fails the completion (InvalidPart) and leaves the upload to complete again", async () => {
    const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(2000)];
    const up = await started("originals/courses/c/c", parts);
    const listed = await storage.listParts("originals/courses/c/c", up.uploadId);
    const other = crypto.randomBytes(2000);
    expect((await putPart("originals/courses/c/c", up.uploadId, 2, other)).status).toBe(200);
    await expect(
      storage.completeMultipartUpload(
        "originals/courses/c/c",
        up.uploadId,
        listed.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      ),
    ).rejects.toMatchObject({ name: "InvalidPart" });
    expect(await storage.headObject("originals/courses/c/c")).toBeNull();
    const again = await storage.listParts("originals/courses/c/c", up.uploadId);
    expect(again.map((p) => p.etag)).toEqual([hex(parts[0]!), hex(other)]);
    await storage.completeMultipartUpload("originals/courses/c/c", up.uploadId, again);
    expect((await readAll("originals/courses/c/c")).equals(Buffer.concat([parts[0]!, other]))).toBe(true);
  });

  it("refuses a part below 5 MiB that is not the last (EntityTooSmall), and a part URL of an aborted upload", async () => {
    const up = await started("originals/courses/c/d", [crypto.randomBytes(1000), crypto.randomBytes(1000)]);
    await expect(storage.completeMultipartUpload("originals/courses/c/d", up.uploadId, up.list())).rejects.toMatchObject({ name: "EntityTooSmall" });
    await storage.abortMultipartUpload("originals/courses/c/d", up.uploadId);
    expect((await putPart("originals/courses/c/d", up.uploadId, 1, crypto.randomBytes(1000))).status).toBe(404);
    expect(await storage.headObject("originals/courses/c/d")).toBeNull();
  });

  it("joins right whatever the order parts arrive in, when a part is sent again with other bytes, and for a list that skips a part", async () => {
    const key = "originals/courses/c/e";
    const parts = [0, 1, 2, 3].map(() => crypto.randomBytes(5 * MiB));
    const { uploadId } = await storage.createMultipartUpload(key, { contentType: "video/mp4" });
    const etags: string[] = [];
    // Part 3 first, then 1, 2 and 4 at once.
    etags[2] = (await putPart(key, uploadId, 3, parts[2]!)).etag;
    const sent = await Promise.all([1, 2, 4].map((n) => putPart(key, uploadId, n, parts[n - 1]!)));
    [etags[0], etags[1], etags[3]] = sent.map((r) => r.etag);
    // Part 2 again with other bytes.
    parts[1] = crypto.randomBytes(5 * MiB);
    etags[1] = (await putPart(key, uploadId, 2, parts[1])).etag;
    await storage.completeMultipartUpload(key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
    expect((await readAll(key)).equals(Buffer.concat(parts))).toBe(true);

    const skip = "originals/courses/c/f";
    const up = await started(skip, parts);
    const list = up.list().filter((p) => p.partNumber !== 2);
    const done = await storage.completeMultipartUpload(skip, up.uploadId, list);
    expect(done.etag).toBe(`"${multipartEtag([parts[0]!, parts[2]!, parts[3]!].map(hex))}"`);
    expect((await readAll(skip)).equals(Buffer.concat([parts[0]!, parts[2]!, parts[3]!]))).toBe(true);
  });

  it("completes right after parts sent all at once", async () => {
    const key = "originals/courses/c/g";
    const parts = Array.from({ length: 6 }, () => crypto.randomBytes(5 * MiB));
    const { uploadId } = await storage.createMultipartUpload(key, { contentType: "video/mp4" });
    const sent = await Promise.all(parts.map((body, i) => putPart(key, uploadId, i + 1, body)));
    await storage.completeMultipartUpload(key, uploadId, sent.map((r, i) => ({ partNumber: i + 1, etag: r.etag })));
    expect((await readAll(key)).equals(Buffer.concat(parts))).toBe(true);
    expect(await storage.headObject(key)).toMatchObject({ contentLength: 30 * MiB, etag: `"${multipartEtag(parts.map(hex))}"` });
  });

  describe("a completed upload is kept as its parts (ADR 055)", () => {
    const objectFile = (key: string) => path.join(env.dir, env.bucket, ...key.split("/").slice(0, -1), `${key.split("/").at(-1)}._S3rver_object`);
    const partsFolders = (key: string) => fs.readdirSync(path.dirname(objectFile(key))).filter((n) => n.startsWith(`${key.split("/").at(-1)}._S3rver_parts-`));
    const range = async (key: string, start: number, end: number) => {
      const chunks: Buffer[] = [];
      for await (const c of (await storage.getObject(key, { range: { start, end } })).body) chunks.push(Buffer.from(c as Uint8Array));
      return Buffer.concat(chunks);
    };

    it("completes without writing the bytes again; ranges across parts, listings and sizes read right", async () => {
      const key = "originals/courses/k/a";
      const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(5 * MiB), crypto.randomBytes(777)];
      const up = await started(key, parts);
      await storage.completeMultipartUpload(key, up.uploadId, up.list());
      const whole = Buffer.concat(parts);
      // The object's own file holds no blocks: the bytes stay in the parts.
      expect(fs.statSync(objectFile(key)).blocks * 512).toBeLessThan(64 * 1024);
      expect(partsFolders(key)).toHaveLength(1);
      expect((await readAll(key)).equals(whole)).toBe(true);
      for (const [start, end] of [[0, 9], [5 * MiB - 3, 5 * MiB + 2], [5 * MiB - 1, 10 * MiB], [10 * MiB + 776, 10 * MiB + 776], [1, 10 * MiB + 776]] as const) {
        expect((await range(key, start, end)).equals(whole.subarray(start, end + 1))).toBe(true);
      }
      expect(await storage.listObjects("originals/courses/k/")).toEqual([expect.objectContaining({ key, size: whole.length })]);
    });

    it("HEAD and abandoned reads close the part files they opened", async () => {
      const key = "originals/courses/k/h";
      const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(5 * MiB), crypto.randomBytes(10)];
      const up = await started(key, parts);
      await storage.completeMultipartUpload(key, up.uploadId, up.list());
      const openFds = () => fs.readdirSync("/proc/self/fd").length;
      const before = openFds();
      for (let i = 0; i < 20; i++) expect((await storage.headObject(key))?.contentLength).toBe(10 * MiB + 10);
      for (let i = 0; i < 5; i++) {
        const got = await storage.getObject(key);
        for await (const _chunk of got.body) break;
      }
      await new Promise((r) => setTimeout(r, 300));
      // 3 part files per read would be 75 descriptors; allow for sockets the client keeps open.
      expect(openFds() - before).toBeLessThan(10);
    });

    it("a plain PUT, a copy onto it or a delete replaces it and removes its parts; a copy of it is its bytes", async () => {
      const key = "originals/courses/k/b";
      const parts = [crypto.randomBytes(5 * MiB), crypto.randomBytes(1234)];
      const up = await started(key, parts);
      await storage.completeMultipartUpload(key, up.uploadId, up.list());
      const head = (await storage.headObject(key))!;

      // Copied out, in one CopyObject and in parts (UploadPartCopy): the bytes, not the sparse file.
      await storage.copyObject(key, "originals/courses/k/copy1", { contentType: "video/mp4", sourceSize: head.contentLength, ifMatch: head.etag });
      await storage.copyObject(key, "originals/courses/k/copy2", { contentType: "video/mp4", sourceSize: head.contentLength, multipartThreshold: 1, partSize: 5 * MiB });
      expect((await readAll("originals/courses/k/copy1")).equals(Buffer.concat(parts))).toBe(true);
      expect((await readAll("originals/courses/k/copy2")).equals(Buffer.concat(parts))).toBe(true);

      // Completed again over itself: the new parts replace the old ones.
      const next = [crypto.randomBytes(5 * MiB), crypto.randomBytes(10)];
      const again = await started(key, next);
      await storage.completeMultipartUpload(key, again.uploadId, again.list());
      expect(partsFolders(key)).toHaveLength(1);
      expect((await readAll(key)).equals(Buffer.concat(next))).toBe(true);

      await storage.putObject(key, Buffer.from("plain bytes"), { contentType: "text/plain" });
      expect((await readAll(key)).toString()).toBe("plain bytes");
      expect(partsFolders(key)).toEqual([]);

      const third = await started(key, next);
      await storage.completeMultipartUpload(key, third.uploadId, third.list());
      await storage.copyObject("originals/courses/k/copy1", key, { contentType: "video/mp4", sourceSize: head.contentLength });
      expect((await readAll(key)).equals(Buffer.concat(parts))).toBe(true);
      expect(partsFolders(key)).toEqual([]);

      const fourth = await started(key, next);
      await storage.completeMultipartUpload(key, fourth.uploadId, fourth.list());
      await storage.deleteObject(key);
      expect(await storage.headObject(key)).toBeNull();
      expect(partsFolders(key)).toEqual([]);
      expect((await readAll("originals/courses/k/copy2")).equals(Buffer.concat(parts))).toBe(true);
    });
  });
});
