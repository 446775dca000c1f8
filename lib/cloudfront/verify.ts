/**
 * The local edge's decision function: is this viewer request allowed, exactly as CloudFront
 * would decide for signed URLs and signed cookies? Pure (no I/O; node:crypto only), shared by
 * the edge server and the tests. Choices where CloudFront's behaviour is undocumented are the
 * strict ones, recorded in docs/decisions/010-cloudfront-verification-strictness.md.
 *
 * Check order (the first failure wins):
 *   -. `now` not a finite number (a broken clock)          -> AccessDenied (ADR 036)
 *   0. URL longer than 8,192 bytes or not absolute       -> AccessDenied (ADR 014)
 *   1. no Key-Pair-Id (also: an unsigned request)         -> MissingKey
 *   2. Key-Pair-Id not trusted                            -> InvalidKey
 *   3. Signature absent / not CloudFront base64,
 *      Hash-Algorithm other than absent or `SHA256`       -> MalformedSignature
 *   4. duplicated signing parameter, both or neither of
 *      Expires and Policy, Expires not an integer, Policy
 *      not decodable / not UTF-8 / not the strict grammar -> MalformedPolicy
 *   5. signature does not verify, expired, not yet valid,
 *      resource or IP mismatch                            -> AccessDenied
 */
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { cfBase64Decode } from "./base64";
import { ipInCidr, matchResource } from "./match";
import { cannedPolicy, isValidEpoch, parsePolicy, type ParsedPolicy } from "./policy";
import { SignatureCache } from "./signature-cache";
import { HASH_ALGORITHM_SHA256, MAX_URL_BYTES, SIGNING_COOKIES, isSigningQueryParam, type HashAlgorithm } from "./wire";

export { SignatureCache };

export type EdgeErrorCode = "MissingKey" | "InvalidKey" | "MalformedSignature" | "MalformedPolicy" | "AccessDenied";

export interface EdgeRequest {
  /** Absolute URL exactly as the viewer sent it: scheme://host/path?query (path NOT decoded). */
  url: string;
  /** Parsed Cookie header, names case-sensitive, values raw (not decoded). */
  cookies: Record<string, string>;
  /** Viewer IP (IPv4, or IPv4-mapped IPv6 such as ::ffff:127.0.0.1). */
  sourceIp: string;
  /** Epoch seconds. */
  now: number;
}

/** Key id -> PUBLIC key (RSA-2048 or EC P-256). */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

/**
 * Why a request was refused. For logs and tests only: never send it to the viewer (the
 * response carries only `code` and `message`, as CloudFront's does).
 */
export type DenyReason =
  | "url-too-long"
  | "bad-url"
  | "missing-key"
  | "unknown-key"
  | "bad-hash-algorithm"
  | "missing-signature"
  | "bad-signature-encoding"
  | "duplicate-parameter"
  | "expires-and-policy"
  | "no-expires-or-policy"
  | "bad-expires"
  | "bad-policy-encoding"
  | "bad-policy"
  | "signature-mismatch"
  | "expired"
  | "not-yet-valid"
  | "resource-mismatch"
  | "ip-mismatch"
  | "bad-clock"
  | "internal-error";

export type EdgeDecision =
  | {
      ok: true;
      via: "url" | "cookie";
      /**
       * `canned`: the exact URL (query included) was signed; `custom`: a policy whose Resource
       * may hold wildcards, so parts of the URL (e.g. the query) may be unsigned (ADR 028).
       */
      policy: "canned" | "custom";
      /** The absolute URL with the signing parameters removed, other query parameters kept in order. */
      originUrl: string;
      keyId: string;
    }
  | { ok: false; status: 403; code: EdgeErrorCode; message: string; reason: DenyReason };

export interface VerifyOptions {
  trustedKeys: TrustedKeys;
  cache?: SignatureCache;
}

