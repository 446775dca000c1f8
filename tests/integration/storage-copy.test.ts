import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CopySourceChangedError, ObjectNotFoundError, type Storage } from "@/lib/storage/s3";
import { startTestStorage } from "@/tests/support/test-storage";

/**
 * Server-side copies (lib/storage/copy.ts) against the embedded storage: s3rver's CopyObject,
 * and what lib/storage/embedded-shims.ts adds to it (UploadPartCopy, x-amz-copy-source-if-match,
 * a fresh ETag for a replaced destination).
 */

const MiB = 1024 * 1024;

let env: Awaited<ReturnType<typeof startTestStorage>>;
let storage: Storage;

async function readAll(key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of (await storage.getObject(key)).body) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

const md5 = (b: Buffer) => `"${crypto.createHash("md5").update(b).digest("hex")}"`;
const uploadsLeft = () => fs.readdirSync(path.join(env.dir, env.bucket, "._S3rver_uploads"), { withFileTypes: true }).filter((e) => e.isDirectory()).length;

beforeAll(async () => {
  env = await startTestStorage("storage-copy-test");
  storage = env.storage;
});

afterAll(() => env?.stop());

describe("copyObject", () => {
  it("copies the bytes with the metadata it is given, none of the source's, and leaves the source alone", async () => {
    const body = crypto.randomBytes(70_000);
    await storage.putObject("sources/c/a.pdf", body, { contentType: "text/html", contentDisposition: "inline", cacheControl: "no-cache" });
    const head = (await storage.headObject("sources/c/a.pdf"))!;
    await storage.copyObject("sources/c/a.pdf", "courses/c/a.pdf", {
      contentType: "application/pdf",
      contentDisposition: 'attachment; filename="a.pdf"',
      cacheControl: "public, max-age=31536000, immutable",
      sourceSize: head.contentLength,
      ifMatch: head.etag,
    });
    expect(await storage.headObject("courses/c/a.pdf")).toMatchObject({
      contentLength: body.length,
      contentType: "application/pdf",
      contentDisposition: 'attachment; filename="a.pdf"',
      cacheControl: "public, max-age=31536000, immutable",
      etag: md5(body),
    });
    expect((await readAll("courses/c/a.pdf")).equals(body)).toBe(true);
    expect(await storage.headObject("sources/c/a.pdf")).toMatchObject({ contentType: "text/html", etag: md5(body) });
  });

  it("a replaced destination gets the new bytes' ETag (s3rver alone would keep the old one)", async () => {
    const first = Buffer.from("first version");
    const second = Buffer.from("second, longer version");
    await storage.putObject("sources/c/b.txt", first, { contentType: "text/plain" });
    await storage.copyObject("sources/c/b.txt", "courses/c/b.txt", { contentType: "text/plain", sourceSize: first.length });
    await storage.putObject("sources/c/b.txt", second, { contentType: "text/plain" });
    await storage.copyObject("sources/c/b.txt", "courses/c/b.txt", { contentType: "text/plain", sourceSize: second.length });
    expect((await storage.headObject("courses/c/b.txt"))?.etag).toBe(md5(second));
    expect((await readAll("courses/c/b.txt")).toString()).toBe("second, longer version");
  });

  it("copies only the version that was checked: a source replaced since fails with CopySourceChangedError", async () => {
    await storage.putObject("sources/c/v.mp4", Buffer.from("checked bytes"), { contentType: "video/mp4" });
    const checked = (await storage.headObject("sources/c/v.mp4"))!;
    await storage.putObject("sources/c/v.mp4", Buffer.from("#EXTM3U\nfile:///etc/passwd\n"), { contentType: "video/mp4" });
    await expect(
      storage.copyObject("sources/c/v.mp4", "originals/courses/c/v", { contentType: "video/mp4", sourceSize: checked.contentLength, ifMatch: checked.etag }),
    ).rejects.toBeInstanceOf(CopySourceChangedError);
    expect(await storage.headObject("originals/courses/c/v")).toBeNull();
  });

  it("a missing source is ObjectNotFoundError", async () => {
    await expect(storage.copyObject("sources/c/none.mp4", "originals/courses/c/none", { contentType: "video/mp4", sourceSize: 1 })).rejects.toBeInstanceOf(
      ObjectNotFoundError,
    );
  });

  it("copies a large source in parts (UploadPartCopy), byte for byte, with the given metadata", async () => {
    const body = crypto.randomBytes(12 * MiB + 5);
    await storage.putObject("sources/c/big.mp4", body, { contentType: "video/mp4" });
    const head = (await storage.headObject("sources/c/big.mp4"))!;
    await storage.copyObject("sources/c/big.mp4", "originals/courses/c/big", {
      contentType: "video/mp4",
      sourceSize: head.contentLength,
      ifMatch: head.etag,
      multipartThreshold: 1,
      partSize: 5 * MiB,
    });
    expect(await storage.headObject("originals/courses/c/big")).toMatchObject({ contentLength: body.length, contentType: "video/mp4" });
    expect((await readAll("originals/courses/c/big")).equals(body)).toBe(true);
    expect(uploadsLeft()).toBe(0);
  });

  it("a copy in parts of a source replaced since fails, and leaves no object and no multipart upload", async () => {
    const body = crypto.randomBytes(11 * MiB);
    await storage.putObject("sources/c/big2.mp4", body, { contentType: "video/mp4" });
    await expect(
      storage.copyObject("sources/c/big2.mp4", "originals/courses/c/big2", {
        contentType: "video/mp4",
        sourceSize: body.length,
        ifMatch: '"0123456789abcdef0123456789abcdef"',
        multipartThreshold: 1,
        partSize: 5 * MiB,
      }),
    ).rejects.toBeInstanceOf(CopySourceChangedError);
    expect(await storage.headObject("originals/courses/c/big2")).toBeNull();
    expect(uploadsLeft()).toBe(0);
  });

  it("refuses a copy onto its own key, a part size below 5 MiB, and unsafe keys", async () => {
    await expect(storage.copyObject("sources/c/a.pdf", "sources/c/a.pdf", { contentType: "application/pdf", sourceSize: 1 })).rejects.toThrow(/same key/);
    await expect(
      storage.copyObject("sources/c/a.pdf", "courses/c/x.pdf", { contentType: "application/pdf", sourceSize: 10 * MiB, multipartThreshold: 1, partSize: MiB }),
    ).rejects.toThrow(/below 5 MiB/);
    await expect(storage.copyObject("sources/../x", "courses/c/x.pdf", { contentType: "application/pdf", sourceSize: 1 })).rejects.toThrow(/Invalid object key/);
  });
});
