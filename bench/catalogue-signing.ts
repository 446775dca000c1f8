/**
 * Signing cost of one catalogue page (24 cover URLs), cold (every signature made) against warm
 * (the page rendered again within the expiry window: every signature from the cache, ADR 050),
 * for an RSA-2048 and an ECDSA P-256 key. Not part of `npm test`; ratios within one run only.
 *
 *   npx tsx --conditions=react-server bench/catalogue-signing.ts
 */
import crypto from "node:crypto";
import { createKeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner } from "@/lib/cloudfront/signer";
import { SigningCache } from "@/lib/cloudfront/signing-cache";

const COVERS = 24;
const url = (i: number) => `https://media.example.com/courses/c${i}/cover/a${i}.jpg`;

function microsPerPage(page: (round: number) => void, ms = 1500): number {
  for (let r = 0; r < 20; r++) page(r);
  const start = process.hrtime.bigint();
  let rounds = 0;
  while (Number(process.hrtime.bigint() - start) / 1e6 < ms) page(rounds++);
  return Number(process.hrtime.bigint() - start) / 1e3 / rounds;
}

console.log(`signing one page of ${COVERS} covers      cold µs   warm µs   ratio   signature chars`);
for (const kind of ["rsa", "ec"] as const) {
  const { privateKey } =
    kind === "rsa" ? crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }) : crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const keyRing = createKeyRing({ activeKeyId: "KBENCH", keys: [{ id: "KBENCH", privateKeyPem: pem }] });
  const cache = new SigningCache(10_000);
  const signer = createCloudFrontSigner({ keyRing, hashAlgorithm: "SHA1", cache });
  const expires = Math.floor(Date.now() / 1000) + 3600;
  // Cold: a new expiry window every round, so nothing is cached (what every render did before).
  const cold = microsPerPage((r) => {
    for (let i = 0; i < COVERS; i++) signer.signUrl(url(i), { expiresAt: expires + r });
  });
  const warm = microsPerPage(() => {
    for (let i = 0; i < COVERS; i++) signer.signUrl(url(i), { expiresAt: expires });
  });
  const signature = new URL(signer.signUrl(url(0), { expiresAt: expires })).searchParams.get("Signature") ?? "";
  console.log(
    `${kind.padEnd(36)} ${cold.toFixed(0).padStart(9)} ${warm.toFixed(0).padStart(9)} ${(cold / warm).toFixed(0).padStart(6)}x ${String(signature.length).padStart(10)}`,
  );
}
