import crypto from "node:crypto";
import http from "node:http";
import net from "node:net";
import type { Readable } from "node:stream";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { cfBase64Encode } from "@/lib/cloudfront/base64";
import { createEdgeServer, MAX_HEADER_BYTES, MAX_URL_BYTES } from "@/edge/server";
import { createKeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner, type CloudFrontSigner } from "@/lib/cloudfront/signer";
import type { Storage } from "@/lib/storage/s3";
import {
  BASE,
  closeServer,
  httpRequest,
  KEY_ID,
  listen,
  pemPair,
  recordingStorage,
  startStorageFixture,
  type Res,
  type StorageCall,
  type StorageFixture,
} from "@/tests/support/edge-fixture";

const APP_ORIGIN = "http://localhost:3000";

const MASTER = "courses/c1/lessons/l1/video/a1/master.m3u8";
const SEG = "courses/c1/lessons/l1/video/a1/720p/seg_00001.ts";
const BIG = "courses/c1/lessons/l1/video/a1/720p/big.ts";
const ATTACH = "courses/c1/lessons/l1/attachments/b1.pdf";
const EMPTY = "courses/c1/lessons/l1/empty.bin";
const SIBLING = "courses/c1/lessons/l2/video/a2/master.m3u8";
const COVER = "public/courses/c1/cover/img.jpg";

const MASTER_BODY = Buffer.from("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n");
const SEG_BODY = crypto.randomBytes(300_000);
const BIG_BODY = crypto.randomBytes(8 * 1024 * 1024);
const COVER_BODY = crypto.randomBytes(5_000);

/** Error bodies exactly as the facts doc lists them. */
const XML = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
const MISSING_KEY = XML("MissingKey", "Missing Key-Pair-Id query parameter or cookie value");
const INVALID_KEY = XML("InvalidKey", "Unknown Key");
const MALFORMED_SIGNATURE = XML("MalformedSignature", "Could not unencode Signature");
const MALFORMED_POLICY = XML("MalformedPolicy", "Malformed Policy");
const ACCESS_DENIED = XML("AccessDenied", "Access denied");
/** What S3 behind OAC (no s3:ListBucket) answers for a missing key: note the capital D. */
const ORIGIN_ACCESS_DENIED = XML("AccessDenied", "Access Denied");

let fixture: StorageFixture;
let storage: Storage;
let signer: CloudFrontSigner;
let rogueSigner: CloudFrontSigner; // same key id, different private key
let privateKeyPem: string;
let clock = Math.floor(Date.now() / 1000);
let edge: http.Server;
let edge404: http.Server;
let port: number;
let port404: number;

const calls: StorageCall[] = [];
const bodies = new Map<string, Readable[]>();

/** Raw HTTP request to the edge (default) or another port. */
function request(target: string, init: { method?: string; headers?: Record<string, string>; port?: number } = {}): Promise<Res> {
  return httpRequest(init.port ?? port, target, init);
}

/** Sends bytes on a raw socket and returns the status line. */
function rawStatusLine(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
    let data = "";
    socket.on("data", (d) => {
      data += d.toString("latin1");
      if (data.includes("\r\n")) {
        socket.destroy();
        resolve(data.slice(0, data.indexOf("\r\n")));
      }
    });
    socket.on("error", reject);
  });
}

const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

const later = () => clock + 3600;

function expectEdgeError(res: Res, body: string): void {
  expect(res.status).toBe(403);
  expect(res.headers["content-type"]).toBe("text/xml");
  expect(res.body.toString("utf8")).toBe(body);
}

