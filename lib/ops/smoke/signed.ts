/**
 * CloudFront / S3 answers and signed URLs as the smoke check sees them from the outside: XML
 * error codes, when a signed URL or policy expires, a tampered signature, HLS playlist URIs. Pure.
 */
import { cfBase64Decode } from "@/lib/cloudfront/base64";

/** `<Code>…</Code>` of an S3 or CloudFront XML error body. */
export function xmlErrorCode(body: string): string | null {
  return /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1] ?? null;
}

/** The `DateLessThan` epoch of a custom policy in CloudFront base64, or null. */
export function policyExpiry(policyB64: string): number | null {
  const bytes = cfBase64Decode(policyB64);
  if (!bytes) return null;
  try {
    const policy = JSON.parse(bytes.toString("utf8")) as { Statement?: { Condition?: { DateLessThan?: { "AWS:EpochTime"?: unknown } } }[] };
    const t = policy.Statement?.[0]?.Condition?.DateLessThan?.["AWS:EpochTime"];
    return typeof t === "number" && Number.isInteger(t) ? t : null;
  } catch {
    return null;
  }
}

/** When a CloudFront signed URL stops working (epoch seconds): `Expires` (canned) or the policy's `DateLessThan`. */
export function signedUrlExpiry(url: string): number | null {
  const q = new URL(url).searchParams;
  if (!q.get("Signature") || !q.get("Key-Pair-Id")) return null;
  const expires = q.get("Expires");
  if (expires !== null) return /^\d{1,12}$/.test(expires) ? Number(expires) : null;
  const policy = q.get("Policy");
  return policy ? policyExpiry(policy) : null;
}

/** The URL without its query: the same object, unsigned. */
export function withoutQuery(url: string): string {
  const u = new URL(url);
  u.search = "";
  u.hash = "";
  return u.toString();
}

/**
 * A CloudFront base64 signature with one character changed in the middle (still valid base64 of
 * the same length, so CloudFront gets as far as checking it).
 */
export function tamperValue(signature: string): string {
  const i = Math.floor(signature.length / 2);
  const c = signature[i];
  const replacement = c === "A" ? "B" : "A";
  return signature.slice(0, i) + replacement + signature.slice(i + 1);
}

/** The signed URL with its `Signature` tampered (see `tamperValue`). */
export function tamperSignature(url: string): string {
  const u = new URL(url);
  const sig = u.searchParams.get("Signature");
  if (!sig) throw new Error("Not a signed URL: no Signature parameter.");
  // Replace in the raw query so everything else keeps its exact encoding (the edge and
  // CloudFront rebuild the signed resource from the URL as sent).
  u.search = u.search.replace(`Signature=${sig}`, `Signature=${tamperValue(sig)}`);
  return u.toString();
}

/** The first URI of an HLS playlist (a variant playlist in a master, a segment in a media playlist). */
export function firstPlaylistUri(text: string): string | null {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line && !line.startsWith("#")) return line;
  }
  return null;
}
