/**
 * Keys, signers and a pool of VALID grants produced by our signer (plus grants an attacker
 * signed with their own keys under our trusted key ids). Keys are generated per run and parsed
 * once into one key ring; nothing is stored in the repository.
 */
import { generateKeyPairSync, sign as cryptoSign, type KeyObject } from "node:crypto";
import { cfBase64Decode, cfBase64Encode } from "@/lib/cloudfront/base64";
import { encodeUrlPath } from "@/lib/cloudfront/encode";
import { createKeyRing, type KeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner, type CloudFrontSigner, type HashAlgorithm } from "@/lib/cloudfront/signer";

export const NOW = 1_800_000_000;
export const VIEWER_IP = "198.51.100.7";

const pem = (k: KeyObject): string => k.export({ type: "pkcs8", format: "pem" }).toString();
const ecPem = (): string => pem(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey);
const rsaPem = (): string => pem(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);

/** The trusted ring: EC P-256 keys (fast) and one RSA-2048 key (coverage); parsed once. */
export const ring: KeyRing = createKeyRing({
  activeKeyId: "KEC1",
  keys: [
    { id: "KEC1", privateKeyPem: ecPem() },
    { id: "KRSA1", privateKeyPem: rsaPem() },
    { id: "KEC2", privateKeyPem: ecPem() },
  ],
});
export const trustedKeys = ring.publicKeys();
export const TRUSTED_IDS = ring.ids();

/** An attacker's keys, registered under OUR trusted ids (they know the ids, not the keys). */
export const attackerRing: KeyRing = createKeyRing({
  activeKeyId: "KEC1",
  keys: [
    { id: "KEC1", privateKeyPem: ecPem() },
    { id: "KRSA1", privateKeyPem: rsaPem() },
  ],
});

/** The same parsed keys with another active key (no re-parsing). */
function withActive(r: KeyRing, id: string): KeyRing {
  const active = r.get(id);
  if (!active) throw new Error(`no key ${id}`);
  return { ...r, activeKeyId: id, active };
}

const signers = new Map<string, CloudFrontSigner>();
export function signerFor(who: "trusted" | "attacker", keyId: string, hash: HashAlgorithm): CloudFrontSigner {
  const k = `${who}/${keyId}/${hash}`;
  let s = signers.get(k);
  if (!s) {
    s = createCloudFrontSigner({ keyRing: withActive(who === "trusted" ? ring : attackerRing, keyId), hashAlgorithm: hash });
    signers.set(k, s);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// ECDSA signature forms (DER <-> r,s), used by mutations and by the oracle (malleable twin).

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function readDer(der: Buffer): { r: bigint; s: bigint } | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2 || der[2] !== 0x02) return null;
  const rlen = der[3];
  const r = der.subarray(4, 4 + rlen);
  if (der[4 + rlen] !== 0x02) return null;
  const slen = der[5 + rlen];
  const s = der.subarray(6 + rlen, 6 + rlen + slen);
  if (6 + rlen + slen !== der.length) return null;
  return { r: BigInt("0x" + (r.toString("hex") || "0")), s: BigInt("0x" + (s.toString("hex") || "0")) };
}