/** An independent canned-policy signer written from the facts doc (node:crypto only). */
function cannedByHand(url: string, expires: number, pem: string, keyId = KEY_ID): string {
  const policy = `{"Statement":[{"Resource":"${url}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
  const sig = crypto
    .sign("RSA-SHA1", Buffer.from(policy, "utf8"), pem)
    .toString("base64")
    .replace(/\+/g, "-")
    .replace(/=/g, "_")
    .replace(/\//g, "~");
  return `${url}${url.includes("?") ? "&" : "?"}Expires=${expires}&Signature=${sig}&Key-Pair-Id=${keyId}`;
}

beforeAll(async () => {
  fixture = await startStorageFixture();
  storage = fixture.storage;
  await storage.putObject(MASTER, MASTER_BODY, { contentType: "application/vnd.apple.mpegurl" });
  await storage.putObject(SEG, SEG_BODY, { contentType: "video/mp2t", cacheControl: "public, max-age=31536000, immutable" });
  await storage.putObject(BIG, BIG_BODY, { contentType: "video/mp2t" });
  await storage.putObject(ATTACH, Buffer.from("%PDF-1.4 fake"), { contentType: "application/pdf", contentDisposition: "inline" });
  await storage.putObject(EMPTY, Buffer.alloc(0), { contentType: "application/octet-stream" });
  await storage.putObject(SIBLING, Buffer.from("#EXTM3U\nsibling\n"), { contentType: "application/vnd.apple.mpegurl" });
  await storage.putObject(COVER, COVER_BODY, { contentType: "image/jpeg" });

  const pair = pemPair();
  privateKeyPem = pair.privateKeyPem;
  const keyRing = createKeyRing({ activeKeyId: KEY_ID, keys: [{ id: KEY_ID, privateKeyPem }] });
  signer = createCloudFrontSigner({ keyRing, hashAlgorithm: "SHA1" });
  rogueSigner = createCloudFrontSigner({
    keyRing: createKeyRing({ activeKeyId: KEY_ID, keys: [{ id: KEY_ID, privateKeyPem: pemPair().privateKeyPem }] }),
    hashAlgorithm: "SHA1",
  });

  const common = {
    trustedKeys: keyRing.publicKeys(),
    storage: recordingStorage(storage, calls, (key, body) => bodies.set(key, [...(bodies.get(key) ?? []), body])),
    publicBaseUrl: BASE,
    corsOrigins: [APP_ORIGIN],
    publicPrefixes: ["public/"],
    now: () => clock,
    onError: () => {},
  };
  edge = createEdgeServer(common);
  edge404 = createEdgeServer({ ...common, missingObjectStatus: 404 });
  port = await listen(edge);
  port404 = await listen(edge404);
});

afterAll(async () => {
  for (const s of [edge, edge404]) if (s) await closeServer(s);
  await fixture?.stop();
});

beforeEach(() => {
  clock = Math.floor(Date.now() / 1000);
  calls.length = 0;
});

describe("failures: 403 text/xml with CloudFront's exact Code/Message", () => {
  it("MissingKey for an unsigned request", async () => {
    expectEdgeError(await request(`/${MASTER}`), MISSING_KEY);
    expect(calls).toEqual([]);
  });

  it("InvalidKey for a key id outside the trusted key group", async () => {
    const url = signer.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() }).replace(`Key-Pair-Id=${KEY_ID}`, "Key-Pair-Id=UNKNOWN");
    expectEdgeError(await request(url), INVALID_KEY);
  });

  it("MalformedSignature for a signature that is not CloudFront base64", async () => {
    const url = signer.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() }).replace(/Signature=[^&]*/, "Signature=not*base64!");
    expectEdgeError(await request(url), MALFORMED_SIGNATURE);
  });

  it("MalformedPolicy for a policy that is not valid JSON policy", async () => {
    const sig = cfBase64Encode(crypto.randomBytes(256));
    const url = `${BASE}/${MASTER}?Policy=${cfBase64Encode("{not json")}&Signature=${sig}&Key-Pair-Id=${KEY_ID}`;
    expectEdgeError(await request(url), MALFORMED_POLICY);
  });

  it("AccessDenied for a signature made with another private key", async () => {
    expectEdgeError(await request(rogueSigner.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() })), ACCESS_DENIED);
  });

  it("AccessDenied once expired (now >= Expires), checked per request", async () => {
    const expiresAt = clock + 60;
    const url = signer.signUrl(`${BASE}/${MASTER}`, { expiresAt });
    clock = expiresAt - 1;
    expect((await request(url)).status).toBe(200);
    clock = expiresAt;
    expectEdgeError(await request(url), ACCESS_DENIED);
  });

  it("AccessDenied for a resource mismatch (canned URL replayed on another path, custom policy on a sibling)", async () => {
    const canned = signer.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() });
    const query = canned.slice(canned.indexOf("?"));
    expectEdgeError(await request(`/${SIBLING}${query}`), ACCESS_DENIED);

    const policy = signer.policyQuery({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() });
    expect((await request(`/${MASTER}?${policy}`)).status).toBe(200);
    expectEdgeError(await request(`/${SIBLING}?${policy}`), ACCESS_DENIED);
  });

  it("AccessDenied when a query parameter is added after signing", async () => {
    const url = signer.signUrl(`${BASE}/${MASTER}?v=1`, { expiresAt: later() });
    expect((await request(url)).status).toBe(200);
    expectEdgeError(await request(url.replace("?v=1", "?v=2")), ACCESS_DENIED);
    expectEdgeError(await request(`${url}&extra=1`), ACCESS_DENIED);
  });

  it("AccessDenied for an IP condition the viewer does not meet; allowed when it does", async () => {
    const resource = `${BASE}/${MASTER}`;
    expectEdgeError(await request(signer.signUrlWithPolicy(resource, { resource, expiresAt: later(), ipAddress: "10.0.0.0/8" })), ACCESS_DENIED);
    expect((await request(signer.signUrlWithPolicy(resource, { resource, expiresAt: later(), ipAddress: "127.0.0.1/32" }))).status).toBe(200);
  });

  it("failures are never cached by the viewer", async () => {
    expect((await request(`/${MASTER}`)).headers["cache-control"]).toBe("no-store");
  });
});

describe("signed URL: serving the object", () => {
  it("200 with the exact bytes and object metadata", async () => {
    const res = await request(signer.signUrl(`${BASE}/${SEG}`, { expiresAt: later() }));
    expect(res.status).toBe(200);
    expect(res.body.equals(SEG_BODY)).toBe(true);
    expect(res.headers["content-length"]).toBe(String(SEG_BODY.length));
    expect(res.headers["content-type"]).toBe("video/mp2t");
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(new Date(String(res.headers["last-modified"])).getTime()).toBeGreaterThan(0);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    // The object says `public`: a cookie-authorised URL must still never sit in a shared cache.
    expect(res.headers["cache-control"]).toBe("private, max-age=31536000, immutable");
  });

  it("a URL signed by an independent node:crypto implementation of the facts doc is accepted", async () => {
    const res = await request(cannedByHand(`${BASE}/${MASTER}`, later(), privateKeyPem));
    expect(res.status).toBe(200);
    expect(res.body.equals(MASTER_BODY)).toBe(true);
    expect(res.headers["cache-control"]).toBe("private, max-age=3600");
  });

  it("Content-Disposition comes from the object", async () => {
    const res = await request(signer.signUrl(`${BASE}/${ATTACH}`, { expiresAt: later() }));
    expect(res.status).toBe(200);
    expect(res.headers["content-disposition"]).toBe("inline");
    expect(res.headers["content-type"]).toBe("application/pdf");
  });

  it("Range: 206 with the right slice (bounded, open, suffix)", async () => {
    const url = signer.signUrl(`${BASE}/${SEG}`, { expiresAt: later() });
    const size = SEG_BODY.length;

    const bounded = await request(url, { headers: { Range: "bytes=1000-1999" } });
    expect(bounded.status).toBe(206);
    expect(bounded.headers["content-range"]).toBe(`bytes 1000-1999/${size}`);
    expect(bounded.headers["content-length"]).toBe("1000");
    expect(bounded.body.equals(SEG_BODY.subarray(1000, 2000))).toBe(true);

    const open = await request(url, { headers: { Range: `bytes=${size - 100}-` } });
    expect(open.status).toBe(206);
    expect(open.headers["content-range"]).toBe(`bytes ${size - 100}-${size - 1}/${size}`);
    expect(open.body.equals(SEG_BODY.subarray(size - 100))).toBe(true);

    const suffix = await request(url, { headers: { Range: "bytes=-500" } });
    expect(suffix.status).toBe(206);
    expect(suffix.headers["content-range"]).toBe(`bytes ${size - 500}-${size - 1}/${size}`);
    expect(suffix.body.equals(SEG_BODY.subarray(size - 500))).toBe(true);

    const clamped = await request(url, { headers: { Range: `bytes=${size - 10}-${size + 1000}` } });
    expect(clamped.status).toBe(206);
    expect(clamped.headers["content-range"]).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(clamped.body.equals(SEG_BODY.subarray(size - 10))).toBe(true);
  });

  it("multi-range and malformed Range headers are ignored (200, whole object)", async () => {
    const url = signer.signUrl(`${BASE}/${SEG}`, { expiresAt: later() });
    for (const range of ["bytes=0-1,5-6", "bytes=5-1", "items=0-1", "bytes=abc"]) {
      const res = await request(url, { headers: { Range: range } });
      expect(res.status).toBe(200);
      expect(res.body.length).toBe(SEG_BODY.length);
    }
  });

  it("unsatisfiable Range: 416 with Content-Range bytes */size", async () => {
    const url = signer.signUrl(`${BASE}/${SEG}`, { expiresAt: later() });
    const res = await request(url, { headers: { Range: `bytes=${SEG_BODY.length}-` } });
    expect(res.status).toBe(416);
    expect(res.headers["content-range"]).toBe(`bytes */${SEG_BODY.length}`);

    const empty = await request(signer.signUrl(`${BASE}/${EMPTY}`, { expiresAt: later() }), { headers: { Range: "bytes=0-" } });
    expect(empty.status).toBe(416);
    expect(empty.headers["content-range"]).toBe("bytes */0");
  });

  it("HEAD: headers without a body, 206 headers for a range", async () => {
    const url = signer.signUrl(`${BASE}/${SEG}`, { expiresAt: later() });
    const head = await request(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(SEG_BODY.length));
    expect(head.headers["content-type"]).toBe("video/mp2t");
    expect(head.headers.etag).toMatch(/^"/);
    expect(calls.map((c) => c.op)).toEqual(["head"]); // no object body was opened

    const ranged = await request(url, { method: "HEAD", headers: { Range: "bytes=10-19" } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers["content-range"]).toBe(`bytes 10-19/${SEG_BODY.length}`);
    expect(ranged.headers["content-length"]).toBe("10");
    expect(ranged.body.length).toBe(0);

    expectEdgeError(await request(`/${SEG}`, { method: "HEAD" }), "");
  });

  it("ETag / If-None-Match -> 304; If-Modified-Since; If-Range", async () => {
    const url = signer.signUrl(`${BASE}/${SEG}`, { expiresAt: later() });
    const first = await request(url);
    const etag = String(first.headers.etag);

    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await request(url, { headers: { "If-None-Match": inm } });
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
      expect(res.headers.etag).toBe(etag);
    }
    expect((await request(url, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);

    const lastModified = String(first.headers["last-modified"]);
    expect((await request(url, { headers: { "If-Modified-Since": lastModified } })).status).toBe(304);
    expect((await request(url, { headers: { "If-Modified-Since": new Date(0).toUTCString() } })).status).toBe(200);

    const stillValid = await request(url, { headers: { Range: "bytes=0-9", "If-Range": etag } });
    expect(stillValid.status).toBe(206);
    const changed = await request(url, { headers: { Range: "bytes=0-9", "If-Range": '"stale"' } });
    expect(changed.status).toBe(200);
    expect(changed.body.equals(SEG_BODY)).toBe(true);

    // Conditions never bypass verification.
    expectEdgeError(await request(`/${SEG}`, { headers: { "If-None-Match": etag } }), MISSING_KEY);
  });

  it("signing parameters never reach storage; the app's own parameters are kept", async () => {
    const disposition = 'attachment; filename="notes.pdf"';
    const url = signer.signUrl(`${BASE}/${ATTACH}?v=1&response-content-disposition=${encodeURIComponent(disposition)}`, {
      expiresAt: later(),
    });
    const res = await request(url);
    expect(res.status).toBe(200);
    expect(res.headers["content-disposition"]).toBe(disposition);

    expect(calls).toEqual([{ op: "get", key: ATTACH, options: { range: undefined, responseContentDisposition: disposition } }]);
    expect(JSON.stringify(calls)).not.toMatch(/Signature|Key-Pair-Id|Expires|Policy/);
  });

  it("a cookie-authorised request with an app query: matched by the policy, not forwarded as overrides", async () => {
    const cookies = signer.signedCookies({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() });
    // A trailing `*` in the path covers any query string.
    const res = await request(`/${ATTACH}?v=3&response-content-disposition=attachment%3B%20filename%3Dx.html`, {
      headers: { Cookie: cookieHeader(cookies) },
    });
    expect(res.status).toBe(200);
    expect(res.headers["content-disposition"]).toBe("inline"); // the object's own, not the unsigned override
    expect(calls).toEqual([{ op: "get", key: ATTACH, options: { range: undefined } }]);

    // response-content-type is never honoured, even when signed.
    const typed = await request(signer.signUrl(`${BASE}/${ATTACH}?response-content-type=text%2Fhtml`, { expiresAt: later() }));
    expect(typed.status).toBe(200);
    expect(typed.headers["content-type"]).toBe("application/pdf");
  });

  it("a custom-policy URL (wildcard) with an appended response-content-disposition: verified, override not honoured", async () => {
    const policy = signer.policyQuery({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() });
    const spoof = encodeURIComponent('attachment; filename="invoice.html"');
    const res = await request(`/${ATTACH}?response-content-disposition=${spoof}&${policy}`);
    expect(res.status).toBe(200); // the trailing `*` covers the unsigned query, as on CloudFront
    expect(res.headers["content-disposition"]).toBe("inline"); // the object's own
    expect(calls).toEqual([{ op: "get", key: ATTACH, options: { range: undefined } }]);

    // Not even when the custom policy names the exact URL: only a canned policy is honoured.
    const exact = `${BASE}/${ATTACH}?response-content-disposition=${spoof}`;
    const pinned = await request(signer.signUrlWithPolicy(exact, { resource: exact, expiresAt: later() }));
    expect(pinned.status).toBe(200);
    expect(pinned.headers["content-disposition"]).toBe("inline");
  });

  it("missing object: 403 AccessDenied as S3 behind OAC answers (default), 404 NoSuchKey on request", async () => {
    const url = signer.signUrl(`${BASE}/courses/c1/lessons/l1/nothing.bin`, { expiresAt: later() });
    const res = await request(url);
    expect(res.status).toBe(403);
    expect(res.headers["content-type"]).toBe("text/xml");
    expect(res.body.toString()).toBe(ORIGIN_ACCESS_DENIED);
    expect(calls.map((c) => c.key)).toEqual(["courses/c1/lessons/l1/nothing.bin"]); // it did reach the origin

    const res404 = await request(url, { port: port404 });
    expect(res404.status).toBe(404);
    expect(res404.body.toString()).toBe(XML("NoSuchKey", "The specified key does not exist."));

    const head = await request(url, { method: "HEAD" });
    expect(head.status).toBe(403);
  });

  it("a verified URL whose path is not a safe key is refused without touching storage (no dot-segment escape)", async () => {
    const wildcard = signer.policyQuery({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() });
    for (const p of ["/courses/c1/lessons/l1/../l2/video/a2/master.m3u8", "/courses/c1/lessons/l1/%2e%2e/l2/video/a2/master.m3u8", "/courses/c1/lessons/l1//x"]) {
      const res = await request(`${p}?${wildcard}`);
      expect(res.status).toBe(400);
      expect(res.body.toString()).toContain("<Code>InvalidURI</Code>");
    }
    expect(calls).toEqual([]);
    // Unsigned, the same paths are just MissingKey.
    expectEdgeError(await request("/courses/c1/lessons/l1/../l2/video/a2/master.m3u8"), MISSING_KEY);
  });

  it("a viewer abort destroys the storage stream", async () => {
    const url = signer.signUrl(`${BASE}/${BIG}`, { expiresAt: later() });
    bodies.delete(BIG);
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: "127.0.0.1", port, path: url.slice(BASE.length), agent: false }, (res) => {
        expect(res.statusCode).toBe(200);
        res.once("data", (chunk: Buffer) => {
          received += chunk.length;
          req.destroy();
          resolve();
        });
      });
      req.on("error", (err) => ((err as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(err)));
    });
    expect(received).toBeLessThan(BIG_BODY.length);
    const body = bodies.get(BIG)?.[0];
    expect(body).toBeDefined();
    await expect
      .poll(() => body!.destroyed, { timeout: 5_000, interval: 20 })
      .toBe(true);
  });
});

describe("signed cookies", () => {
  it("a custom policy on a folder opens objects in that folder and not in a sibling folder", async () => {
    const cookies = signer.signedCookies({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() });
    expect(Object.keys(cookies).sort()).toEqual(["CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature"]);
    const headers = { Cookie: cookieHeader(cookies) };

    const master = await request(`/${MASTER}`, { headers });
    expect(master.status).toBe(200);
    expect(master.body.equals(MASTER_BODY)).toBe(true);
    const seg = await request(`/${SEG}`, { headers: { ...headers, Range: "bytes=0-99" } });
    expect(seg.status).toBe(206);
    expect(seg.body.equals(SEG_BODY.subarray(0, 100))).toBe(true);

    expectEdgeError(await request(`/${SIBLING}`, { headers }), ACCESS_DENIED);
    expectEdgeError(await request(`/${SIBLING}`), MISSING_KEY);
  });

  it("cookie names are case-sensitive", async () => {
    const cookies = signer.signedCookies({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() });
    const lower = Object.fromEntries(Object.entries(cookies).map(([k, v]) => [k.toLowerCase(), v]));
    expectEdgeError(await request(`/${MASTER}`, { headers: { Cookie: cookieHeader(lower) } }), MISSING_KEY);
  });

  it("cookies are ignored when the URL carries signing parameters", async () => {
    const headers = { Cookie: cookieHeader(signer.signedCookies({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() })) };
    // A lone signing parameter makes it a signed URL, which then lacks Key-Pair-Id.
    expectEdgeError(await request(`/${MASTER}?Signature=abcd`, { headers }), MISSING_KEY);
    // An expired signed URL is not rescued by valid cookies.
    const expired = signer.signUrl(`${BASE}/${MASTER}`, { expiresAt: clock - 1 });
    expectEdgeError(await request(expired, { headers }), ACCESS_DENIED);
    // A signed URL with a bad signature is not rescued either.
    expectEdgeError(await request(rogueSigner.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() }), { headers }), ACCESS_DENIED);
  });

  it("expired cookies are refused", async () => {
    const cookies = signer.signedCookies({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: clock + 10 });
    clock += 10;
    expectEdgeError(await request(`/${MASTER}`, { headers: { Cookie: cookieHeader(cookies) } }), ACCESS_DENIED);
  });
});

describe("public prefix", () => {
  it("is served unsigned with a public Cache-Control", async () => {
    const res = await request(`/${COVER}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(COVER_BODY)).toBe(true);
    expect(res.headers["content-type"]).toBe("image/jpeg");
    expect(res.headers["cache-control"]).toBe("public, max-age=86400");
    // Query strings (signing parameters included) are not looked at nor forwarded.
    const withJunk = await request(`/${COVER}?Signature=zzz&response-content-disposition=attachment`);
    expect(withJunk.status).toBe(200);
    expect(withJunk.headers["content-disposition"]).toBeUndefined();
  });

  it("cannot be used to climb into signed content", async () => {
    expectEdgeError(await request(`/public/../${MASTER}`), MISSING_KEY);
    expectEdgeError(await request(`/public%2F..%2F${MASTER.replace(/\//g, "%2F")}`), MISSING_KEY);
    expect(calls).toEqual([]);
  });

  it("a missing public object is 403 AccessDenied like S3", async () => {
    const res = await request("/public/courses/c1/cover/none.jpg");
    expect(res.status).toBe(403);
    expect(res.body.toString()).toBe(ORIGIN_ACCESS_DENIED);
  });
});

