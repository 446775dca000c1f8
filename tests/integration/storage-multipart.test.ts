import crypto from "node:crypto";

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
});
