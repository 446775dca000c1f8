/**
 * CloudFront key material: loading PEMs from env/files, parsing them ONCE into KeyObjects,
 * and rotation (several trusted keys, one active signing key).
 * Env formats: docs/decisions/016-key-ring-env-format.md.
 */
import "server-only";

import fs from "node:fs";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import type { TrustedKeys } from "./verify";
import type { HashAlgorithm } from "./wire";

/** Key ids: CloudFront ids are upper-case alphanumerics; locally we also allow `.`, `_`, `-`. */
const KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;

function assertKeyId(id: string): void {
  if (!KEY_ID.test(id)) {
    throw new Error(`invalid CloudFront key id ${JSON.stringify(id)}: use 1-128 characters of A-Z a-z 0-9 . _ -`);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;

/**
 * Normalises an inline PEM as found in env vars: literal `\n` escapes (one-line PEM, as
 * tutorials put in `.env`), `\r\n`, surrounding quotes, or the body flattened onto one line
 * with spaces. Returns a canonical PEM (64-character lines, trailing newline).
 */
function normalisePem(text: string): string {
  let t = text.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) t = t.slice(1, -1);
  t = t.replace(/\\r/g, "").replace(/\\n/g, "\n").replace(/\r/g, "");
  const m = PEM_BLOCK.exec(t);
  if (!m) throw new Error("value looks like a PEM but has no matching -----BEGIN/-----END lines");
  const label = m[1];
  let body = m[2];
  // Keep RFC 1421 headers (encrypted legacy PEM) untouched; otherwise re-wrap the base64.
  if (/^\s*[A-Za-z-]+:/m.test(body)) return `-----BEGIN ${label}-----${body}-----END ${label}-----\n`;
  body = body.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/=]+$/.test(body)) throw new Error(`PEM ${label} body is not base64`);
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * Returns PEM text from either an inline PEM (any value containing `-----BEGIN`, including a
 * one-line PEM with literal `\n` escapes) or a path to a PEM file. Error messages never
 * include key material.
 */
export function loadPem(valueOrPath: string): string {
  const value = valueOrPath.trim();
  if (value.length === 0) throw new Error("empty PEM value or path");
  if (value.includes("-----BEGIN")) return normalisePem(value);
  let text: string;
  try {
    text = fs.readFileSync(value, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new Error(`cannot read PEM file ${value} (${code}); pass an inline PEM or a readable path`);
  }
  if (!text.includes("-----BEGIN")) throw new Error(`file ${value} does not contain a PEM block`);
  return normalisePem(text);
}

export type KeyAlgorithm = "rsa-2048" | "ec-p256";

/** Throws unless the key is RSA-2048 or EC P-256 (the key types CloudFront accepts). */
function keyAlgorithm(key: KeyObject, label: string): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    if (details.modulusLength !== 2048) {
      throw new Error(`${label}: RSA key is ${details.modulusLength ?? "?"} bits; CloudFront requires RSA-2048 (or use EC P-256)`);
    }
    return "rsa-2048";
  }
  if (key.asymmetricKeyType === "ec") {
    if (details.namedCurve !== "prime256v1") {
      throw new Error(`${label}: EC key on curve ${details.namedCurve ?? "?"}; CloudFront requires P-256 (prime256v1)`);
    }
    return "ec-p256";
  }
  throw new Error(`${label}: unsupported key type ${key.asymmetricKeyType ?? "?"}; use RSA-2048 or EC P-256`);
}

export interface SigningKey {
  id: string;
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface KeyRingConfig {
  activeKeyId: string;
  keys: ReadonlyArray<{ id: string; privateKeyPem: string }>;
}

export interface KeyRing {
  /** The id signatures are made with (sent as Key-Pair-Id). */
  readonly activeKeyId: string;
  /** The active signing key. */
  readonly active: SigningKey;
  /** Every key id in the ring, active first. */
  ids(): string[];
  get(id: string): SigningKey | undefined;
  /** id -> public key for every key in the ring (what the edge / CloudFront key group trusts). */
  publicKeys(): TrustedKeys;
}

/**
 * Parses every private key ONCE into KeyObjects (RSA-2048 or EC P-256; anything else,
 * encrypted PEMs included, throws a clear error). One key is active for signing; the others
 * stay trusted so that links signed with them keep working until they are removed (rotation).
 */
export function createKeyRing(config: KeyRingConfig): KeyRing {
  if (config.keys.length === 0) throw new Error("key ring needs at least one key");
  const byId = new Map<string, SigningKey>();
  for (const { id, privateKeyPem } of config.keys) {
    assertKeyId(id);
    if (byId.has(id)) throw new Error(`duplicate key id ${id} in key ring`);
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: privateKeyPem, format: "pem" });
    } catch (err) {
      const reason = (err as { code?: string }).code ?? "unparseable";
      throw new Error(`key ${id}: not a usable unencrypted private key PEM (${reason})`);
    }
    const algorithm = keyAlgorithm(privateKey, `key ${id}`);
    byId.set(id, { id, algorithm, privateKey, publicKey: createPublicKey(privateKey) });
  }
  assertKeyId(config.activeKeyId);
  const active = byId.get(config.activeKeyId);
  if (!active) throw new Error(`active key id ${config.activeKeyId} is not among the keys (${[...byId.keys()].join(", ")})`);
  const ids = [active.id, ...[...byId.keys()].filter((k) => k !== active.id)];
  const publicKeys: TrustedKeys = new Map(ids.map((id) => [id, byId.get(id)!.publicKey]));
  return {
    activeKeyId: active.id,
    active,
    ids: () => [...ids],
    get: (id) => byId.get(id),
    publicKeys: () => publicKeys,
  };
}

