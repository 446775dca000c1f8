/**
 * The reference the fuzzer judges the edge against, written independently of lib/cloudfront
 * (only the decision TYPE is shared).
 *
 * A grant is sound only when it is semantically one our signer issued:
 *  (a) the credentials come from the carrier ADR 010 names (any reserved name in the query: the
 *      URL, else the cookies), no reserved query parameter is repeated, Expires and Policy are
 *      not both present;
 *  (b) the policy bytes are exactly ones our signer produced under that key id and hash
 *      algorithm (canned: the signed URL minus signing parameters and the exact Expires text;
 *      custom: the exact Policy text; a canned policy's bytes presented as a custom Policy are
 *      the same signed bytes, so they count too), and the signature is exactly one the signer returned for
 *      them (or, for ECDSA, its malleable twin (r, n - s), which verifies over the same bytes
 *      with the same key and so grants nothing new);
 *  (c) the requested URL is within that grant: canned = string equality after stripping the
 *      signing parameters; custom folder wildcard = string prefix `origin/courses/c/lessons/l/`;
 *  (d) now < expiry, now > not-before, viewer IP inside the policy's CIDR;
 *  (e) and the object the edge would then read (its urlPathToObjectKey) is the signed object or
 *      inside the signed folder, or the edge refuses the path.
 * Attacker grants are never in the index, so any grant built on one is wrong.
 */
import type { EdgeDecision, EdgeRequest } from "@/lib/cloudfront/verify";
import { InvalidObjectKeyError, urlPathToObjectKey } from "@/lib/storage/keys";
import { legitGrants, type Grant } from "./fixture";
import { FIELDS, cookieName, isField, nameOf, type Field } from "./model";

const MESSAGES: Record<string, string> = {
  MissingKey: "Missing Key-Pair-Id query parameter or cookie value",
  InvalidKey: "Unknown Key",
  MalformedSignature: "Could not unencode Signature",
  MalformedPolicy: "Malformed Policy",
  AccessDenied: "Access denied",
};
const MAX_URL_BYTES = 8192;

const cannedIndex = new Map<string, Grant[]>();
const customIndex = new Map<string, Grant[]>();
const add = (m: Map<string, Grant[]>, k: string, g: Grant) => m.set(k, [...(m.get(k) ?? []), g]);
for (const g of legitGrants) {
  if (g.kind === "canned") add(cannedIndex, [g.keyId, g.hash, g.url, String(g.expires)].join("\n"), g);
  // A canned policy presented as a custom `Policy` is the same signed bytes: same grant.
  add(customIndex, [g.keyId, g.hash, g.policyB64].join("\n"), g);
}

export type Verdict =
  | { kind: "denied" }
  | { kind: "granted"; grant: Grant }
  | { kind: "wrongly-granted"; why: string }
  | { kind: "threw"; why: string }
  | { kind: "inconsistent"; why: string };