function derInt(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  let b = Buffer.from(hex, "hex");
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

function writeDer(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInt(r), derInt(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** (r, s) -> (r, n - s): the other valid ECDSA signature over the same bytes. */
export function ecdsaTwin(der: Buffer): Buffer | null {
  const rs = readDer(der);
  return rs ? writeDer(rs.r, P256_N - rs.s) : null;
}

/** DER -> IEEE P1363 (r || s, 32 bytes each), which CloudFront does not accept. */
export function ecdsaP1363(der: Buffer): Buffer | null {
  const rs = readDer(der);
  if (!rs) return null;
  const fixed = (v: bigint) => Buffer.from(v.toString(16).padStart(64, "0").slice(-64), "hex");
  return Buffer.concat([fixed(rs.r), fixed(rs.s)]);
}

/** DER re-encoded with BER long-form lengths (non-canonical; must not verify). */
export function ecdsaBerLongForm(der: Buffer): Buffer | null {
  const rs = readDer(der);
  if (!rs) return null;
  const int = (v: bigint) => {
    const d = derInt(v);
    return Buffer.concat([Buffer.from([0x02, 0x81, d[1]]), d.subarray(2)]);
  };
  const body = Buffer.concat([int(rs.r), int(rs.s)]);
  return Buffer.concat([Buffer.from([0x30, 0x81, body.length]), body]);
}

// ---------------------------------------------------------------------------------------------
// The grant pool

export interface Grant {
  /** Index in `grants`. */
  n: number;
  /** Produced by OUR signer with a trusted key (else: an attacker's signature). */
  legit: boolean;
  keyId: string;
  hash: HashAlgorithm;
  kind: "canned" | "custom";
  origin: string;
  expires: number;
  notBefore?: number;
  /** CIDR exactly as in the policy. */
  ip?: string;
  /** The lesson folder requests of this grant target, e.g. `/courses/c1/lessons/l1/`. */
  folderPath: string;
  /** Canned: the URL signed (without signing parameters) and its object key. */
  url?: string;
  objectKey?: string;
  /** Canned: the signed URL as the signer returned it. */
  signedUrl?: string;
  /** Custom: the Resource of the policy (`null`: no Resource member). */
  resource?: string | null;
  /** The signed policy bytes (canned: the policy CloudFront rebuilds) and their CloudFront base64. */
  policyText: string;
  policyB64: string;
  /** Custom: `Policy=…&Key-Pair-Id=…&Signature=…[&Hash-Algorithm=SHA256]`. */
  policyQuery?: string;
  /** Custom: the signed cookies. */
  cookies?: Record<string, string>;
  /** Every signature (CloudFront base64) produced for this grant, plus ECDSA twins. */
  signatures: string[];
}

export const COURSES = ["c1", "c2", "course_9-x"];
/** `l1` / `l10` / `L1` / `l1x`: adjacent ids that a prefix or case bug would confuse. */
export const LESSONS = ["l1", "l2", "l10", "L1", "l1x"];
export const ORIGINS = ["https://media.example.com", "http://127.0.0.1:8787"];
/** Files inside a lesson folder (object-key form, relative to the folder). */
export const FILES = [
  "video/a1/master.m3u8",
  "video/a1/720p/index.m3u8",
  "video/a1/720p/seg_00001.ts",
  "video/a1/poster.jpg",
  "video/a1/captions/en.vtt",
  "attachments/x9.pdf",
  "attachments/My Lesson's é+ü 100%.pdf",
];
const CANNED_QUERIES = [undefined, "v=2", "response-content-disposition=attachment%3B%20filename%3D%22notes.pdf%22", "a=1&b=2"];
const IPS = ["198.51.100.0/24", "203.0.113.7", "10.0.0.0/8", "198.51.100.7"];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function parseQuery(q: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of q.split("&")) {
    const eq = part.indexOf("=");
    m.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return m;
}

function withTwin(sig: string, keyId: string, who: "trusted" | "attacker"): string[] {
  const r = who === "trusted" ? ring : attackerRing;
  if (r.get(keyId)?.algorithm !== "ec-p256") return [sig];
  const twin = ecdsaTwin(cfBase64Decode(sig)!);
  return twin ? [sig, cfBase64Encode(twin)] : [sig];
}

const attackerMemo = new Map<string, string>();

/**
 * The attacker signs `policy` with THEIR key of the same type as our key `keyId`, and presents
 * it under our id (memoised: RSA signing is slow and mutated policies repeat).
 */
export function attackerSign(keyId: string, hash: HashAlgorithm, policy: string | Buffer): string {
  const bytes = typeof policy === "string" ? Buffer.from(policy, "utf8") : policy;
  const memoKey = `${keyId}\n${hash}\n${bytes.toString("base64")}`;
  let sig = attackerMemo.get(memoKey);
  if (sig === undefined) {
    const algorithm = ring.get(keyId)?.algorithm ?? "ec-p256";
    const key = attackerRing.get(algorithm === "rsa-2048" ? "KRSA1" : "KEC1")!.privateKey;
    sig = cfBase64Encode(cryptoSign(hash === "SHA256" ? "sha256" : "sha1", bytes, key));
    if (attackerMemo.size > 50_000) attackerMemo.clear();
    attackerMemo.set(memoKey, sig);
  }
  return sig;
}

function buildPool(): Grant[] {
  const rnd = lcg(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const out: Grant[] = [];
  const hashes: HashAlgorithm[] = ["SHA1", "SHA256"];

  const folderOf = () => `/courses/${pick(COURSES)}/lessons/${pick(LESSONS)}/`;
  const times = () => {
    const u = rnd();
    if (u < 0.1) return { expires: NOW - Math.floor(rnd() * 100) }; // already expired
    return { expires: NOW + 1 + Math.floor(rnd() * 7200) };
  };

  const canned = (legit: boolean, keyId: string) => {
    const who = legit ? "trusted" : "attacker";
    const hash = pick(hashes);
    const origin = pick(ORIGINS);
    const folderPath = folderOf();
    const objectKey = folderPath.slice(1) + pick(FILES);
    const q = pick(CANNED_QUERIES);
    const url = `${origin}/${encodeUrlPath(objectKey)}${q ? `?${q}` : ""}`;
    const { expires } = times();
    const signedUrl = signerFor(who, keyId, hash).signUrl(url, { expiresAt: expires });
    const sig = parseQuery(signedUrl.slice(signedUrl.indexOf("Expires="))).get("Signature")!;
    // The bytes CloudFront rebuilds for a canned policy (docs/cloudfront.md#policies), written out here.
    const policyText = `{"Statement":[{"Resource":"${url}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
    out.push({
      n: out.length, legit, keyId, hash, kind: "canned", origin, expires, folderPath, url, objectKey, signedUrl,
      policyText, policyB64: cfBase64Encode(policyText), signatures: withTwin(sig, keyId, who),
    });
  };

  const custom = (legit: boolean, keyId: string, resourceKind: "folder" | "origin" | "course" | "any-scheme" | "none" | "star") => {
    const who = legit ? "trusted" : "attacker";
    const hash = pick(hashes);
    const origin = pick(ORIGINS);
    const folderPath = folderOf();
    let { expires } = times();
    let notBefore: number | undefined;
    const u = rnd();
    if (u < 0.2) notBefore = NOW - 1 - Math.floor(rnd() * 3600);
    else if (u < 0.3) {
      notBefore = NOW + 50;
      expires = NOW + 3600;
    }
    const ip = rnd() < 0.3 ? pick(IPS) : undefined;
    const resource: string | null = {
      folder: `${origin}${folderPath}*`,
      origin: `${origin}/*`,
      course: `${origin}${folderPath.slice(0, folderPath.indexOf("/lessons/"))}/*`,
      "any-scheme": `*://${origin.slice(origin.indexOf("://") + 3)}/*`,
      none: null,
      star: "*",
    }[resourceKind];
    let policyText: string;
    let policyQuery: string;
    let cookies: Record<string, string>;
    let sigs: string[];
    if (resourceKind === "none" || resourceKind === "star") {
      // Only an attacker can make these (our customPolicy refuses them): hand-built and signed raw.
      const cond = `"DateLessThan":{"AWS:EpochTime":${expires}}`;
      policyText = `{"Statement":[{${resource === null ? "" : `"Resource":"${resource}",`}"Condition":{${cond}}}]}`;
      const sig = attackerSign(keyId, hash, policyText);
      const h = hash === "SHA256" ? "&Hash-Algorithm=SHA256" : "";
      policyQuery = `Policy=${cfBase64Encode(policyText)}&Key-Pair-Id=${keyId}&Signature=${sig}${h}`;
      cookies = { "CloudFront-Key-Pair-Id": keyId, "CloudFront-Signature": sig, "CloudFront-Policy": cfBase64Encode(policyText) };
      if (hash === "SHA256") cookies["CloudFront-Hash-Algorithm"] = "SHA256";
      sigs = [sig];
    } else {
      const s = signerFor(who, keyId, hash);
      const opts = { resource: resource!, expiresAt: expires, notBefore, ipAddress: ip };
      policyQuery = s.policyQuery(opts);
      cookies = s.signedCookies(opts);
      policyText = cfBase64Decode(cookies["CloudFront-Policy"])!.toString("utf8");
      sigs = [parseQuery(policyQuery).get("Signature")!, cookies["CloudFront-Signature"]];
    }
    const policyB64 = cfBase64Encode(policyText);
    const signatures = [...new Set(sigs.flatMap((sg) => withTwin(sg, keyId, who)))];
    const ipInPolicy = /"AWS:SourceIp":"([^"]+)"/.exec(policyText)?.[1];
    out.push({
      n: out.length, legit, keyId, hash, kind: "custom", origin, expires, notBefore, ip: ipInPolicy, folderPath,
      resource, policyText, policyB64, policyQuery, cookies, signatures,
    });
  };

  for (let i = 0; i < 48; i++) canned(true, TRUSTED_IDS[i % TRUSTED_IDS.length]);
  for (let i = 0; i < 48; i++) custom(true, TRUSTED_IDS[i % TRUSTED_IDS.length], "folder");
  const attackerIds = attackerRing.ids();
  for (let i = 0; i < 12; i++) canned(false, attackerIds[i % attackerIds.length]);
  const kinds = ["folder", "origin", "course", "any-scheme", "none", "star"] as const;
  for (let i = 0; i < 24; i++) custom(false, attackerIds[i % attackerIds.length], kinds[i % kinds.length]);
  return out;
}

export const grants: Grant[] = buildPool();
export const legitGrants = grants.filter((g) => g.legit);
export const attackerGrants = grants.filter((g) => !g.legit);