/**
 * Any environment-like object: `process.env`, or the app's parsed env (whose other entries may
 * be numbers or booleans). Only the variables named below are read, and they must be strings.
 */
type Env = Readonly<Record<string, unknown>>;

function readVar(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new Error(`${name} must be a string`);
  return value;
}

/**
 * Parses a list `id=value,id2=value2`: entries separated by `,`, each split at its FIRST `=`
 * (PEM base64 may end in `=`). Values are paths or inline PEMs (real newlines or literal `\n`
 * escapes); PEMs contain no commas, so the split is unambiguous. Blank entries are ignored.
 */
function parseKeyList(name: string, text: string): Array<{ id: string; value: string }> {
  const out: Array<{ id: string; value: string }> = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry.length === 0) continue;
    const eq = entry.indexOf("=");
    if (eq <= 0 || eq === entry.length - 1) throw new Error(`${name}: entry must be id=path-or-inline-PEM, got "${entry.slice(0, 40)}"`);
    const id = entry.slice(0, eq).trim();
    assertKeyId(id);
    out.push({ id, value: entry.slice(eq + 1).trim() });
  }
  return out;
}

/**
 * Reads the app's signing keys from the environment:
 * - `CLOUDFRONT_KEY_PAIR_ID`: id of the active key (the CloudFront public key id).
 * - `CLOUDFRONT_PRIVATE_KEY` (inline PEM, one-line `\n` form accepted) or
 *   `CLOUDFRONT_PRIVATE_KEY_PATH` (file path): exactly one of them, the active private key.
 * - `CLOUDFRONT_EXTRA_KEYS` (optional): other keys still trusted or about to become active,
 *   `id=/path/key.pem,id2=<inline PEM, one line with \n escapes>` (comma separated).
 * Returns the config for `createKeyRing`; throws a message naming the variable at fault.
 */
export function parseKeyRingEnv(env: Env): KeyRingConfig {
  const activeKeyId = readVar(env, "CLOUDFRONT_KEY_PAIR_ID")?.trim();
  if (!activeKeyId) throw new Error("CLOUDFRONT_KEY_PAIR_ID is not set");
  assertKeyId(activeKeyId);
  const inline = readVar(env, "CLOUDFRONT_PRIVATE_KEY")?.trim();
  const path = readVar(env, "CLOUDFRONT_PRIVATE_KEY_PATH")?.trim();
  if (inline && path) throw new Error("set only one of CLOUDFRONT_PRIVATE_KEY and CLOUDFRONT_PRIVATE_KEY_PATH");
  if (!inline && !path) throw new Error("set CLOUDFRONT_PRIVATE_KEY (inline PEM) or CLOUDFRONT_PRIVATE_KEY_PATH");
  if (inline && !inline.includes("-----BEGIN")) {
    throw new Error("CLOUDFRONT_PRIVATE_KEY must be an inline PEM; use CLOUDFRONT_PRIVATE_KEY_PATH for a file");
  }
  const keys = [{ id: activeKeyId, privateKeyPem: loadPem((inline || path)!) }];
  for (const { id, value } of parseKeyList("CLOUDFRONT_EXTRA_KEYS", readVar(env, "CLOUDFRONT_EXTRA_KEYS") ?? "")) {
    if (keys.some((k) => k.id === id)) throw new Error(`CLOUDFRONT_EXTRA_KEYS: key id ${id} given twice`);
    keys.push({ id, privateKeyPem: loadPem(value) });
  }
  return { activeKeyId, keys };
}

/**
 * `CLOUDFRONT_HASH_ALGORITHM`: `SHA1` (default, what every CloudFront distribution accepts)
 * or `SHA256` (adds Hash-Algorithm=SHA256).
 */
export function parseHashAlgorithmEnv(env: Env): HashAlgorithm {
  const raw = readVar(env, "CLOUDFRONT_HASH_ALGORITHM");
  const value = raw?.trim().toUpperCase();
  if (!value || value === "SHA1") return "SHA1";
  if (value === "SHA256") return "SHA256";
  throw new Error(`CLOUDFRONT_HASH_ALGORITHM must be SHA1 or SHA256, got ${raw}`);
}

/**
 * Parses one trusted key from a PEM (public or private; the public key is derived) and checks
 * it is RSA-2048 or EC P-256.
 */
export function publicKeyFromPem(pem: string, label = "key"): KeyObject {
  let key: KeyObject;
  try {
    // createPublicKey derives the public key when given a private key PEM.
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (err) {
    const reason = (err as { code?: string }).code ?? "unparseable";
    throw new Error(`${label}: not a usable public or unencrypted private key PEM (${reason})`);
  }
  keyAlgorithm(key, label);
  return key;
}

/**
 * The edge's trusted keys from `EDGE_TRUSTED_KEYS` = `id=/path/to/public.pem,id2=...`
 * (comma separated; each value a path or an inline PEM; public or private PEMs
 * accepted). Throws when unset or empty: an edge that trusts nothing would deny everything.
 */
export function parseTrustedKeysEnv(env: Env): TrustedKeys {
  const text = readVar(env, "EDGE_TRUSTED_KEYS") ?? "";
  const entries = parseKeyList("EDGE_TRUSTED_KEYS", text);
  if (entries.length === 0) throw new Error("EDGE_TRUSTED_KEYS is not set (id=/path/to/public.pem,...)");
  const keys = new Map<string, KeyObject>();
  for (const { id, value } of entries) {
    if (keys.has(id)) throw new Error(`EDGE_TRUSTED_KEYS: key id ${id} given twice`);
    keys.set(id, publicKeyFromPem(loadPem(value), `EDGE_TRUSTED_KEYS ${id}`));
  }
  return keys;
}
