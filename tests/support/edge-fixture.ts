/**
 * What the edge tests share: raw HTTP requests (no URL normalisation), a listening helper, an
 * RSA key pair and signer, an embedded storage server with a client, and a storage wrapper
 * that records every call the edge makes.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

import { createKeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner, type CloudFrontSigner } from "@/lib/cloudfront/signer";
import { startEmbeddedStorage, type EmbeddedStorage } from "@/lib/storage/embedded";
import { createStorage, type GetOptions, type Storage } from "@/lib/storage/s3";

/** The URL signatures are issued for (not where the edge listens). */
export const BASE = "http://localhost:4000";
export const KEY_ID = "K1";

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Raw HTTP request to 127.0.0.1:`port`. `target` is a path or a BASE URL. */
export function httpRequest(port: number, target: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Res> {
  const p = target.startsWith(BASE) ? target.slice(BASE.length) : target;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: p, method: init.method ?? "GET", headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

export async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

/** An RSA-2048 key: new installations default to ECDSA P-256, the edge tests keep RSA covered. */
export function pemPair(): { privateKeyPem: string } {
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

export function signerFor(privateKeyPem: string): { signer: CloudFrontSigner; trustedKeys: ReturnType<ReturnType<typeof createKeyRing>["publicKeys"]> } {
  const keyRing = createKeyRing({ activeKeyId: KEY_ID, keys: [{ id: KEY_ID, privateKeyPem }] });
  return { signer: createCloudFrontSigner({ keyRing, hashAlgorithm: "SHA1" }), trustedKeys: keyRing.publicKeys() };
}

export interface StorageFixture {
  dir: string;
  embedded: EmbeddedStorage;
  storage: Storage;
  stop(): Promise<void>;
}

/** An embedded storage server (s3rver) in a temporary folder, with a client. */
export async function startStorageFixture(): Promise<StorageFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-test-"));
  const embedded = await startEmbeddedStorage({ directory: dir, port: 0, bucket: "media" });
  const storage = createStorage({ bucket: "media", region: "us-east-1", endpoint: embedded.endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  return {
    dir,
    embedded,
    storage,
    async stop() {
      storage.destroy();
      await embedded.stop({ graceMs: 0 });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type StorageCall = { op: "get" | "head"; key: string; options: Omit<GetOptions, "signal"> };

/** Wraps storage so that every call is pushed to `calls` (and every GET body to `onBody`). */
export function recordingStorage(
  inner: Pick<Storage, "getObject" | "headObject">,
  calls: StorageCall[],
  onBody?: (key: string, body: import("node:stream").Readable) => void,
): Pick<Storage, "getObject" | "headObject"> {
  return {
    async getObject(key, options = {}) {
      const { signal: _signal, ...rest } = options;
      calls.push({ op: "get", key, options: rest });
      const result = await inner.getObject(key, options);
      onBody?.(key, result.body);
      return result;
    },
    async headObject(key, options = {}) {
      calls.push({ op: "head", key, options: {} });
      return inner.headObject(key, options);
    },
  };
}
