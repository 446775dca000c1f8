import "server-only";

import crypto from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";

/**
 * Multipart objects kept as their parts (ADR 055), for the embedded storage only: completing
 * a multipart upload is a rename and a small manifest, as on S3 (where completion does not
 * rewrite the bytes either), instead of a second write of every byte.
 *
 * Layout, beside s3rver's files for key `<name>`:
 * - `<name>._S3rver_object`: a sparse file of the object's size (zeros, no blocks), so s3rver's
 *   stat-based size, Last-Modified and listings stay right;
 * - `<name>._S3rver_parts-<inode of that file>/`: the part files `1`, `2`, … and `manifest.json`
 *   naming them with their sizes and the object file's size and mtime.
 * A manifest counts only while the object file is the one it was written for: same inode (the
 * folder's name), size and mtime. s3rver writes a replaced object in place (same inode, new
 * mtime), so an object replaced by a PUT or a copy is read from its file even before the old
 * parts are removed. A read opens every part it needs before the first byte, so parts removed
 * meanwhile (the object replaced) still stream whole, like s3rver's own reads of a replaced file.
 */

export interface StoredPart {
  /** File name in the parts folder. */
  name: string;
  size: number;
}

interface Manifest {
  size: number;
  mtimeMs: number;
  parts: StoredPart[];
}

const PART_NAME = /^\d{1,5}$/;

function partsDir(objectPath: string, ino: number | bigint): string {
  const base = path.basename(objectPath).replace(/\._S3rver_object$/, "");
  return path.join(path.dirname(objectPath), `${base}._S3rver_parts-${ino}`);
}

/** The parts of the object at `objectPath` when it is kept as parts (null: read its file). */
export async function partsOf(objectPath: string): Promise<{ dir: string; parts: StoredPart[]; size: number } | null> {
  const stat = await fs.stat(objectPath).catch(() => null);
  if (!stat) return null;
  const dir = partsDir(objectPath, stat.ino);
  const raw = await fs.readFile(path.join(dir, "manifest.json"), "utf8").catch(() => null);
  if (raw === null) return null;
  const manifest = JSON.parse(raw) as Manifest;
  if (manifest.size !== stat.size || manifest.mtimeMs !== stat.mtimeMs) return null;
  if (!manifest.parts.every((p) => PART_NAME.test(p.name))) throw new Error(`embedded storage: bad manifest in ${dir}`);
  return { dir, parts: manifest.parts, size: manifest.size };
}

/** Bytes [start, end] (inclusive) of the object at `objectPath`, from its parts or its file. */
export async function readObject(objectPath: string, range?: { start: number; end: number }): Promise<Readable> {
  const kept = await partsOf(objectPath);
  return kept ? readParts(kept, range) : createReadStream(objectPath, range);
}

/** Bytes [start, end] (inclusive) of an object kept as parts (`partsOf`'s answer). */
export async function readParts(kept: { dir: string; parts: StoredPart[]; size: number }, range?: { start: number; end: number }): Promise<Readable> {
  const start = range?.start ?? 0;
  const end = range?.end ?? kept.size - 1;
  // Every part the range needs is opened now: it streams whole even if the object is replaced meanwhile.
  const pieces: Array<{ handle: fs.FileHandle; start: number; end: number }> = [];
  try {
    let offset = 0;
    for (const p of kept.parts) {
      const from = Math.max(start, offset);
      const to = Math.min(end, offset + p.size - 1);
      if (from <= to) pieces.push({ handle: await fs.open(path.join(kept.dir, p.name), "r"), start: from - offset, end: to - offset });
      offset += p.size;
    }
  } catch (err) {
    await Promise.all(pieces.map((p) => p.handle.close()));
    throw err;
  }
  let closed = false;
  const closeAll = async () => {
    if (closed) return;
    closed = true;
    await Promise.all(pieces.map((p) => p.handle.close().catch(() => undefined)));
  };
  async function* bytes() {
    try {
      for (const piece of pieces) yield* piece.handle.createReadStream({ start: piece.start, end: piece.end, autoClose: false });
    } finally {
      await closeAll();
    }
  }
  const stream = Readable.from(bytes(), { objectMode: false });
  // A stream destroyed before its first read (a HEAD: s3rver opens the body, Koa destroys it
  // unread) never runs the generator's `finally`.
  stream.once("close", () => void closeAll());
  return stream;
}

/**
 * Makes `files` (in order) the object at `objectPath`: they are moved into a new parts folder, a
 * sparse file of their total size is written beside the object and renamed over it; the parts
 * of the object it replaces are removed. Answers the size. On failure the files are put back.
 */
export async function storeAsParts(objectPath: string, files: readonly { file: string; size: number }[]): Promise<number> {
  const size = files.reduce((sum, f) => sum + f.size, 0);
  const tmp = `${objectPath}.joining-${crypto.randomBytes(6).toString("hex")}`;
  const handle = await fs.open(tmp, "w");
  let moved: Array<{ from: string; to: string }> = [];
  let dir: string | null = null;
  try {
    await handle.truncate(size);
    const stat = await handle.stat();
    await handle.close();
    dir = partsDir(objectPath, stat.ino);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir);
    moved = files.map((f, i) => ({ from: f.file, to: path.join(dir!, String(i + 1)) }));
    for (const m of moved) await fs.rename(m.from, m.to);
    const manifest: Manifest = { size, mtimeMs: (await fs.stat(tmp)).mtimeMs, parts: files.map((f, i) => ({ name: String(i + 1), size: f.size })) };
    await fs.writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    const previous = await partsOf(objectPath).catch(() => null);
    await fs.rename(tmp, objectPath);
    if (previous) await fs.rm(previous.dir, { recursive: true, force: true });
    return size;
  } catch (err) {
    await handle.close().catch(() => undefined);
    // Back where they were: the upload can be completed again.
    for (const m of moved) await fs.rename(m.to, m.from).catch(() => undefined);
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Removes the parts of the object at `objectPath` found before it was replaced or deleted. */
export async function dropParts(kept: { dir: string } | null): Promise<void> {
  if (kept) await fs.rm(kept.dir, { recursive: true, force: true });
}
