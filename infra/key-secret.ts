import { createPrivateKey, createPublicKey } from "node:crypto";
import { PUBLIC_KEY_SUFFIX, parsePublicKey } from "./keys";

/**
 * The CloudFront private-key secret's value: a JSON object {keyName: private key PEM}, one field
 * per key so a rotation can add the new key before any task uses it (infra/scripts/key-secret.ts
 * edits it on a pipe; docs/deploy.md shows how).
 */
export type KeySecret = Record<string, string>;

export function parseKeySecret(text: string): KeySecret {
  const trimmed = text.trim();
  if (trimmed === "") return {};
  const value: unknown = JSON.parse(trimmed);
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new Error("the secret must be a JSON object {keyName: PEM}");
  }
  return value as KeySecret;
}

/** Adds (or replaces) one key; `publicPem` is the matching infra/keys file when there is one. */
export function addKey(secret: KeySecret, name: string, privatePem: string, publicPem?: string): KeySecret {
  let key;
  try {
    key = createPrivateKey({ key: privatePem, format: "pem" });
  } catch {
    throw new Error(`${name}: not an unencrypted private key PEM`);
  }
  const derived = createPublicKey(key).export({ type: "spki", format: "pem" }).toString();
  parsePublicKey(name, derived); // same algorithm rules as the key group
  if (publicPem !== undefined && parsePublicKey(name, publicPem).pem !== derived) {
    throw new Error(`${name}: this private key does not belong to infra/keys/${name}${PUBLIC_KEY_SUFFIX}`);
  }
  const pkcs8 = key.export({ type: "pkcs8", format: "pem" }).toString();
  return { ...secret, [name]: pkcs8 };
}

export function removeKey(secret: KeySecret, name: string): KeySecret {
  if (!(name in secret)) throw new Error(`${name}: not in the secret (${Object.keys(secret).join(", ") || "empty"})`);
  const { [name]: _removed, ...rest } = secret;
  return rest;
}
