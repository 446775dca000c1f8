/**
 * Signing and verification, in process (no server): fresh signatures per second of our signer
 * against the floor (node's `crypto.sign` with a parsed KeyObject) and against
 * `@aws-sdk/cloudfront-signer` (which parses the PEM on every call), for RSA-2048 and ECDSA
 * P-256; the edge's verification with its signature cache against without (repeat viewers of
 * one cookie policy); and the signing cost of a catalogue page of 24 covers warm (ADR 050's
 * cache) against cold.
 *
 * Like for like: both sides sign fresh, distinct policies (each call its own expiry) with the
 * same KeyObject (the key ring's). Our side is the app's signer with its cache (ADR 050), which
 * every call misses (checked below: a hit would make ours look faster than the primitive it
 * calls), so it pays for checking the URL, the policy, the cache lookup and insertion, the
 * encoding and the URL on top of `crypto.sign`; the raw side builds the same policy bytes and
 * signs them, nothing else. Rates are per CPU second (bench/lib/measure.ts).
 */
import crypto from "node:crypto";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { createKeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner } from "@/lib/cloudfront/signer";
import { SigningCache } from "@/lib/cloudfront/signing-cache";
import { SignatureCache, verifyRequest } from "@/lib/cloudfront/verify";
import { alternatingRates, median } from "./lib/measure";
import { compareRounds, type Bench, type BenchResult } from "./lib/result";

const KINDS = { rsa: "RSA", ecdsa: "ECDSA" } as const;
const COVERS = 24;
const url = (i: number) => `https://media.example.com/courses/c${i % 1000}/cover/a${i % 1000}.jpg`;

function keyPair(kind: keyof typeof KINDS) {
  const generated =
    kind === "rsa" ? crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }) : crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = generated.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const keyRing = createKeyRing({ activeKeyId: "KBENCH", keys: [{ id: "KBENCH", privateKeyPem: pem }] });
  // The very KeyObject our signer uses, so that the raw side differs only by what the signer adds.
  return { privateKey: keyRing.active.privateKey, pem, keyRing };
}

export const signing: Bench = async (ctx) => {
  // Short slices, many rounds: the ratio is the median of side-by-side ratios (a shared machine).
  const sliceMs = ctx.quick ? 50 : 150;
  const rounds = ctx.quick ? 3 : 25;
  const results: BenchResult[] = [];
  const base = Math.floor(Date.now() / 1000) + 3600;

  for (const kind of ["rsa", "ecdsa"] as const) {
    const label = KINDS[kind];
    ctx.log(`signing: ${label}`);
    const { privateKey, pem, keyRing } = keyPair(kind);
    // The app's signer, its cache included (ADR 050): every call below misses it (a new expiry each time).
    const signerCache = new SigningCache(10_000);
    const signer = createCloudFrontSigner({ keyRing, hashAlgorithm: "SHA1", cache: signerCache });
    const m = alternatingRates(
      {
        ours: (i) => signer.signUrl(url(i), { expiresAt: base + (i % 1e9) }),
        raw: (i) => {
          const policy = `{"Statement":[{"Resource":"${url(i)}","Condition":{"DateLessThan":{"AWS:EpochTime":${base + (i % 1e9)}}}}]}`;
          crypto.sign("sha1", Buffer.from(policy, "utf8"), privateKey);
        },
        sdk: (i) => {
          getSignedUrl({ url: url(i), keyPairId: "KBENCH", privateKey: pem, dateLessThan: new Date((base + (i % 1e9)) * 1000).toISOString() });
        },
      },
      rounds,
      sliceMs,
    );
    const { hits, misses } = signerCache.stats();
    if (hits > 0 || misses === 0) throw new Error(`bench: our signer hit its cache ${hits} times (${misses} misses): the comparison would not be fresh signatures`);
    results.push(compareRounds(`signing: fresh signatures, ${label}, vs raw crypto.sign`, "signatures/s", m.ours, m.raw, { op: ">=", value: 0.9 }));
    results.push(compareRounds(`signing: fresh signatures, ${label}, vs @aws-sdk/cloudfront-signer`, "signatures/s", m.ours, m.sdk, kind === "rsa" ? { op: ">=", value: 3.5 } : null));

    // One cookie policy for a lesson folder, many segment requests (an HLS viewer): the edge's
    // verification with its signature cache against verifying every request.
    const cookies = signer.signedCookies({ resource: "https://media.example.com/courses/c1/lessons/l1/*", expiresAt: base });
    const trustedKeys = keyRing.publicKeys();
    const request = (i: number) => ({
      url: `https://media.example.com/courses/c1/lessons/l1/video/a/360p/seg_${i % 500}.ts`,
      cookies,
      sourceIp: "127.0.0.1",
      now: Math.floor(Date.now() / 1000),
    });
    const cache = new SignatureCache(10_000);
    const v = alternatingRates(
      { cached: (i) => verifyRequest(request(i), { trustedKeys, cache }), uncached: (i) => verifyRequest(request(i), { trustedKeys }) },
      rounds,
      sliceMs,
    );
    results.push(compareRounds(`edge verification, cookie policy, ${label}: cached vs not`, "requests/s", v.cached, v.uncached, kind === "ecdsa" ? { op: ">=", value: 2 } : null));

    // A catalogue page's 24 covers: rendered again within the expiry window (all cached) against
    // every signature made (a new window each time).
    const pageSigner = createCloudFrontSigner({ keyRing, hashAlgorithm: "SHA1", cache: new SigningCache(10_000) });
    const page = (expires: (i: number) => number) => (i: number) => {
      for (let c = 0; c < COVERS; c++) pageSigner.signUrl(url(c), { expiresAt: expires(i) });
    };
    const p = alternatingRates({ warm: page(() => base), cold: page((i) => base + 1 + (i % 1e9)) }, rounds, sliceMs);
    results.push(
      compareRounds(`signing: one catalogue page (${COVERS} covers), ${label}: warm (cache) vs cold`, "pages/s", p.warm, p.cold, null, {
        extra: { warmMicrosPerPage: Math.round(1e6 / median(p.warm)), coldMicrosPerPage: Math.round(1e6 / median(p.cold)) },
      }),
    );
  }
  return results;
};
