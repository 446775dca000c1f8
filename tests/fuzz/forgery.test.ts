/**
 * Forgery resistance, counted (issue 9 item 5; docs/decisions/036-forgery-fuzzing.md).
 *
 * Start from VALID signed URLs and cookies made by our signer (tests/fuzz/support/fixture.ts),
 * mutate them (support/mutations.ts), and ask the edge's verifier. Every decision is judged by
 * an independent oracle (support/oracle.ts): a grant must be one our signer issued, for this
 * URL, now, from this address. The verifier must never throw, must decide the same with and
 * without its SignatureCache, and a signed URL must be decided without looking at cookies.
 *
 * FUZZ_RUNS sets the total (small by default; `npm run test:fuzz` runs 1,000,000).
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { encodeUrlPath } from "@/lib/cloudfront/encode";
import { SignatureCache, verifyRequest, type EdgeDecision } from "@/lib/cloudfront/verify";
import { FILES, NOW, attackerGrants, grants, trustedKeys, type Grant } from "./support/fixture";
import { baseRequest, toEdgeRequest, type Form, type Req } from "./support/model";
import { FAMILIES, anyMutation, type FamilyName, type Mutation } from "./support/mutations";
import { judge, refCarrier, refIpIn } from "./support/oracle";
import { TOTAL_RUNS, fcParams, fmt, shares } from "./support/runs";

interface Stats {
  tried: number;
  granted: number;
  wronglyGranted: number;
  threw: number;
  inconsistent: number;
}
const zero = (): Stats => ({ tried: 0, granted: 0, wronglyGranted: 0, threw: 0, inconsistent: 0 });
const total = zero();
const perProperty = new Map<string, Stats>();
const startedAt = Date.now();

/** Shared by every property: small, so eviction is exercised too. */
const cache = new SignatureCache(2048);
/**
 * A rotated trust set sharing that cache: KEC1 now names KEC2's public key and KRSA1 is gone.
 * A cached result for (KEC1, old key) must never answer for (KEC1, new key) (ADR 017).
 */
const rotatedKeys = new Map([
  ["KEC1", trustedKeys.get("KEC2")!],
  ["KEC2", trustedKeys.get("KEC2")!],
]);

/** Verifies one mutated request three ways and judges it; throws (-> counterexample) on any violation. */
function check(property: string, r: Req): void {
  let s = perProperty.get(property);
  if (!s) perProperty.set(property, (s = zero()));
  const bump = (k: keyof Stats) => {
    s[k]++;
    total[k]++;
  };
  bump("tried");
  const req = toEdgeRequest(r);
  let plain: EdgeDecision;
  let cached: EdgeDecision;
  try {
    plain = verifyRequest(req, { trustedKeys });
    cached = verifyRequest(req, { trustedKeys, cache });
  } catch (err) {
    bump("threw");
    throw new Error(`verifyRequest threw: ${String(err)}`);
  }
  const v = judge(req, plain);
  if (v.kind === "wrongly-granted") {
    bump("wronglyGranted");
    throw new Error(`wrongly granted: ${v.why}`);
  }
  if (v.kind === "threw") {
    bump("threw");
    throw new Error(v.why);
  }
  if (v.kind === "inconsistent") {
    bump("inconsistent");
    throw new Error(v.why);
  }
  if (!isDeepStrictEqual(plain, cached)) {
    bump("inconsistent");
    throw new Error(`the SignatureCache changed the decision: ${JSON.stringify(plain)} vs ${JSON.stringify(cached)}`);
  }
  if (s.tried % 4 === 0) {
    const rotatedCached = verifyRequest(req, { trustedKeys: rotatedKeys, cache });
    const rotatedPlain = verifyRequest(req, { trustedKeys: rotatedKeys });
    if (!isDeepStrictEqual(rotatedPlain, rotatedCached)) {
      bump("inconsistent");
      throw new Error(`after a key rotation the SignatureCache changed the decision: ${JSON.stringify(rotatedPlain)} vs ${JSON.stringify(rotatedCached)}`);
    }
  }
  // ADR 010: a URL carrying any reserved name is judged by URL alone; cookies neither rescue nor break it.
  if (refCarrier(req.url) === "url" && Object.keys(req.cookies).length > 0) {
    const bare = verifyRequest({ ...req, cookies: {} }, { trustedKeys, cache });
    if (!isDeepStrictEqual(bare, plain)) {
      bump("inconsistent");
      throw new Error(`cookies changed the decision of a signed URL: ${JSON.stringify(plain)} vs ${JSON.stringify(bare)}`);
    }
  }
  if (r.expectCode !== undefined && Buffer.byteLength(req.url, "utf8") <= 8192 && (plain.ok || plain.code !== r.expectCode)) {
    bump("inconsistent");
    throw new Error(`expected ${r.expectCode}, got ${JSON.stringify(plain)}`);
  }
  if (v.kind === "granted") bump("granted");
}

// ---------------------------------------------------------------------------------------------
// Cases

const fileArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...FILES).map(encodeUrlPath) },
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }).map((s) => {
    const name = s.replace(/\//g, "_");
    return `video/a1/${encodeUrlPath(name === "." || name === ".." ? "x" : name)}`;
  }),
);
const appQueryArb = fc.option(fc.constantFrom("v=2", "a=1&b=2", "response-content-disposition=attachment", "x=%20+y"), { nil: undefined, freq: 3 });

interface Case {
  g: number;
  form: Form;
  file: string;
  appQuery: string | undefined;
  mutations: Mutation[];
}

function caseArb(pool: readonly Grant[], mutations: fc.Arbitrary<Mutation[]>): fc.Arbitrary<Case> {
  return fc.record({
    g: fc.integer({ min: 0, max: pool.length - 1 }).map((i) => pool[i].n),
    form: fc.constantFrom<Form>("url", "cookie"),
    file: fileArb,
    appQuery: appQueryArb,
    mutations,
  });
}

function run(property: string, c: Case): void {
  const g = grants[c.g];
  const r = baseRequest(g, c.form, c.file, c.appQuery);
  for (const m of c.mutations) m.apply(r, g);
  if (c.mutations.length !== 1) r.expectCode = undefined;
  check(property, r);
}

const WEIGHTS: Record<FamilyName | "attacker-signed grants" | "mixed (1-4 mutations)", number> = {
  "signature bytes": 6,
  "signature base64 text": 5,
  "policy bytes": 6,
  "policy base64 text": 5,
  "policy JSON tricks": 8,
  "canned/custom swap": 2,
  "key id": 5,
  expires: 5,
  "resource path/host": 8,
  "query parameters": 7,
  "URL/cookie mix": 7,
  oversized: 1,
  "encoding junk": 5,
  "time and IP": 4,
  "hash algorithm": 3,
  "attacker-signed grants": 7,
  "mixed (1-4 mutations)": 16,
};
const RUNS = shares(WEIGHTS);

describe(`forgery fuzz (${fmt(TOTAL_RUNS)} mutated requests)`, () => {
  afterAll(() => {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    const rows = [...perProperty].map(([name, s]) => `  ${name.padEnd(26)} ${fmt(s.tried).padStart(11)} tried ${fmt(s.granted).padStart(9)} granted (sound)`);
    console.log(
      [
        `forgery fuzz by property (${seconds} s, signature cache ${fmt(cache.hits)} hits / ${fmt(cache.misses)} misses):`,
        ...rows,
        `forgery fuzz: ${fmt(total.tried)} mutations tried, ${fmt(total.wronglyGranted)} wrongly granted, ${fmt(total.threw)} threw, ${fmt(total.inconsistent)} inconsistent`,
      ].join("\n"),
    );
  });

  it("unmutated: every grant our signer made is honoured exactly while valid; attacker-signed ones never", () => {
    for (const g of grants) {
      for (const form of ["url", "cookie"] as const) {
        for (const file of ["video/a1/master.m3u8", encodeUrlPath("attachments/My Lesson's é.pdf")]) {
          const r = baseRequest(g, form, file, undefined);
          check("unmutated", r);
          const d = verifyRequest(toEdgeRequest(r), { trustedKeys });
          const active = NOW < g.expires && (g.notBefore === undefined || NOW > g.notBefore) && (g.ip === undefined || refIpIn(r.sourceIp, g.ip));
          expect(d.ok, `grant ${g.n} (${g.legit ? "ours" : "attacker"}, ${g.kind}, ${form})`).toBe(g.legit && active);
        }
      }
    }
  });

  for (const [family, arb] of Object.entries(FAMILIES) as Array<[FamilyName, fc.Arbitrary<Mutation>]>) {
    it(`${family}: ${fmt(RUNS[family])} mutations grant nothing unsound and never throw`, () => {
      fc.assert(
        fc.property(caseArb(grants, fc.array(arb, { minLength: 1, maxLength: 2 })), (c) => run(family, c)),
        fcParams(RUNS[family]),
      );
    });
  }

  it(`attacker-signed grants (their key under our key ids, wider resources, no Resource): ${fmt(RUNS["attacker-signed grants"])} cases`, () => {
    fc.assert(
      fc.property(caseArb(attackerGrants, fc.array(anyMutation, { minLength: 0, maxLength: 2 })), (c) => run("attacker-signed grants", c)),
      fcParams(RUNS["attacker-signed grants"]),
    );
  });

  it(`mixed: ${fmt(RUNS["mixed (1-4 mutations)"])} requests with 1-4 mutations from any family`, () => {
    fc.assert(
      fc.property(caseArb(grants, fc.array(anyMutation, { minLength: 1, maxLength: 4 })), (c) => run("mixed (1-4 mutations)", c)),
      fcParams(RUNS["mixed (1-4 mutations)"]),
    );
  });

  it("the oracle is not vacuous: some mutated requests are sound grants", () => {
    expect(total.granted).toBeGreaterThan(0);
    expect(total.tried).toBeGreaterThanOrEqual(TOTAL_RUNS);
  });
});