/** Messages exactly as CloudFront sends them. */
export const EDGE_ERROR_MESSAGES: Readonly<Record<EdgeErrorCode, string>> = {
  MissingKey: "Missing Key-Pair-Id query parameter or cookie value",
  InvalidKey: "Unknown Key",
  MalformedSignature: "Could not unencode Signature",
  MalformedPolicy: "Malformed Policy",
  AccessDenied: "Access denied",
};

type DenyDecision = Extract<EdgeDecision, { ok: false }>;

function deny(code: EdgeErrorCode, reason: DenyReason): DenyDecision {
  return { ok: false, status: 403, code, message: EDGE_ERROR_MESSAGES[code], reason };
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&apos;",
  );
}

/** CloudFront-style error body; serve it with status 403 and `Content-Type: text/xml`. */
export function errorXml(code: EdgeErrorCode, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

function paramName(part: string): string {
  const eq = part.indexOf("=");
  return eq === -1 ? part : part.slice(0, eq);
}

/**
 * Removes CloudFront's signing parameters (Expires, Policy, Signature, Key-Pair-Id,
 * Hash-Algorithm; exact, case-sensitive names) from the query, keeping every other component
 * byte for byte and in order; drops the `?` when nothing remains. A URL without signing
 * parameters is returned unchanged.
 */
export function stripSigningParams(url: string): string {
  const q = url.indexOf("?");
  if (q === -1) return url;
  const parts = url.slice(q + 1).split("&");
  const kept = parts.filter((part) => !isSigningQueryParam(paramName(part)));
  if (kept.length === parts.length) return url;
  return kept.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${kept.join("&")}`;
}

// ---------------------------------------------------------------------------------------------
// Signature cache (the class: ./signature-cache.ts)

const fingerprints = new WeakMap<KeyObject, string>();

function keyFingerprint(key: KeyObject): string {
  let fp = fingerprints.get(key);
  if (fp === undefined) {
    const pub = key.type === "private" ? createPublicKey(key) : key;
    fp = createHash("sha256").update(pub.export({ type: "spki", format: "der" })).digest("hex");
    fingerprints.set(key, fp);
  }
  return fp;
}

function cacheKey(keyId: string, key: KeyObject, hash: HashAlgorithm, policy: Buffer, signature: Buffer): string {
  const h = createHash("sha256");
  for (const part of [Buffer.from(keyId, "utf8"), Buffer.from(keyFingerprint(key)), Buffer.from(hash), policy, signature]) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(part.length);
    h.update(len).update(part);
  }
  return h.digest("base64");
}

function verifySignature(key: KeyObject, hash: HashAlgorithm, policy: Buffer, signature: Buffer): boolean {
  // RSA PKCS#1 v1.5 (node's default padding for "rsa" keys) or ECDSA with a DER signature.
  if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec") return false;
  try {
    return cryptoVerify(hash === "SHA256" ? "sha256" : "sha1", policy, key, signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The decision

interface Credentials {
  expires?: string;
  policy?: string;
  signature?: string;
  keyPairId?: string;
  hashAlgorithm?: string;
}

const QUERY_FIELD: Record<string, keyof Credentials> = {
  Expires: "expires",
  Policy: "policy",
  Signature: "signature",
  "Key-Pair-Id": "keyPairId",
  "Hash-Algorithm": "hashAlgorithm",
};

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // left as is: the checks below then fail on the stray `%`
  }
}

/** Signing parameters from the query (first occurrence of each) and whether one repeats. */
function credentialsFromQuery(parts: string[]): { creds: Credentials; duplicate: boolean } {
  const creds: Credentials = {};
  let duplicate = false;
  for (const part of parts) {
    const name = paramName(part);
    if (!isSigningQueryParam(name)) continue;
    const field = QUERY_FIELD[name];
    if (creds[field] !== undefined) {
      duplicate = true;
      continue;
    }
    creds[field] = safeDecode(part.length > name.length ? part.slice(name.length + 1) : "");
  }
  return { creds, duplicate };
}

/** A module-level function, not a closure per request (a closure costs an allocation, and more under tsx). */
function cookieValue(cookies: Record<string, string>, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(cookies, name) ? cookies[name] : undefined;
}

function credentialsFromCookies(cookies: Record<string, string>): Credentials {
  return {
    expires: cookieValue(cookies, SIGNING_COOKIES.expires),
    policy: cookieValue(cookies, SIGNING_COOKIES.policy),
    signature: cookieValue(cookies, SIGNING_COOKIES.signature),
    keyPairId: cookieValue(cookies, SIGNING_COOKIES.keyPairId),
    hashAlgorithm: cookieValue(cookies, SIGNING_COOKIES.hashAlgorithm),
  };
}

const CANONICAL_UINT = /^(0|[1-9][0-9]{0,9})$/;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The verified-tier key of credentials (ADR 054): everything steps 3-5 depend on besides the
 * key, length-prefixed so that no two credential sets share a key. A canned policy is rebuilt
 * from `Expires` and the URL, so both are part of it.
 */
function verifiedId(keyId: string, hash: HashAlgorithm, signature: string, creds: Credentials, originUrl: string): string {
  const head = `${hash} ${keyId.length}:${keyId}${signature.length}:${signature}`;
  return creds.expires !== undefined ? `${head}E${creds.expires.length}:${creds.expires}${originUrl}` : `${head}P${creds.policy}`;
}

/** Steps 3 (signature encoding) to 5 (the signature itself): the parsed policy, or the denial. */
function checkSignedPolicy(
  creds: Credentials & { signature: string },
  duplicate: boolean,
  originUrl: string,
  keyId: string,
  key: KeyObject,
  hash: HashAlgorithm,
  cache: SignatureCache | undefined,
): ParsedPolicy | DenyDecision {
  const signature = cfBase64Decode(creds.signature);
  if (signature === null) return deny("MalformedSignature", "bad-signature-encoding");

  // 4. The policy: canned (rebuilt from the URL) or custom (decoded, strictly parsed).
  if (duplicate) return deny("MalformedPolicy", "duplicate-parameter");
  if (creds.expires !== undefined && creds.policy !== undefined) return deny("MalformedPolicy", "expires-and-policy");
  let policyBytes: Buffer;
  let policy: ParsedPolicy;
  if (creds.expires !== undefined) {
    const expires = CANONICAL_UINT.test(creds.expires) ? Number(creds.expires) : NaN;
    if (!isValidEpoch(expires)) return deny("MalformedPolicy", "bad-expires");
    let text: string;
    try {
      text = cannedPolicy(originUrl, expires);
    } catch {
      // The URL holds characters no signer can have put in a policy: it cannot verify.
      return deny("AccessDenied", "signature-mismatch");
    }
    policyBytes = Buffer.from(text, "utf8");
    policy = { resource: originUrl, dateLessThan: expires };
  } else if (creds.policy !== undefined) {
    const decoded = cfBase64Decode(creds.policy);
    if (decoded === null) return deny("MalformedPolicy", "bad-policy-encoding");
    let text: string;
    try {
      text = utf8.decode(decoded);
    } catch {
      return deny("MalformedPolicy", "bad-policy-encoding");
    }
    const parsed = parsePolicy(text);
    if (parsed === null) return deny("MalformedPolicy", "bad-policy");
    policyBytes = decoded;
    policy = parsed;
  } else {
    return deny("MalformedPolicy", "no-expires-or-policy");
  }

  // 5. Signature over the exact policy bytes (cached), then time, resource and IP (every time).
  let valid: boolean | undefined;
  let ck: string | undefined;
  if (cache) {
    ck = cacheKey(keyId, key, hash, policyBytes, signature);
    valid = cache.get(ck);
  }
  if (valid === undefined) {
    valid = verifySignature(key, hash, policyBytes, signature);
    if (cache && ck !== undefined) cache.set(ck, valid);
  }
  if (!valid) return deny("AccessDenied", "signature-mismatch");
  return policy;
}

/** Decides a viewer request as CloudFront would. Never throws (an internal error denies). */
export function verifyRequest(req: EdgeRequest, opts: VerifyOptions): EdgeDecision {
  try {
    return decide(req, opts);
  } catch {
    return deny("AccessDenied", "internal-error");
  }
}

function decide(req: EdgeRequest, opts: VerifyOptions): EdgeDecision {
  // The clock is the caller's, not the viewer's, but a broken one must fail closed: every time
  // comparison with NaN is false, so `now = NaN` would pass both the expiry and the start check
  // (found by tests/fuzz/forgery.test.ts, ADR 036).
  if (typeof req.now !== "number" || !Number.isFinite(req.now)) return deny("AccessDenied", "bad-clock");
  const { url } = req;
  if (Buffer.byteLength(url, "utf8") > MAX_URL_BYTES) return deny("AccessDenied", "url-too-long");
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]+/.test(url)) return deny("AccessDenied", "bad-url");

  const q = url.indexOf("?");
  const queryParts = q === -1 ? [] : url.slice(q + 1).split("&");
  // Any signing parameter in the query => a signed URL; cookies are then ignored.
  const via: "url" | "cookie" = queryParts.some((p) => isSigningQueryParam(paramName(p))) ? "url" : "cookie";

  let creds: Credentials;
  let duplicate = false;
  if (via === "url") {
    ({ creds, duplicate } = credentialsFromQuery(queryParts));
  } else {
    creds = credentialsFromCookies(req.cookies);
  }
  const originUrl = via === "url" ? stripSigningParams(url) : url;

  // 1-2. The key.
  const keyId = creds.keyPairId;
  if (keyId === undefined || keyId === "") return deny("MissingKey", "missing-key");
  const key = opts.trustedKeys.get(keyId);
  if (key === undefined) return deny("InvalidKey", "unknown-key");

  // 3. The signature and its hash algorithm.
  let hash: HashAlgorithm;
  if (creds.hashAlgorithm === undefined) hash = "SHA1";
  else if (creds.hashAlgorithm === HASH_ALGORITHM_SHA256) hash = "SHA256";
  else return deny("MalformedSignature", "bad-hash-algorithm");
  if (creds.signature === undefined || creds.signature === "") return deny("MalformedSignature", "missing-signature");

  // A repeat viewer: these exact credentials already passed steps 3-5 under this key (ADR 054).
  let id: string | undefined;
  let policy: ParsedPolicy | undefined;
  if (opts.cache && !duplicate && (creds.expires === undefined) !== (creds.policy === undefined)) {
    id = verifiedId(keyId, hash, creds.signature, creds, originUrl);
    policy = opts.cache.getVerified(id, key);
  }
  if (policy === undefined) {
    const checked = checkSignedPolicy({ ...creds, signature: creds.signature }, duplicate, originUrl, keyId, key, hash, opts.cache);
    if ("ok" in checked) return checked;
    policy = checked;
    if (id !== undefined) opts.cache?.setVerified(id, key, policy);
  }

  // 5 (continued). Time, resource and IP: on every request, cached or not.
  if (req.now >= policy.dateLessThan) return deny("AccessDenied", "expired");
  if (policy.dateGreaterThan !== undefined && req.now <= policy.dateGreaterThan) return deny("AccessDenied", "not-yet-valid");
  // A custom policy without Resource grants every file behind the key (as CloudFront does).
  if (policy.resource !== undefined && !matchResource(policy.resource, originUrl)) return deny("AccessDenied", "resource-mismatch");
  if (policy.ipAddress !== undefined && !ipInCidr(req.sourceIp, policy.ipAddress)) return deny("AccessDenied", "ip-mismatch");

  return { ok: true, via, policy: creds.expires !== undefined ? "canned" : "custom", originUrl, keyId };
}