describe("CORS", () => {
  it("answers a preflight from the app origin without a signature", async () => {
    const res = await request(`/${SEG}`, {
      method: "OPTIONS",
      headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "Range, If-None-Match" },
    });
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(APP_ORIGIN);
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    expect(res.headers["access-control-allow-methods"]).toBe("GET, HEAD");
    expect(res.headers["access-control-allow-headers"]).toBe("range, if-none-match");
    expect(String(res.headers.vary)).toMatch(/Origin/);
    expect(calls).toEqual([]);
  });

  it("refuses a preflight from another origin or for another method", async () => {
    const other = await request(`/${SEG}`, { method: "OPTIONS", headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const put = await request(`/${SEG}`, { method: "OPTIONS", headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "PUT" } });
    expect(put.headers["access-control-allow-origin"]).toBeUndefined();
    expect(put.headers["access-control-allow-methods"]).toBeUndefined();
  });

  it("credentialed responses name the app origin, allow credentials, expose range headers and vary on Origin", async () => {
    const cookies = signer.signedCookies({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() });
    const res = await request(`/${SEG}`, { headers: { Origin: APP_ORIGIN, Cookie: cookieHeader(cookies), Range: "bytes=0-0" } });
    expect(res.status).toBe(206);
    expect(res.headers["access-control-allow-origin"]).toBe(APP_ORIGIN);
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
    const exposed = String(res.headers["access-control-expose-headers"]).split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(["Content-Length", "Content-Range", "Accept-Ranges", "ETag"]));
    expect(res.headers.vary).toBe("Origin");

    // Errors carry CORS too, so a player can see the 403 and refresh its cookies.
    const denied = await request(`/${SIBLING}`, { headers: { Origin: APP_ORIGIN } });
    expect(denied.status).toBe(403);
    expect(denied.headers["access-control-allow-origin"]).toBe(APP_ORIGIN);

    const foreign = await request(`/${COVER}`, { headers: { Origin: "https://evil.example" } });
    expect(foreign.status).toBe(200);
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
    expect(foreign.headers.vary).toBe("Origin");
  });
});

