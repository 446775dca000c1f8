import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { startEmbeddedStorage, type EmbeddedStorage } from "@/lib/storage/embedded";
import { createStorage, type Storage } from "@/lib/storage/s3";

/** Embedded storage in a fresh temp directory (random port, bucket `media`) and a client for it. */
export async function startTestStorage(name: string): Promise<{ dir: string; bucket: string; embedded: EmbeddedStorage; storage: Storage; stop(): Promise<void> }> {
  const bucket = "media";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const embedded = await startEmbeddedStorage({ directory: dir, port: 0, bucket });
  const storage = createStorage({ bucket, region: "us-east-1", endpoint: embedded.endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  await storage.ensureBucket();
  return {
    dir,
    bucket,
    embedded,
    storage,
    async stop() {
      storage.destroy();
      await embedded.stop({ graceMs: 0 });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
