/**
 * The edge's health endpoint and graceful shutdown: in process (drainAndClose) and as the real
 * process (edge/main.ts as a child, SIGTERM during a slow download).
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createEdgeServer, drainAndClose, ObjectCache } from "@/edge/server";
import type { CloudFrontSigner } from "@/lib/cloudfront/signer";
import { BASE, closeServer, httpRequest, KEY_ID, listen, pemPair, signerFor, startStorageFixture, type StorageFixture } from "@/tests/support/edge-fixture";

const BIG = "courses/c1/lessons/l1/video/a1/720p/big.ts";
const BIG_BODY = crypto.randomBytes(32 * 1024 * 1024);
const sha256 = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");

let fixture: StorageFixture;
let signer: CloudFrontSigner;
let privateKeyPem: string;
let trustedKeys: ReturnType<typeof signerFor>["trustedKeys"];

beforeAll(async () => {
  fixture = await startStorageFixture();
  // Immutable: cached by an edge with a large enough object limit (the in-process drain test),
  // streamed by edge/main.ts whose default limit is 16 MiB (the SIGTERM test).
  await fixture.storage.putObject(BIG, BIG_BODY, { contentType: "video/mp2t", cacheControl: "max-age=31536000, immutable" });
  privateKeyPem = pemPair().privateKeyPem;
  ({ signer, trustedKeys } = signerFor(privateKeyPem));
});

afterAll(async () => {
  await fixture?.stop();
});

function edgeFor(storage: StorageFixture["storage"], objectCache?: ObjectCache): http.Server {
  return createEdgeServer({ trustedKeys, storage, publicBaseUrl: BASE, corsOrigins: [], publicPrefixes: ["public/"], onError: () => {}, objectCache });
}

const signedBig = () => signer.signUrl(`${BASE}/${BIG}`, { expiresAt: Math.floor(Date.now() / 1000) + 3600 });

/** Starts a GET and resolves with the response paused after its first chunk. */
function startPausedDownload(port: number, target: string): Promise<{ res: http.IncomingMessage; first: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: target.slice(BASE.length), agent: false }, (res) => {
      res.once("data", (first: Buffer) => {
        res.pause();
        resolve({ res, first });
      });
    });
    req.on("error", reject);
  });
}

/** Reads the rest of a paused response slowly (a pause every 1 MiB); resolves with all bytes. */
function readRest(res: http.IncomingMessage, first: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks = [first];
    let sinceBreak = 0;
    res.on("data", (c: Buffer) => {
      chunks.push(c);
      sinceBreak += c.length;
      if (sinceBreak >= 1024 * 1024) {
        sinceBreak = 0;
        res.pause();
        setTimeout(() => res.resume(), 5);
      }
    });
    res.on("end", () => resolve(Buffer.concat(chunks)));
    res.on("error", reject);
    res.on("aborted", () => reject(new Error("aborted")));
    res.resume();
  });
}

function connectError(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(null);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe("GET /_edge/health", () => {
  it("200 ok when storage answers, before any verification, never cached", async () => {
    const edge = edgeFor(fixture.storage);
    const port = await listen(edge);
    try {
      const res = await httpRequest(port, "/_edge/health");
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ status: "ok", storage: "ok" });
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.headers["content-type"]).toBe("application/json");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");

      const metrics = JSON.parse((await httpRequest(port, "/_edge/metrics")).body.toString());
      expect(metrics).toMatchObject({ status: "ok", verify: true, storage: { gets: 0, heads: 0 }, cache: null });
      expect(metrics.rss).toBeGreaterThan(0);
    } finally {
      await closeServer(edge);
    }
  });

  it("503 unavailable with the reason when storage is down", async () => {
    const other = await startStorageFixture();
    const edge = edgeFor(other.storage);
    const port = await listen(edge);
    try {
      expect((await httpRequest(port, "/_edge/health")).status).toBe(200);
      await other.embedded.stop({ graceMs: 0 });
      const res = await httpRequest(port, "/_edge/health");
      expect(res.status).toBe(503);
      expect(res.headers["cache-control"]).toBe("no-store");
      const body = JSON.parse(res.body.toString());
      expect(body.status).toBe("unavailable");
      expect(body.storage).toMatch(/ECONNREFUSED|timeout|socket|connect/i);
    } finally {
      await closeServer(edge);
      await other.stop().catch(() => {});
    }
  });
});

describe("GET /_edge/health with storage stubs", () => {
  const stub = (headObject: () => Promise<null>) =>
    createEdgeServer({
      trustedKeys,
      storage: { getObject: () => Promise.reject(new Error("unused")), headObject },
      publicBaseUrl: BASE,
      corsOrigins: [],
      publicPrefixes: [],
      healthTimeoutMs: 100,
    });

  it("a 403 for the probe (S3 without s3:ListBucket) is a storage that answers; a hang is a timeout", async () => {
    const denied = Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    const cases: [() => Promise<null>, number, unknown][] = [
      [() => Promise.reject(denied), 200, { status: "ok", storage: "ok" }],
      [() => Promise.reject(Object.assign(new Error("boom"), { name: "InternalError" })), 503, { status: "unavailable", storage: "InternalError: boom" }],
      [() => new Promise<null>(() => {}), 503, { status: "unavailable", storage: "timeout" }],
    ];
    for (const [headObject, status, body] of cases) {
      const edge = stub(headObject);
      const port = await listen(edge);
      try {
        const res = await httpRequest(port, "/_edge/health");
        expect({ status: res.status, body: JSON.parse(res.body.toString()) }).toEqual({ status, body });
      } finally {
        await closeServer(edge);
      }
    }
  });
});

