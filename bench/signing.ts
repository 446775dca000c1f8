/**
 * `npm run bench`: signing and edge-verification throughput, each reported as a ratio against
 * a baseline measured in the same run on the same machine (never absolute timings in tests).
 *
 *  - signer vs @aws-sdk/cloudfront-signer getSignedUrl (which parses the PEM on every call);
 *  - edge verification with the signature cache vs without it (repeat viewers of one policy).
 */
import crypto from "node:crypto";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { SignatureCache, verifyRequest } from "@/lib/cloudfront/verify";
import { createKeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner } from "@/lib/cloudfront/signer";

function opsPerSecond(fn: (i: number) => void, ms = 1500): number {
  for (let i = 0; i < 200; i++) fn(i); // warm-up
  const start = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - start) / 1e6 < ms) {
    for (let k = 0; k < 50; k++) fn(n++);
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

const rows: { name: string; baseline: number; candidate: number; target: number }[] = [];

for (const kind of ["rsa", "ec"] as const) {
  const { privateKey } =
    kind === "rsa" ? crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }) : crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const ring = createKeyRing({ activeKeyId: "KBENCH", keys: [{ id: "KBENCH", privateKeyPem: pem }] });
  const signer = createCloudFrontSigner({ keyRing: ring, hashAlgorithm: "SHA1" });
  const expires = Math.floor(Date.now() / 1000) + 3600;
  const url = (i: number) => `https://media.example.com/courses/c1/cover/a${i % 1000}.jpg`;

  const sdk = opsPerSecond((i) => {
    getSignedUrl({ url: url(i), keyPairId: "KBENCH", privateKey: pem, dateLessThan: new Date(expires * 1000).toISOString() });
  });
  const ours = opsPerSecond((i) => {
    signer.signUrl(url(i), { expiresAt: expires });
  });
  rows.push({ name: `sign canned URL (${kind})`, baseline: sdk, candidate: ours, target: 2 });

  // One policy for a lesson folder, many segment requests (what an HLS viewer does).
  const cookies = signer.signedCookies({ resource: "https://media.example.com/courses/c1/lessons/l1/*", expiresAt: expires });
  const keys = ring.publicKeys();
  const req = (i: number) => ({ url: `https://media.example.com/courses/c1/lessons/l1/video/a/360p/seg_${i % 500}.ts`, cookies, sourceIp: "127.0.0.1", now: Math.floor(Date.now() / 1000) });
  const cold = opsPerSecond((i) => {
    verifyRequest(req(i), { trustedKeys: keys });
  });
  const cache = new SignatureCache(10_000);
  const warm = opsPerSecond((i) => {
    verifyRequest(req(i), { trustedKeys: keys, cache });
  });
  rows.push({ name: `edge verify, cookie policy (${kind})`, baseline: cold, candidate: warm, target: 2 });
}

let failed = false;
console.log("benchmark                              baseline/s   candidate/s   ratio   target");
for (const r of rows) {
  const ratio = r.candidate / r.baseline;
  const ok = ratio >= r.target;
  failed ||= !ok;
  console.log(
    `${r.name.padEnd(38)} ${r.baseline.toFixed(0).padStart(10)} ${r.candidate.toFixed(0).padStart(13)} ${ratio.toFixed(1).padStart(7)}x  >=${r.target}x ${ok ? "ok" : "MISSED"}`,
  );
}
process.exit(failed ? 1 : 0);