describe("security headers", () => {
  /** Status line and headers (lower-cased names) of a raw exchange, read until the server closes. */
  function rawHead(bytes: string): Promise<{ status: string; headers: Record<string, string> }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.write(bytes));
      let data = "";
      socket.on("data", (d) => (data += d.toString("latin1")));
      socket.on("close", () => {
        const [statusLine, ...lines] = data.slice(0, data.indexOf("\r\n\r\n")).split("\r\n");
        resolve({ status: statusLine, headers: Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()])) });
      });
      socket.on("error", reject);
    });
  }

  it("Referrer-Policy: no-referrer and X-Content-Type-Options: nosniff on every response, errors included", async () => {
    const signed = signer.signUrl(`${BASE}/${SEG}`, { expiresAt: later() });
    const etag = String((await request(signed)).headers.etag);
    const responses = {
      ok: await request(signed),
      ranged: await request(signed, { headers: { Range: "bytes=0-9" } }),
      head: await request(signed, { method: "HEAD" }),
      notModified: await request(signed, { headers: { "If-None-Match": etag } }),
      unsatisfiable: await request(signed, { headers: { Range: `bytes=${SEG_BODY.length}-` } }),
      public: await request(`/${COVER}`),
      missingKey: await request(`/${MASTER}`),
      denied: await request(rogueSigner.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() })),
      missingObject: await request(signer.signUrl(`${BASE}/courses/c1/lessons/l1/nothing.bin`, { expiresAt: later() })),
      badPath: await request(`/courses/c1/lessons/l1//x?${signer.policyQuery({ resource: `${BASE}/courses/c1/lessons/l1/*`, expiresAt: later() })}`),
      method: await request(`/${MASTER}`, { method: "POST" }),
      preflight: await request(`/${SEG}`, { method: "OPTIONS", headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "GET" } }),
      uriTooLong: await request(`/${MASTER}?pad=${"a".repeat(MAX_URL_BYTES)}`),
    };
    expect(Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.status]))).toEqual({
      ok: 200, ranged: 206, head: 200, notModified: 304, unsatisfiable: 416, public: 200, missingKey: 403, denied: 403,
      missingObject: 403, badPath: 400, method: 405, preflight: 204, uriTooLong: 414,
    });
    for (const [name, res] of Object.entries(responses)) {
      expect({ name, referrer: res.headers["referrer-policy"], nosniff: res.headers["x-content-type-options"] }).toEqual({
        name,
        referrer: "no-referrer",
        nosniff: "nosniff",
      });
    }
    // Answered by the HTTP parser's error hook (no request object): the same two headers.
    for (const bytes of [`GET /${MASTER} HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(MAX_HEADER_BYTES * 2)}\r\n\r\n`, "NOT HTTP\r\n\r\n"]) {
      const raw = await rawHead(bytes);
      expect(raw.status).toMatch(/^HTTP\/1\.1 4(00|31) /);
      expect(raw.headers["referrer-policy"]).toBe("no-referrer");
      expect(raw.headers["x-content-type-options"]).toBe("nosniff");
    }
  });
});

describe("origin failures", () => {
  it("a failing storage gives 502 (after verification), and the error is reported", async () => {
    const errors: unknown[] = [];
    const failing = createEdgeServer({
      trustedKeys: createKeyRing({ activeKeyId: KEY_ID, keys: [{ id: KEY_ID, privateKeyPem }] }).publicKeys(),
      storage: {
        getObject: () => Promise.reject(new Error("storage down")),
        headObject: () => Promise.reject(new Error("storage down")),
      },
      publicBaseUrl: BASE,
      corsOrigins: [],
      publicPrefixes: ["public/"],
      now: () => clock,
      onError: (err) => errors.push(err),
    });
    const failingPort = await listen(failing);
    try {
      const url = signer.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() });
      const res = await request(url, { port: failingPort });
      expect(res.status).toBe(502);
      expect(res.headers["content-type"]).toBe("text/xml");
      expect(res.body.toString()).toContain("<Code>BadGateway</Code>");
      expect((await request(url, { port: failingPort, method: "HEAD" })).status).toBe(502);
      expect(errors.map((e) => (e as Error).message)).toEqual(["storage down", "storage down"]);
      // Unsigned requests are still refused first.
      expect((await request(`/${MASTER}`, { port: failingPort })).status).toBe(403);
    } finally {
      failing.closeAllConnections();
      await new Promise((r) => failing.close(r));
    }
  });
});

describe("methods and limits", () => {
  it("only GET, HEAD and OPTIONS: others get 405 with Allow", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await request(signer.signUrl(`${BASE}/${MASTER}`, { expiresAt: later() }), { method });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("GET, HEAD, OPTIONS");
      expect(res.headers["content-type"]).toBe("text/xml");
      expect(res.body.toString()).toContain("<Code>MethodNotAllowed</Code>");
    }
    expect(calls).toEqual([]);
  });

  it(`URL over ${MAX_URL_BYTES} bytes: 414; exactly ${MAX_URL_BYTES}: processed`, async () => {
    const fill = (total: number) => `/${MASTER}?pad=${"a".repeat(total - BASE.length - MASTER.length - 6)}`;
    expect(Buffer.byteLength(BASE + fill(MAX_URL_BYTES))).toBe(MAX_URL_BYTES);
    expectEdgeError(await request(fill(MAX_URL_BYTES)), MISSING_KEY);
    const res = await request(fill(MAX_URL_BYTES + 1));
    expect(res.status).toBe(414);
    expect(res.headers["content-type"]).toBe("text/xml");
  });

  it(`request line + headers over ${MAX_HEADER_BYTES} bytes: 431; exactly ${MAX_HEADER_BYTES}: processed`, async () => {
    const build = (total: number) => {
      const line = `GET /${MASTER} HTTP/1.1\r\n`;
      const host = "Host: localhost\r\n";
      const fixed = line.length + host.length + "X-Pad: \r\n".length + 2;
      return `${line}${host}X-Pad: ${"a".repeat(total - fixed)}\r\n\r\n`;
    };
    expect(build(MAX_HEADER_BYTES).length).toBe(MAX_HEADER_BYTES);
    expect(await rawStatusLine(build(MAX_HEADER_BYTES))).toBe("HTTP/1.1 403 Forbidden");
    expect(await rawStatusLine(build(MAX_HEADER_BYTES + 1))).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    // Far over: refused by the HTTP parser itself.
    expect(await rawStatusLine(build(MAX_HEADER_BYTES * 2))).toBe("HTTP/1.1 431 Request Header Fields Too Large");
  });
});
