import { createPublicKey, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The CloudFront public keys the trusted key group is built from.
 *
 * One PEM file per key in the keys folder (`infra/keys/<name>.pub.pem`, git-ignored) and/or
 * inline PEMs from configuration. The name (file name without `.pub.pem`) is how the
 * configuration says which key is active; CloudFront assigns the key's id
 * (`CLOUDFRONT_KEY_PAIR_ID`, e.g. K2JCJMDEHXQW5F) when the stack creates it.
 */
export interface PublicKeyFile {
  /** `[A-Za-z0-9_-]{1,64}`, unique; becomes part of the CloudFront public key's name. */
  readonly name: string;
  /** SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), as CloudFront expects it. */
  readonly pem: string;
  readonly algorithm: "ECDSA P-256" | "RSA-2048";
}

/** CloudFront trusts at most 5 public keys per key group. */
export const MAX_KEYS_PER_GROUP = 5;
export const PUBLIC_KEY_SUFFIX = ".pub.pem";
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Parses and checks one public key: CloudFront accepts RSA-2048 and ECDSA P-256 only. A private
 * key is refused outright (it must never sit in the keys folder nor reach the template).
 */
export function parsePublicKey(name: string, text: string): PublicKeyFile {
  if (!NAME.test(name)) throw new Error(`public key name "${name}": use 1-64 of A-Z a-z 0-9 _ -`);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new Error(`public key "${name}" is a PRIVATE key: keep it out of infra/ and put only the public half here (openssl ec -in cf.pem -pubout)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: "pem" });
  } catch {
    throw new Error(`public key "${name}": not a PEM public key`);
  }
  const details = key.asymmetricKeyDetails ?? {};
  let algorithm: PublicKeyFile["algorithm"];
  if (key.asymmetricKeyType === "ec" && details.namedCurve === "prime256v1") algorithm = "ECDSA P-256";
  else if (key.asymmetricKeyType === "rsa" && details.modulusLength === 2048) algorithm = "RSA-2048";
  else throw new Error(`public key "${name}": CloudFront accepts ECDSA P-256 or RSA-2048 keys only`);
  const pem = key.export({ type: "spki", format: "pem" }).toString();
  return { name, pem, algorithm };
}

/** Reads `<dir>/*.pub.pem`, sorted by name. A missing folder means no keys. */
export function readPublicKeyDir(dir: string): PublicKeyFile[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(PUBLIC_KEY_SUFFIX))
    .sort()
    .map((f) => parsePublicKey(f.slice(0, -PUBLIC_KEY_SUFFIX.length), fs.readFileSync(path.join(dir, f), "utf8")));
}

/**
 * Merges the keys of the folder and of the configuration and picks the active one: the only key
 * when there is one, otherwise the one named by `activeKey` (rotation: both keys trusted, one signs).
 */
export function resolveKeyRing(
  fromDir: PublicKeyFile[],
  inline: Record<string, string>,
  activeKey: string | undefined,
  dirLabel: string,
): { keys: PublicKeyFile[]; active: PublicKeyFile } {
  const keys = [...fromDir];
  for (const [name, pem] of Object.entries(inline)) keys.push(parsePublicKey(name, pem));
  const names = new Set<string>();
  for (const k of keys) {
    if (names.has(k.name)) throw new Error(`public key "${k.name}" is given twice`);
    names.add(k.name);
  }
  if (keys.length === 0) {
    throw new Error(
      `no CloudFront public key: create one in ${dirLabel} (see infra/keys/README.md), e.g. from the repository root:\n` +
        `  openssl ecparam -name prime256v1 -genkey -noout -out cf.pem && openssl ec -in cf.pem -pubout -out ${dirLabel}/cf-1${PUBLIC_KEY_SUFFIX}`,
    );
  }
  if (keys.length > MAX_KEYS_PER_GROUP) throw new Error(`a CloudFront key group holds at most ${MAX_KEYS_PER_GROUP} public keys, got ${keys.length}`);
  if (activeKey === undefined) {
    if (keys.length > 1) throw new Error(`several public keys (${[...names].join(", ")}): set activeKey to the one the app signs with`);
    return { keys, active: keys[0] };
  }
  const active = keys.find((k) => k.name === activeKey);
  if (!active) throw new Error(`activeKey "${activeKey}" is not one of the public keys (${[...names].join(", ")})`);
  return { keys, active };
}