describe("drainAndClose", () => {
  it("lets a transfer in flight finish, closes idle connections at once, answers health with 503 draining", async () => {
    // Served from the object cache with one res.end(buffer): http.Server#close() would cut it.
    const cache = new ObjectCache({ maxBytes: 64 * 1024 * 1024, maxObjectBytes: 64 * 1024 * 1024 });
    const edge = edgeFor(fixture.storage, cache);
    const port = await listen(edge);
    expect(sha256((await httpRequest(port, signedBig())).body)).toBe(sha256(BIG_BODY));
    expect(cache.stats().entries).toBe(1);

    // An idle keep-alive connection.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let idleSocket: net.Socket | undefined;
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/_edge/health", agent }, (res) => {
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("socket", (s) => (idleSocket = s));
      req.on("error", reject);
    });
    const idleClosed = new Promise((r) => idleSocket!.once("close", r));

    // A download in flight (the client reads nothing yet).
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.pause();
    socket.write(`GET ${signedBig().slice(BASE.length)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));

    const started = Date.now();
    const drained = drainAndClose(edge, { deadlineMs: 20_000 });
    // A health request pipelined behind the download, sent once draining.
    socket.write("GET /_edge/health HTTP/1.1\r\nHost: x\r\n\r\n");
    await idleClosed;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await connectError(port)).toBe("ECONNREFUSED");

    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    const closed = new Promise((r) => socket.on("close", r));
    socket.resume();
    await closed;
    const raw = Buffer.concat(chunks);
    const headEnd = raw.indexOf("\r\n\r\n");
    expect(raw.subarray(0, headEnd).toString()).toMatch(/^HTTP\/1\.1 200 /);
    const body = raw.subarray(headEnd + 4, headEnd + 4 + BIG_BODY.length);
    expect(sha256(body)).toBe(sha256(BIG_BODY));
    const second = raw.subarray(headEnd + 4 + BIG_BODY.length).toString();
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/connection: close/i);
    expect(second.endsWith('{"status":"draining"}')).toBe(true);
    expect(await drained).toMatchObject({ forced: false });
  });

  it("cuts what is still open at the deadline", async () => {
    const edge = edgeFor(fixture.storage);
    const port = await listen(edge);
    const { res, first } = await startPausedDownload(port, signedBig());
    const result = await drainAndClose(edge, { deadlineMs: 300 });
    expect(result.forced).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(2_000);
    await expect(readRest(res, first)).rejects.toThrow(); // truncated
  });
});

describe("edge/main.ts on SIGTERM", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("finishes the download in flight byte-exact, refuses new connections, exits 0 within the deadline", async () => {
    const pemPath = path.join(fixture.dir, "trusted.pem");
    fs.writeFileSync(pemPath, privateKeyPem);
    const deadlineSeconds = 15;
    // tsx itself, not `npx tsx`: npm exec exits on SIGTERM without waiting for its child.
    child = spawn(path.resolve("node_modules/.bin/tsx"), ["--conditions=react-server", "edge/main.ts"], {
      env: {
        ...process.env,
        APP_ENV: "local",
        NODE_ENV: "test",
        EDGE_PORT: "0",
        EDGE_HOST: "127.0.0.1",
        MEDIA_BASE_URL: BASE,
        S3_ENDPOINT: fixture.embedded.endpoint,
        S3_BUCKET: "media",
        EDGE_TRUSTED_KEYS: `${KEY_ID}=${pemPath}`,
        EDGE_SHUTDOWN_SECONDS: String(deadlineSeconds),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child!.on("exit", (code, signal) => resolve({ code, signal })),
    );
    let output = "";
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child!.stdout!.on("data", (d: Buffer) => {
        output += d.toString();
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (m) resolve(Number(m[1]));
      });
      child!.on("exit", () => reject(new Error(`edge exited before listening:\n${output}`)));
    });

    expect((await httpRequest(port, "/_edge/health")).status).toBe(200);
    const { res, first } = await startPausedDownload(port, signedBig());
    expect(res.statusCode).toBe(200);

    const signalled = Date.now();
    child.kill("SIGTERM");
    await expect.poll(() => connectError(port), { timeout: 5_000, interval: 100 }).toBe("ECONNREFUSED");
    expect(child.exitCode).toBeNull(); // still serving the paused download

    const body = await readRest(res, first);
    expect(body.length).toBe(BIG_BODY.length);
    expect(sha256(body)).toBe(sha256(BIG_BODY));

    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(deadlineSeconds * 1000);
    expect(output).toMatch(/SIGTERM: draining/);
  }, 60_000);
});