function ipv4(text: string): number | null {
  const m = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/i.exec(text);
  if (!m) return null;
  let v = 0;
  for (const p of m.slice(1)) {
    if (p.length > 1 && p[0] === "0") return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

/** Reference IPv4 CIDR membership (viewer as the socket reports it: canonical dotted quad, maybe ::ffff:-mapped). */
export function refIpIn(viewer: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const a = ipv4(viewer);
  const b = ipv4(base);
  const bits = Number(bitsText);
  if (a === null || b === null || base.includes(":") || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** Reference stripping: every component whose name is reserved goes, the rest stays in order. */
export function refStrip(url: string): string {
  const q = url.indexOf("?");
  if (q === -1) return url;
  const parts = url.slice(q + 1).split("&");
  const kept = parts.filter((p) => !isField(nameOf(p)));
  if (kept.length === parts.length) return url;
  return kept.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${kept.join("&")}`;
}

/** ADR 010: any reserved name in the query (as the URL is actually split) makes it a signed URL. */
export function refCarrier(url: string): "url" | "cookie" {
  const q = url.indexOf("?");
  return q !== -1 && url.slice(q + 1).split("&").some((p) => isField(nameOf(p))) ? "url" : "cookie";
}

export function judge(req: EdgeRequest, d: EdgeDecision): Verdict {
  const urlBytes = Buffer.byteLength(req.url, "utf8");
  if (!d.ok) {
    if (d.status !== 403 || MESSAGES[d.code] !== d.message) return { kind: "inconsistent", why: `denial shape ${JSON.stringify(d)}` };
    if (d.reason === "internal-error") return { kind: "threw", why: "verifier caught an internal exception" };
    if (urlBytes > MAX_URL_BYTES && d.reason !== "url-too-long" && d.reason !== "bad-clock") return { kind: "inconsistent", why: `URL of ${urlBytes} bytes denied as ${d.reason}` };
    return { kind: "denied" };
  }
  const wrong = (why: string): Verdict => ({ kind: "wrongly-granted", why });
  if (urlBytes > MAX_URL_BYTES) return wrong(`granted a URL of ${urlBytes} bytes`);

  // (a) carrier and credentials
  const q = req.url.indexOf("?");
  const parts = q === -1 ? [] : req.url.slice(q + 1).split("&");
  const via = refCarrier(req.url);
  if (d.via !== via) return wrong(`granted via ${d.via}, but ADR 010 reads credentials from the ${via}`);
  const creds: Partial<Record<Field, string>> = {};
  if (via === "url") {
    for (const p of parts) {
      const name = nameOf(p);
      if (!isField(name)) continue;
      if (creds[name] !== undefined) return wrong(`granted with a repeated ${name}`);
      try {
        creds[name] = decodeURIComponent(p.length > name.length ? p.slice(name.length + 1) : "");
      } catch {
        return wrong(`granted with an undecodable ${name}`);
      }
    }
  } else {
    for (const f of FIELDS) {
      if (Object.prototype.hasOwnProperty.call(req.cookies, cookieName(f))) creds[f] = req.cookies[cookieName(f)];
    }
  }
  const originUrl = via === "url" ? refStrip(req.url) : req.url;
  if (d.originUrl !== originUrl) return wrong(`originUrl ${d.originUrl} differs from the reference ${originUrl}`);
  const keyId = creds["Key-Pair-Id"];
  if (keyId === undefined || d.keyId !== keyId) return wrong(`decision keyId ${d.keyId} vs presented ${keyId}`);
  const hashText = creds["Hash-Algorithm"];
  if (hashText !== undefined && hashText !== "SHA256") return wrong(`granted with Hash-Algorithm=${hashText}`);
  const hash = hashText === undefined ? "SHA1" : "SHA256";

  // (b) policy bytes and signature issued by our signer
  if (creds.Expires !== undefined && creds.Policy !== undefined) return wrong("granted with both Expires and Policy");
  let candidates: Grant[];
  if (creds.Expires !== undefined) candidates = cannedIndex.get([keyId, hash, originUrl, creds.Expires].join("\n")) ?? [];
  else if (creds.Policy !== undefined) candidates = customIndex.get([keyId, hash, creds.Policy].join("\n")) ?? [];
  else return wrong("granted without Expires or Policy");
  if (candidates.length === 0) return wrong("no policy our signer produced under this key id matches the presented one");
  const sig = creds.Signature;
  const g = candidates.find((c) => sig !== undefined && c.signatures.includes(sig));
  if (!g) return wrong("the signature is not one our signer produced for these policy bytes");

  // (c) resource
  if (g.kind === "canned" && originUrl !== g.url) return wrong(`${originUrl} is not the signed URL ${g.url}`);
  if (g.kind === "custom" && !originUrl.startsWith(g.origin + g.folderPath)) return wrong(`${originUrl} is outside ${g.origin}${g.folderPath}`);
  // (d) time and IP
  if (!(req.now < g.expires)) return wrong(`granted at ${req.now}, expiry ${g.expires}`);
  if (g.notBefore !== undefined && !(req.now > g.notBefore)) return wrong(`granted at ${req.now}, not before ${g.notBefore}`);
  if (g.ip !== undefined && !refIpIn(req.sourceIp, g.ip)) return wrong(`granted to ${req.sourceIp}, policy IP ${g.ip}`);

  // (e) the object the edge would read
  const rest = originUrl.slice(g.origin.length);
  const rq = rest.indexOf("?");
  let key: string;
  try {
    key = urlPathToObjectKey(rq === -1 ? rest : rest.slice(0, rq));
  } catch (err) {
    if (err instanceof InvalidObjectKeyError) return { kind: "granted", grant: g }; // the edge answers 400
    return { kind: "inconsistent", why: `urlPathToObjectKey threw ${String(err)}` };
  }
  const inside =
    g.kind === "canned" ? key === g.objectKey : key.startsWith(g.folderPath.slice(1)) && !key.split("/").some((s) => s === "." || s === "..");
  if (!inside) return wrong(`the edge would read ${key}, outside the grant`);
  return { kind: "granted", grant: g };
}
