/**
 * Mutation families: each is a fast-check arbitrary of `Mutation`s that rewrite a valid request
 * (model.ts) in place. They are deterministic given their generated parameters, so fast-check
 * can replay and shrink them; `label` is what a counterexample prints.
 */
import fc from "fast-check";
import { cfBase64Encode } from "@/lib/cloudfront/base64";
import {
  COURSES, FILES, LESSONS, NOW, TRUSTED_IDS, attackerSign, ecdsaBerLongForm, ecdsaP1363, ecdsaTwin, grants, type Grant,
} from "./fixture";
import { FIELDS, carrier, cookieName, getCred, isField, nameOf, setCred, type Field, type Req } from "./model";

export interface Mutation {
  label: string;
  apply(r: Req, g: Grant): void;
}

function mut(label: string, apply: (r: Req, g: Grant) => void): Mutation {
  return { label, apply, [fc.toStringMethod]: () => label } as Mutation;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Lenient base64 read (any alphabet, any padding), so mutations can chain. */
function b64Loose(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");
}

/** Every UTF-8 byte as %XX (what a client may legally send for any value). */
export function pctAll(s: string): string {
  return [...Buffer.from(s, "utf8")].map((b) => "%" + b.toString(16).toUpperCase().padStart(2, "0")).join("");
}

const at = (n: number, len: number) => (len === 0 ? 0 : n % (len + 1));

/** Characters that break parsers: separators, quotes, controls, non-ASCII, lone surrogates. */
export const junkChar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(..."Aa0-_~+/=%&;?#*.: \"'\\,<>[]{}|^`", "\t", "\r", "\n", "\0", "\u007f", "\u00a0", "\ufeff", "é", "日", "🎬", "／"),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);

type TextOp =
  | { op: "replace" | "insert"; pos: number; ch: string }
  | { op: "delete" | "truncate" | "swap" | "case" | "dup"; pos: number };

const textOpArb: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ op: fc.constantFrom("replace" as const, "insert" as const), pos: fc.nat(), ch: junkChar }),
  fc.record({ op: fc.constantFrom("delete" as const, "truncate" as const, "swap" as const, "case" as const, "dup" as const), pos: fc.nat() }),
);

function applyTextOp(s: string, t: TextOp): string {
  const i = at(t.pos, s.length);
  const j = Math.min(i, Math.max(0, s.length - 1));
  switch (t.op) {
    case "replace":
      return s.slice(0, j) + t.ch + s.slice(j + 1);
    case "insert":
      return s.slice(0, i) + t.ch + s.slice(i);
    case "delete":
      return s.slice(0, j) + s.slice(j + 1);
    case "truncate":
      return s.slice(0, i);
    case "swap":
      return j + 1 < s.length ? s.slice(0, j) + s[j + 1] + s[j] + s.slice(j + 2) : s;
    case "case": {
      const c = s[j] ?? "";
      const t2 = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return s.slice(0, j) + t2 + s.slice(j + 1);
    }
    case "dup":
      return s.slice(0, j + 1) + s.slice(j);
  }
}

const textOpLabel = (t: TextOp) => ("ch" in t ? `${t.op}@${t.pos}:${JSON.stringify(t.ch)}` : `${t.op}@${t.pos}`);

type ByteOp =
  | { op: "flip"; pos: number; bit: number }
  | { op: "set"; pos: number; byte: number }
  | { op: "insert"; pos: number; bytes: Uint8Array }
  | { op: "delete"; pos: number; len: number }
  | { op: "truncate"; pos: number }
  | { op: "append"; bytes: Uint8Array };

const byteOpArb: fc.Arbitrary<ByteOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("flip" as const), pos: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  fc.record({ op: fc.constant("set" as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("insert" as const), pos: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant("delete" as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant("truncate" as const), pos: fc.nat() }),
  fc.record({ op: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function applyByteOp(b: Buffer, o: ByteOp): Buffer {
  const out = Buffer.from(b);
  const len = out.length;
  switch (o.op) {
    case "flip":
      if (len) out[o.pos % len] ^= 1 << o.bit;
      return out;
    case "set":
      if (len) out[o.pos % len] = o.byte;
      return out;
    case "insert": {
      const i = at(o.pos, len);
      return Buffer.concat([out.subarray(0, i), Buffer.from(o.bytes), out.subarray(i)]);
    }
    case "delete": {
      const i = len ? o.pos % len : 0;
      return Buffer.concat([out.subarray(0, i), out.subarray(i + o.len)]);
    }
    case "truncate":
      return out.subarray(0, at(o.pos, len));
    case "append":
      return Buffer.concat([out, Buffer.from(o.bytes)]);
  }
}

const byteOpLabel = (o: ByteOp) =>
  o.op === "flip" ? `flip@${o.pos}.${o.bit}` : o.op === "set" ? `set@${o.pos}=${o.byte}` : o.op === "delete" ? `delete@${o.pos}x${o.len}` : o.op === "truncate" ? `truncate@${o.pos}` : `${o.op}@${"pos" in o ? o.pos : "end"}:${Buffer.from(o.bytes).toString("hex")}`;

/** Alphabet and padding games on a CloudFront base64 value. */
const B64_FORMS: Array<[string, (s: string) => string]> = [
  ["standard-alphabet", (s) => s.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/")],
  ["base64url", (s) => b64Loose(s).toString("base64url")],
  ["base64url-padded", (s) => s.replace(/~/g, "_").replace(/_(?=_*$)/g, "=")],
  ["no-padding", (s) => s.replace(/_+$/, "")],
  ["extra-padding", (s) => `${s}__`],
  ["padding-as-=", (s) => s.replace(/_/g, "=")],
  ["tilde-as-slash-encoded", (s) => s.replace(/~/g, "%2F")],
  ["percent-encoded", (s) => pctAll(s)],
  ["percent-encoded-first", (s) => (s ? pctAll(s[0]) + s.slice(1) : s)],
  ["lower-case", (s) => s.toLowerCase()],
  ["upper-case", (s) => s.toUpperCase()],
  ["leading-space", (s) => ` ${s}`],
  ["trailing-space-encoded", (s) => `${s}%20`],
  ["quoted", (s) => `"${s}"`],
  ["doubled", (s) => s + s],
  ["reversed", (s) => [...s].reverse().join("")],
  ["empty", () => ""],
  ["newline-wrapped", (s) => s.replace(/(.{64})/g, "$1\n")],
  // Same bytes, non-canonical text: the unused low bits of the last character before padding set.
  ["non-canonical-trailing-bits", (s) => {
    const m = /([A-Za-z0-9~-])(_{1,2})$/.exec(s);
    if (!m) return s;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~";
    const v = alphabet.indexOf(m[1]) | (m[2].length === 2 ? 0x0f : 0x03);
    return s.slice(0, m.index) + alphabet[v] + m[2];
  }],
];

function b64Value(r: Req, g: Grant, f: "Signature" | "Policy"): string {
  return getCred(r, f) ?? (f === "Signature" ? g.signatures[0] : g.policyB64);
}

function b64TextMutations(f: "Signature" | "Policy", family: string): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(textOpArb, { minLength: 1, maxLength: 3 }).map((ops) =>
      mut(`${family} text ${ops.map(textOpLabel).join(",")}`, (r, g) => {
        setCred(r, f, ops.reduce(applyTextOp, b64Value(r, g, f)));
      })) },
    fc.constantFrom(...B64_FORMS).map(([name, fn]) => mut(`${family} ${name}`, (r, g) => setCred(r, f, fn(b64Value(r, g, f))))),
  );
}

// ---------------------------------------------------------------------------------------------
// Families

const grantIndex = fc.nat().map((i) => grants[i % grants.length]);

/** Signature bytes: flips, inserts, deletes; ECDSA forms; other grants' and random signatures. */
export const signatureBytes: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.array(byteOpArb, { minLength: 1, maxLength: 3 }).map((ops) =>
    mut(`signature bytes ${ops.map(byteOpLabel).join(",")}`, (r, g) => {
      setCred(r, "Signature", cfBase64Encode(ops.reduce(applyByteOp, b64Loose(b64Value(r, g, "Signature")))));
    })) },
  fc.constantFrom("ecdsa-twin", "ecdsa-p1363", "ecdsa-ber", "zero", "ones").map((form) =>
    mut(`signature ${form}`, (r, g) => {
      const der = b64Loose(b64Value(r, g, "Signature"));
      const out =
        form === "ecdsa-twin" ? ecdsaTwin(der) : form === "ecdsa-p1363" ? ecdsaP1363(der) : form === "ecdsa-ber" ? ecdsaBerLongForm(der) : Buffer.alloc(der.length, form === "zero" ? 0 : 0xff);
      if (out) setCred(r, "Signature", cfBase64Encode(out));
    })),
  grantIndex.map((o) => mut(`signature of grant ${o.n}`, (r) => setCred(r, "Signature", o.signatures[0]))),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => mut(`random signature ${b.length}B`, (r) => setCred(r, "Signature", cfBase64Encode(b)))),
);

export const signatureText = b64TextMutations("Signature", "signature");

/** Policy bytes (after base64 decoding): flips, inserts, deletes, non-UTF-8; signature kept. */
export const policyBytes: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.array(byteOpArb, { minLength: 1, maxLength: 3 }).map((ops) =>
    mut(`policy bytes ${ops.map(byteOpLabel).join(",")}`, (r, g) => {
      setCred(r, "Policy", cfBase64Encode(ops.reduce(applyByteOp, b64Loose(b64Value(r, g, "Policy")))));
    })) },
  fc.constantFrom(
    ["bom", Buffer.from([0xef, 0xbb, 0xbf])],
    ["utf16-bom", Buffer.from([0xff, 0xfe])],
    ["lone-continuation", Buffer.from([0x80])],
    ["overlong-slash", Buffer.from([0xc0, 0xaf])],
    ["encoded-surrogate", Buffer.from([0xed, 0xa0, 0x80])],
    ["truncated-utf8", Buffer.from([0xe6, 0x97])],
    ["nul", Buffer.from([0])],
    ["latin1-e-acute", Buffer.from([0xe9])],
  ).chain(([name, bytes]) => fc.nat().map((pos) =>
    mut(`policy insert ${name as string}@${pos}`, (r, g) => {
      const b = b64Loose(b64Value(r, g, "Policy"));
      const i = at(pos, b.length);
      setCred(r, "Policy", cfBase64Encode(Buffer.concat([b.subarray(0, i), bytes as Buffer, b.subarray(i)])));
    }))),
);

export const policyText = b64TextMutations("Policy", "policy");

/** JSON tricks on the policy text (duplicate keys, missing Resource, number forms, …). */
const JSON_TRICKS: Array<[string, (t: string, g: Grant) => string | Buffer]> = [
  ["pretty-printed", (t) => JSON.stringify(JSON.parse(t), null, 2)],
  ["space-after-colons", (t) => t.replace(/":/g, '": ')],
  ["trailing-newline", (t) => `${t}\n`],
  ["leading-bom", (t) => `\ufeff${t}`],
  ["duplicate-resource-wide-first", (t, g) => t.replace('"Resource":', `"Resource":"${g.origin}/*","Resource":`)],
  ["duplicate-resource-wide-last", (t, g) => t.replace(/("Resource":"[^"]*")/, `$1,"Resource":"${g.origin}/*"`)],
  ["duplicate-condition", (t) => t.replace(/"Condition":(\{.*\})\}\]\}$/, '"Condition":$1,"Condition":{"DateLessThan":{"AWS:EpochTime":2147483647}}}]}')],
  ["no-resource", (t) => t.replace(/"Resource":"[^"]*",/, "")],
  ["resource-star", (t) => t.replace(/"Resource":"[^"]*"/, '"Resource":"*"')],
  ["resource-origin", (t, g) => t.replace(/"Resource":"[^"]*"/, `"Resource":"${g.origin}/*"`)],
  ["resource-other-lesson", (t, g) => t.replace(/"Resource":"[^"]*"/, `"Resource":"${g.origin}/courses/${COURSES[0]}/lessons/${g.folderPath.includes("/l2/") ? "l1" : "l2"}/*"`)],
  ["resource-prefix-adjacent", (t, g) => t.replace(/"Resource":"[^"]*"/, `"Resource":"${g.origin}${g.folderPath.slice(0, -1)}*"`)],
  ["resource-any-scheme", (t, g) => t.replace(/"Resource":"[^"]*"/, `"Resource":"*://${g.origin.split("://")[1]}/*"`)],
  ["resource-question-wildcard", (t) => t.replace(/\/\*"/, '/?*"')],
  ["resource-upper-case-host", (t, g) => t.replace(g.origin, g.origin.toUpperCase())],
  ["resource-escaped-slash", (t) => t.replace(/\//g, "\\/")],
  ["resource-unicode-escape", (t) => t.replace(/\*"/, '\\u002a"')],
  ["resource-fullwidth-slash", (t) => t.replace(/\/\*"/, '／*"')],
  ["resource-nul", (t) => t.replace(/\*"/, '\u0000*"')],
  ["extra-statement", (t) => t.replace(/\]\}$/, ',{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":2147483647}}}]}')],
  ["statement-object", (t) => t.replace('"Statement":[', '"Statement":').replace(/\]\}$/, "}")],
  ["statement-empty", () => '{"Statement":[]}'],
  ["epoch-string", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":"$1"')],
  ["epoch-exponent", (t) => t.replace(/"AWS:EpochTime":(\d)(\d+)/, (_m, a: string, b: string) => `"AWS:EpochTime":${a}.${b}e${b.length}`)],
  ["epoch-fraction", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":$1.0')],
  ["epoch-leading-zero", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":0$1')],
  ["epoch-negative", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":-$1')],
  ["epoch-plus-sign", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":+$1')],
  ["epoch-huge", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":99999999999')],
  ["epoch-2^31", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":2147483648')],
  ["epoch-plus-one", (t) => t.replace(/"AWS:EpochTime":(\d+)/, (_m, d: string) => `"AWS:EpochTime":${Number(d) + 1}`)],
  ["epoch-much-later", (t) => t.replace(/"AWS:EpochTime":(\d+)/, (_m, d: string) => `"AWS:EpochTime":${Number(d) + 1_000_000}`)],
  ["epoch-true", (t) => t.replace(/"AWS:EpochTime":(\d+)/, '"AWS:EpochTime":true')],
  ["drop-date-greater-than", (t) => t.replace(/,"DateGreaterThan":\{[^}]*\}/, "")],
  ["drop-ip-address", (t) => t.replace(/,"IpAddress":\{[^}]*\}/, "")],
  ["ip-everyone", (t) => t.replace(/"AWS:SourceIp":"[^"]*"/, '"AWS:SourceIp":"0.0.0.0/0"')],
  ["ip-bare", (t) => t.replace(/"AWS:SourceIp":"([^"/]*)\/\d+"/, '"AWS:SourceIp":"$1"')],
  ["ip-v6-everyone", (t) => t.replace(/"AWS:SourceIp":"[^"]*"/, '"AWS:SourceIp":"::/0"')],
  ["add-ip-everyone", (t) => t.replace(/\}\}\}\]\}$/, '},"IpAddress":{"AWS:SourceIp":"0.0.0.0/0"}}}]}')],
  ["unknown-root-key", (t) => t.replace(/^\{/, '{"Version":"2012-10-17",')],
  ["unknown-statement-key", (t) => t.replace('{"Resource"', '{"Effect":"Allow","Resource"')],
  ["unknown-condition", (t) => t.replace('"Condition":{', '"Condition":{"DateEquals":{"AWS:EpochTime":1},')],
  ["lower-case-keys", (t) => t.replace('"Resource"', '"resource"').replace('"Statement"', '"statement"')],
  ["trailing-comma", (t) => t.replace(/\}\]\}$/, ",}]}")],
  ["trailing-garbage", (t) => `${t}x`],
  ["two-documents", (t) => t + t],
  ["comment", (t) => `/*x*/${t}`],
  ["single-quotes", (t) => t.replace(/"/g, "'")],
  ["array-root", (t) => `[${t}]`],
  ["null", () => "null"],
  ["deep-nesting", () => `${"[".repeat(5000)}${"]".repeat(5000)}`],
  ["latin1-bytes", (t) => Buffer.from(t.replace(/\*"/, 'é*"'), "latin1")],
  ["utf16le-bytes", (t) => Buffer.from(t, "utf16le")],
  ["padded-64KB", (t) => t.replace('{"Statement"', `{${" ".repeat(1 << 16)}"Statement"`)],
];

/**
 * Tricks outside the strict grammar of ADR 012 (whatever the signature): when one of them is the
 * only mutation and changed the bytes, the edge must answer MalformedPolicy.
 */
const MALFORMED_TRICKS = new Set([
  "leading-bom", "duplicate-resource-wide-first", "duplicate-resource-wide-last", "duplicate-condition", "resource-escaped-slash",
  "resource-unicode-escape", "resource-fullwidth-slash", "resource-nul", "extra-statement", "statement-object", "statement-empty",
  "epoch-string", "epoch-exponent", "epoch-fraction", "epoch-leading-zero", "epoch-negative", "epoch-plus-sign", "epoch-huge", "epoch-2^31",
  "epoch-true", "ip-bare", "ip-v6-everyone", "unknown-root-key", "unknown-statement-key", "unknown-condition", "lower-case-keys",
  "trailing-comma", "trailing-garbage", "two-documents", "comment", "single-quotes", "array-root", "null", "deep-nesting", "latin1-bytes",
  "utf16le-bytes",
]);

/** A JSON trick on the policy, presented with the original signature, an attacker's, or another grant's. */
export const policyJson: fc.Arbitrary<Mutation> = fc
  .tuple(fc.constantFrom(...JSON_TRICKS), fc.constantFrom("keep-signature" as const, "attacker-signature" as const, "other-grant-signature" as const), grantIndex)
  .map(([[name, trick], how, other]) =>
    mut(`policy json ${name} (${how === "other-grant-signature" ? `signature of grant ${other.n}` : how})`, (r, g) => {
      const out = trick(g.policyText, g);
      const bytes = typeof out === "string" ? Buffer.from(out, "utf8") : out;
      const text = cfBase64Encode(bytes);
      if (MALFORMED_TRICKS.has(name) && !bytes.equals(Buffer.from(g.policyText, "utf8"))) r.expectCode = "MalformedPolicy";
      if (getCred(r, "Expires") !== undefined) setCred(r, "Expires", undefined);
      setCred(r, "Policy", text);
      if (how === "attacker-signature") setCred(r, "Signature", attackerSign(g.keyId, g.hash, bytes));
      if (how === "other-grant-signature") setCred(r, "Signature", other.signatures[0]);
    }),
  );

/** Canned <-> custom: the canned policy bytes as a custom Policy (same grant), a custom policy's expiry as Expires. */
export const policyKind: fc.Arbitrary<Mutation> = fc.constantFrom(
  mut("canned policy presented as custom Policy", (r, g) => {
    setCred(r, "Expires", undefined);
    setCred(r, "Policy", g.policyB64);
  }),
  mut("custom policy replaced by Expires=DateLessThan", (r, g) => {
    setCred(r, "Policy", undefined);
    setCred(r, "Expires", String(g.expires));
  }),
  mut("both Expires and Policy", (r, g) => {
    setCred(r, "Expires", String(g.expires));
    setCred(r, "Policy", g.policyB64);
  }),
  mut("neither Expires nor Policy", (r) => {
    setCred(r, "Expires", undefined);
    setCred(r, "Policy", undefined);
  }),
);

const KEY_ID_FORMS: Array<[string, (id: string) => string | undefined]> = [
  ["lower-case", (id) => id.toLowerCase()],
  ["upper-case", (id) => id.toUpperCase()],
  ["truncated", (id) => id.slice(0, -1)],
  ["extended", (id) => `${id}X`],
  ["first-char-dropped", (id) => id.slice(1)],
  ["percent-encoded", (id) => pctAll(id)],
  ["percent-encoded-lower", (id) => pctAll(id).toLowerCase()],
  ["leading-space", (id) => ` ${id}`],
  ["trailing-space-encoded", (id) => `${id}%20`],
  ["trailing-nul", (id) => `${id}\0`],
  ["trailing-nul-encoded", (id) => `${id}%00`],
  ["lone-surrogate", (id) => `${id}\ud800`],
  ["quoted", (id) => `"${id}"`],
  ["doubled", (id) => id + id],
  ["empty", () => ""],
  ["removed", () => undefined],
  ["unknown", () => "APKAEXAMPLE123"],
  ["__proto__", () => "__proto__"],
  ["constructor", () => "constructor"],
  ["huge", (id) => id.slice(0, 8).repeat(1500)],
  ...TRUSTED_IDS.map((other): [string, (id: string) => string] => [`trusted ${other}`, () => other]),
];

export const keyId: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KEY_ID_FORMS).map(([name, fn]) => mut(`key id ${name}`, (r, g) => setCred(r, "Key-Pair-Id", fn(getCred(r, "Key-Pair-Id") ?? g.keyId)))) },
  fc.array(textOpArb, { minLength: 1, maxLength: 2 }).map((ops) =>
    mut(`key id text ${ops.map(textOpLabel).join(",")}`, (r, g) => setCred(r, "Key-Pair-Id", ops.reduce(applyTextOp, getCred(r, "Key-Pair-Id") ?? g.keyId))),
  ),
  fc.tuple(fc.constantFrom("same", "other-trusted", "unknown", "empty"), fc.boolean()).map(([what, first]) =>
    mut(`key id duplicated (${what}, ${first ? "first" : "last"})`, (r, g) => {
      const v = what === "same" ? g.keyId : what === "other-trusted" ? TRUSTED_IDS.find((k) => k !== g.keyId)! : what === "unknown" ? "KNOPE" : "";
      addDuplicate(r, "Key-Pair-Id", v, first);
    }),
  ),
);

/** Adds a second occurrence of a credential: another query component or another cookie pair. */
function addDuplicate(r: Req, f: Field, value: string, first: boolean): void {
  if (carrier(r) === "url") {
    const part = `${f}=${value}`;
    r.query = first ? [part, ...r.query!] : [...r.query!, part];
  } else {
    const pair: [string, string] = [cookieName(f), value];
    r.cookies = first ? [pair, ...r.cookies] : [...r.cookies, pair];
  }
}

const EXPIRES_FORMS: Array<[string, (e: string) => string | undefined]> = [
  ["+1", (e) => String(Number(e) + 1)],
  ["-1", (e) => String(Number(e) - 1)],
  ["+1000000", (e) => String(Number(e) + 1_000_000)],
  ["max", () => "2147483647"],
  ["max+1", () => "2147483648"],
  ["huge", () => "99999999999999999999"],
  ["negative", (e) => `-${e}`],
  ["leading-zero", (e) => `0${e}`],
  ["leading-zeros", (e) => `000${e}`],
  ["plus-sign", (e) => `+${e}`],
  ["plus-sign-encoded", (e) => `%2B${e}`],
  ["decimal", (e) => `${e}.0`],
  ["exponent", (e) => `${e[0]}.${e.slice(1)}e${e.length - 1}`],
  ["hex", (e) => `0x${Number(e).toString(16)}`],
  ["spaces", (e) => ` ${e} `],
  ["space-encoded", (e) => `${e}%20`],
  ["percent-encoded-digits", (e) => pctAll(e)],
  ["arabic-indic-digits", (e) => e.replace(/\d/g, (d) => String.fromCharCode(0x660 + Number(d)))],
  ["fullwidth-digits", (e) => e.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))],
  ["letters", () => "tomorrow"],
  ["empty", () => ""],
  ["trailing-nul", (e) => `${e}\0`],
  ["removed", () => undefined],
  ["zero", () => "0"],
];

export const expires: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EXPIRES_FORMS).map(([name, fn]) => mut(`expires ${name}`, (r, g) => setCred(r, "Expires", fn(getCred(r, "Expires") ?? String(g.expires))))) },
  fc.integer({ min: -3, max: 3 }).map((d) => mut(`expires now${d >= 0 ? "+" : ""}${d}`, (r) => setCred(r, "Expires", String(NOW + d)))),
  fc.constantFrom("same", "later", "garbage").map((what) =>
    mut(`expires duplicated (${what})`, (r, g) => addDuplicate(r, "Expires", what === "same" ? String(g.expires) : what === "later" ? "2147483647" : "x", false)),
  ),
);

const DOT_SEGMENTS = ["../", "./", "%2e%2e/", "%2E%2E/", ".%2e/", "%2e./", "..%2F", "..%2f", "%2e%2e%2f", "..;/", "..\\", "%252e%252e/", "%2e%2e%5c", "....//", ".../"];
const SLASH_FORMS = ["%2F", "%2f", "%252F", "\\", "//", "%5C", "/./"];
const ORIGIN_FORMS: Array<[string, (o: string) => string]> = [
  ["upper-case-host", (o) => o.replace(/\/\/(.*)$/, (_m, h: string) => `//${h.toUpperCase()}`)],
  ["upper-case-scheme", (o) => o.replace(/^[a-z]+/, (s) => s.toUpperCase())],
  ["http<->https", (o) => (o.startsWith("https:") ? o.replace("https:", "http:") : o.replace("http:", "https:"))],
  ["explicit-port", (o) => (o.includes(":8787") ? o : `${o}:443`)],
  ["trailing-dot", (o) => (o.includes(":8787") ? o.replace(":8787", ".:8787") : `${o}.`)],
  ["userinfo", (o) => o.replace("://", "://user:pass@")],
  ["host-suffix", (o) => `${o.replace(/:8787$/, "")}.evil.example`],
  ["host-prefix", (o) => o.replace("://", "://evil.")],
  ["other-host", () => "https://evil.example.com"],
  ["at-evil", (o) => `${o}@evil.example.com`],
  ["any-scheme", (o) => o.replace(/^[a-z]+/, "*")],
  ["no-scheme", (o) => o.replace(/^[a-z]+:/, "")],
  ["extra-slash", (o) => `${o}/`],
  ["host-percent", (o) => o.replace(/\.example/, "%2Eexample")],
];

/** The requested path, host and scheme: other lessons, dot segments, encodings, case. */
export const resource: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom(...COURSES), fc.constantFrom(...LESSONS), fc.constantFrom(...FILES)).map(([c, l, f]) =>
    mut(`request another lesson: ${c}/${l}/${f}`, (r) => {
      r.path = `/courses/${c}/lessons/${l}/${f.replace(/ /g, "%20")}`;
    }),
  ),
  grantIndex.map((o) => mut(`replay at the path of grant ${o.n}`, (r) => {
    r.path = o.kind === "canned" ? o.url!.slice(o.origin.length).split("?")[0] : `${o.folderPath}video/a1/master.m3u8`;
  })),
  fc.tuple(fc.constantFrom(...DOT_SEGMENTS), fc.nat(), fc.constantFrom("l2/x.ts", "../l2/x.ts", "", "c2/lessons/l1/x.ts")).map(([dots, k, tail]) =>
    mut(`dot segment ${dots} after slash #${k} + ${tail}`, (r) => {
      const slashes = [...r.path.matchAll(/\//g)].map((m) => m.index!);
      const i = slashes.length ? slashes[k % slashes.length] + 1 : 0;
      r.path = r.path.slice(0, i) + dots + tail + (tail ? "" : r.path.slice(i));
    }),
  ),
  fc.tuple(fc.constantFrom(...SLASH_FORMS), fc.nat()).map(([form, k]) =>
    mut(`slash #${k} as ${form}`, (r) => {
      const slashes = [...r.path.matchAll(/\//g)].map((m) => m.index!);
      if (!slashes.length) return;
      const i = slashes[k % slashes.length];
      r.path = r.path.slice(0, i) + form + r.path.slice(i + 1);
    }),
  ),
  fc.tuple(fc.constantFrom("encode-char", "decode-escape", "escape-case", "double-encode"), fc.nat()).map(([how, k]) =>
    mut(`path ${how} #${k}`, (r) => {
      const p = r.path;
      if (how === "encode-char") {
        const i = 1 + (k % Math.max(1, p.length - 1));
        r.path = p.slice(0, i) + pctAll(p[i] ?? "a") + p.slice(i + 1);
      } else {
        const escapes = [...p.matchAll(/%[0-9A-Fa-f]{2}/g)].map((m) => m.index!);
        if (!escapes.length) return;
        const i = escapes[k % escapes.length];
        const esc = p.slice(i, i + 3);
        const repl = how === "decode-escape" ? String.fromCharCode(parseInt(esc.slice(1), 16)) : how === "escape-case" ? esc.toLowerCase() === esc ? esc.toUpperCase() : esc.toLowerCase() : `%25${esc.slice(1)}`;
        r.path = p.slice(0, i) + repl + p.slice(i + 3);
      }
    }),
  ),
  fc.constantFrom(...ORIGIN_FORMS).map(([name, fn]) => mut(`origin ${name}`, (r) => {
    r.origin = fn(r.origin);
  })),
  fc.tuple(fc.constantFrom("*", "?", "#", ";", "%00", "%3F", "%2A", "%23", "/", "~", "%", " ", "\t", "é", "\ud800", "/*"), fc.nat()).map(([ch, k]) =>
    mut(`path insert ${JSON.stringify(ch)} #${k}`, (r) => {
      const i = at(k, r.path.length);
      r.path = r.path.slice(0, i) + ch + r.path.slice(i);
    }),
  ),
  fc.array(textOpArb, { minLength: 1, maxLength: 2 }).map((ops) => mut(`path text ${ops.map(textOpLabel).join(",")}`, (r) => {
    r.path = ops.reduce(applyTextOp, r.path);
  })),
  fc.constantFrom("append-segment", "append-star", "append-slash", "strip-last-segment", "folder-only", "root", "lesson-adjacent", "lesson-case").map((how) =>
    mut(`path ${how}`, (r) => {
      if (how === "append-segment") r.path += "/extra";
      else if (how === "append-star") r.path += "*";
      else if (how === "append-slash") r.path += "/";
      else if (how === "strip-last-segment") r.path = r.path.slice(0, r.path.lastIndexOf("/") + 1);
      else if (how === "folder-only") r.path = r.path.replace(/(\/lessons\/[^/]*\/).*$/, "$1");
      else if (how === "root") r.path = "/";
      else if (how === "lesson-adjacent") r.path = r.path.replace(/\/lessons\/([^/]*)\//, "/lessons/$10/");
      else r.path = r.path.replace(/\/lessons\/([^/]*)\//, (_m, l: string) => `/lessons/${l === l.toUpperCase() ? l.toLowerCase() : l.toUpperCase()}/`);
    }),
  ),
);

const APP_PARAMS = [
  "v=2",
  "response-content-disposition=attachment%3B%20filename%3D%22evil.html%22",
  "response-content-type=text%2Fhtml",
  "x=%20+y",
  "=",
  "",
  "a",
  "a[]=1",
  "Expires",
  "Signature",
  "Key-Pair-Id",
  "Policy=",
  "Hash-Algorithm",
  "expires=1",
  "signature=x",
  "key-pair-id=KEC1",
  "KEY-PAIR-ID=KEC1",
  "Key%2DPair-Id=KEC1",
  "Signatur%65=x",
  "Policy%3D=x",
  "Expires =1",
  " Expires=1",
  "Signature==",
  "Key-Pair-Id=KEC1=KEC1",
  "%",
  "%FF=%FE",
  "%C0%AF=1",
  "%ED%A0%80=1",
  "\ud800=1",
];

/** Query components: added app parameters, repeated/renamed reserved names, reordering. */
export const query: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom(...APP_PARAMS), fc.nat()).map(([p, k]) =>
    mut(`query insert ${JSON.stringify(p)} #${k}`, (r) => {
      const q = r.query ?? [];
      const i = at(k, q.length);
      r.query = [...q.slice(0, i), p, ...q.slice(i)];
    }),
  ),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom("same", "empty", "garbage", "other-grant"), fc.boolean(), grantIndex).map(([f, what, first, o]) =>
    mut(`reserved ${f} repeated (${what}${what === "other-grant" ? ` ${o.n}` : ""}, ${first ? "first" : "last"})`, (r, g) => {
      const fromGrant = (x: Grant): string =>
        f === "Signature" ? x.signatures[0] : f === "Policy" ? x.policyB64 : f === "Expires" ? String(x.expires) : f === "Key-Pair-Id" ? x.keyId : "SHA256";
      const v = what === "same" ? getCred(r, f) ?? fromGrant(g) : what === "empty" ? "" : what === "garbage" ? "!!" : fromGrant(o);
      const part = `${f}=${v}`;
      const q = r.query ?? [];
      r.query = first ? [part, ...q] : [...q, part];
    }),
  ),
  fc.nat().map((seed) => mut(`query shuffled (${seed})`, (r) => {
    if (!r.query) return;
    const q = [...r.query];
    let s = seed;
    for (let i = q.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const j = s % (i + 1);
      [q[i], q[j]] = [q[j], q[i]];
    }
    r.query = q;
  })),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom("lower-case", "upper-case", "percent-encoded-name", "percent-encoded-value", "plus-in-value", "space-before-=")).map(([f, how]) =>
    mut(`reserved ${f} ${how}`, (r) => {
      if (!r.query) return;
      r.query = r.query.map((p) => {
        if (nameOf(p) !== f) return p;
        const v = p.slice(f.length + 1);
        if (how === "lower-case") return `${f.toLowerCase()}=${v}`;
        if (how === "upper-case") return `${f.toUpperCase()}=${v}`;
        if (how === "percent-encoded-name") return `${pctAll(f)}=${v}`;
        if (how === "percent-encoded-value") return `${f}=${pctAll(v)}`;
        if (how === "plus-in-value") return `${f}=${v.replace(/-/g, "+")}`;
        return `${f} =${v}`;
      });
    }),
  ),
  fc.constantFrom("drop-query", "empty-query", "trailing-&", "leading-&", "double-&", "question-mark-in-query").map((how) =>
    mut(`query ${how}`, (r) => {
      if (how === "drop-query") r.query = null;
      else if (how === "empty-query") r.query = r.query ?? [""];
      else if (how === "trailing-&") r.query = [...(r.query ?? []), ""];
      else if (how === "leading-&") r.query = ["", ...(r.query ?? [])];
      else if (how === "double-&") r.query = (r.query ?? []).flatMap((p) => [p, ""]);
      else r.query = [...(r.query ?? []), "?Expires=1"];
    }),
  ),
);

const COOKIE_NAME_FORMS: Array<[string, (n: string) => string]> = [
  ["lower-case", (n) => n.toLowerCase()],
  ["upper-case", (n) => n.toUpperCase()],
  ["one-char-case", (n) => n.replace("F", "f")],
  ["leading-space", (n) => ` ${n}`],
  ["prefix", (n) => `__Host-${n}`],
  ["percent-encoded", (n) => n.replace("-", "%2D")],
  ["dot-for-dash", (n) => n.replace("-", ".")],
];

/** Where credentials travel: URL <-> cookies, mixed, duplicated, renamed; header junk. */
export const carrierMix: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(
    mut("move URL credentials to cookies", (r) => {
      if (!r.query) return;
      for (const p of r.query.filter((x) => isField(nameOf(x)))) r.cookies.push([cookieName(nameOf(p) as Field), p.slice(nameOf(p).length + 1)]);
      r.query = r.query.filter((x) => !isField(nameOf(x)));
      if (!r.query.length) r.query = null;
    }),
    mut("move cookie credentials to the URL", (r) => {
      const creds = r.cookies.filter(([n]) => n.startsWith("CloudFront-"));
      r.cookies = r.cookies.filter(([n]) => !n.startsWith("CloudFront-"));
      r.query = [...(r.query ?? []), ...creds.map(([n, v]) => `${n.slice("CloudFront-".length)}=${v}`)];
    }),
    mut("copy URL credentials to cookies too", (r) => {
      for (const p of (r.query ?? []).filter((x) => isField(nameOf(x)))) r.cookies.push([cookieName(nameOf(p) as Field), p.slice(nameOf(p).length + 1)]);
    }),
  ),
  fc.tuple(grantIndex, fc.boolean()).map(([o, first]) =>
    mut(`add cookies of grant ${o.n} (${first ? "first" : "last"})`, (r) => {
      const pairs: Array<[string, string]> = o.kind === "custom" ? Object.entries(o.cookies!) : [
        ["CloudFront-Expires", String(o.expires)], ["CloudFront-Signature", o.signatures[0]], ["CloudFront-Key-Pair-Id", o.keyId],
        ...(o.hash === "SHA256" ? [["CloudFront-Hash-Algorithm", "SHA256"] as [string, string]] : []),
      ];
      r.cookies = first ? [...pairs, ...r.cookies] : [...r.cookies, ...pairs];
    }),
  ),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom("valid", "garbage")).map(([f, what]) =>
    mut(`one reserved name ${f} (${what}) in the query of a cookie request`, (r, g) => {
      const v = what === "garbage" ? "x" : f === "Signature" ? g.signatures[0] : f === "Policy" ? g.policyB64 : f === "Expires" ? String(g.expires) : f === "Key-Pair-Id" ? g.keyId : "SHA256";
      r.query = [...(r.query ?? []), `${f}=${v}`];
    }),
  ),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...COOKIE_NAME_FORMS)).map(([f, [name, fn]]) =>
    mut(`cookie ${f} name ${name}`, (r) => {
      r.cookies = r.cookies.map(([n, v]) => [n === cookieName(f) ? fn(n) : n, v]);
    }),
  ),
  fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom("garbage", "empty", "other-key"), fc.boolean()).map(([f, what, first]) =>
    mut(`cookie ${f} duplicated (${what}, ${first ? "first" : "last"})`, (r) => {
      const pair: [string, string] = [cookieName(f), what === "garbage" ? "x!" : what === "empty" ? "" : "KRSA1"];
      r.cookies = first ? [pair, ...r.cookies] : [...r.cookies, pair];
    }),
  ),
  fc.constantFrom(
    "; ", ";;;", "; =", "; a", "; CloudFront-Key-Pair-Id=KNOPE", "; CloudFront-Policy=\"\"", "; session=abc; theme=dark",
    "; CloudFront-Signature=\"x\"", "\r\nX-Injected: 1", "; \ud800=\ud800", "; a=b=c",
  ).map((junk) => mut(`cookie header junk ${JSON.stringify(junk)}`, (r) => {
    r.cookieJunk += junk;
  })),
  fc.constantFrom("quote-values", "space-around-values", "semicolon-in-value").map((how) =>
    mut(`cookie values ${how}`, (r) => {
      r.cookies = r.cookies.map(([n, v]) => [n, how === "quote-values" ? `"${v}"` : how === "space-around-values" ? `  ${v}  ` : `${v.slice(0, 4)};${v.slice(4)}`]);
    }),
  ),
);

/** Over the URL limit, at it, and absurdly large cookies, policies and parameter lists. */
export const oversized: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom("path", "app-param", "signature"), fc.integer({ min: -3, max: 3 })).map(([where, delta]) =>
    mut(`URL padded to 8192${delta >= 0 ? "+" : ""}${delta} bytes via ${where}`, (r) => {
      const urlLen = () => Buffer.byteLength(`${r.origin}${r.path}${r.query ? `?${r.query.join("&")}` : ""}`, "utf8");
      if (where === "app-param") r.query = [...(r.query ?? []), "pad="];
      const need = 8192 + delta - urlLen();
      if (need <= 0) return;
      if (where === "path") r.path = r.path.replace(/\/([^/]*)$/, `/${"p".repeat(need)}$1`);
      else if (where === "app-param") r.query![r.query!.length - 1] += "p".repeat(need);
      else setCred(r, "Signature", (getCred(r, "Signature") ?? "") + "A".repeat(need), "url");
    }),
  ),
  fc.constantFrom(
    mut("1 MB signature cookie", (r) => setCred(r, "Signature", "A".repeat(1 << 20), "cookie")),
    mut("1 MB policy cookie", (r) => setCred(r, "Policy", "A".repeat(1 << 20), "cookie")),
    mut("1 MB key id cookie", (r) => setCred(r, "Key-Pair-Id", "K".repeat(1 << 20), "cookie")),
    mut("5,000 junk cookies", (r) => {
      r.cookies = [...Array.from({ length: 5000 }, (_, i) => [`c${i}`, "v"] as [string, string]), ...r.cookies];
    }),
    mut("4,000 empty query components", (r) => {
      r.query = [...(r.query ?? []), ...Array.from({ length: 4000 }, () => "")];
    }),
    mut("URL of 100 KB", (r) => {
      r.path += "x".repeat(100_000);
    }),
    mut("URL of 100 KB of multi-byte characters", (r) => {
      r.path += "é".repeat(50_000);
    }),
  ),
);

const BAD_ESCAPES = ["%", "%%", "%Z1", "%FF", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%E6%97", "%00", "%0D%0A"];

/** Control characters, NUL, lone surrogates, non-UTF-8 escapes in every part of the request. */
export const encodingJunk: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom("path", "query-value", "query-name", "cookie-value", "cookie-name", "origin"), junkChar, fc.nat()).map(([where, ch, k]) =>
    mut(`insert ${JSON.stringify(ch)} into ${where} #${k}`, (r) => insertAt(r, where, ch, k)),
  ),
  fc.tuple(fc.constantFrom("path", "query-value", "query-name"), fc.constantFrom(...BAD_ESCAPES), fc.nat()).map(([where, esc, k]) =>
    mut(`insert ${esc} into ${where} #${k}`, (r) => insertAt(r, where, esc, k)),
  ),
  fc.tuple(fc.constantFrom(...FIELDS), fc.string({ unit: "binary", maxLength: 40 })).map(([f, s]) =>
    mut(`${f} replaced by ${JSON.stringify(s)}`, (r) => setCred(r, f, s)),
  ),
);

function insertAt(r: Req, where: string, s: string, k: number): void {
  const ins = (t: string) => {
    const i = at(k, t.length);
    return t.slice(0, i) + s + t.slice(i);
  };
  if (where === "path") r.path = ins(r.path);
  else if (where === "origin") r.origin = ins(r.origin);
  else if (where === "query-value" || where === "query-name") {
    if (!r.query || !r.query.length) return;
    const i = k % r.query.length;
    const p = r.query[i];
    const n = nameOf(p);
    r.query[i] = where === "query-name" ? ins(n) + p.slice(n.length) : n + "=" + ins(p.slice(n.length + 1));
  } else {
    if (!r.cookies.length) return;
    const i = k % r.cookies.length;
    const [n, v] = r.cookies[i];
    r.cookies[i] = where === "cookie-name" ? [ins(n), v] : [n, ins(v)];
  }
}

/** The clock and the viewer address around every boundary of the grant. */
export const timeAndIp: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom("expires", "notBefore", "now"), fc.integer({ min: -2, max: 2 })).map(([base, d]) =>
    mut(`now = ${base}${d >= 0 ? "+" : ""}${d}`, (r, g) => {
      const b = base === "expires" ? g.expires : base === "notBefore" ? g.notBefore ?? NOW : NOW;
      r.now = b + d;
    }),
  ),
  // The clock is the edge's, not the viewer's; a broken one (NaN, ±Infinity) must still fail closed.
  fc.constantFrom(0, 1, NOW + 0.5, 2147483646, 2147483647, 2147483648, 4102444800, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity, -Infinity).map((t) => mut(`now = ${t}`, (r) => {
    r.now = t;
  })),
  fc.constantFrom(
    "198.51.100.7", "198.51.100.255", "198.51.101.1", "203.0.113.7", "203.0.113.8", "10.1.2.3", "11.0.0.1", "0.0.0.0", "255.255.255.255",
    "::ffff:198.51.100.7", "::FFFF:198.51.100.7", "::ffff:10.0.0.1", "2001:db8::1", "::1", "198.51.100.7/32", "198.051.100.7", " 198.51.100.7",
    "198.51.100", "198.51.100.7.1", "", "localhost", "\ud800",
  ).map((ip) => mut(`viewer ${JSON.stringify(ip)}`, (r) => {
    r.sourceIp = ip;
  })),
);

/** Hash-Algorithm added, removed, changed, repeated. */
export const hashAlgorithm: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(undefined, "SHA256", "SHA1", "sha256", "SHA-256", "SHA512", "", " SHA256", "SHA256%00", "%53HA256", "SHA256\0").map((v) =>
    mut(`hash algorithm ${v === undefined ? "removed" : JSON.stringify(v)}`, (r) => setCred(r, "Hash-Algorithm", v)),
  ),
  fc.tuple(fc.constantFrom("SHA256", "SHA1", ""), fc.boolean()).map(([v, first]) =>
    mut(`hash algorithm duplicated ${JSON.stringify(v)} (${first ? "first" : "last"})`, (r) => addDuplicate(r, "Hash-Algorithm", v, first)),
  ),
);

export const FAMILIES = {
  "signature bytes": signatureBytes,
  "signature base64 text": signatureText,
  "policy bytes": policyBytes,
  "policy base64 text": policyText,
  "policy JSON tricks": policyJson,
  "canned/custom swap": policyKind,
  "key id": keyId,
  expires,
  "resource path/host": resource,
  "query parameters": query,
  "URL/cookie mix": carrierMix,
  oversized,
  "encoding junk": encodingJunk,
  "time and IP": timeAndIp,
  "hash algorithm": hashAlgorithm,
} as const;

export type FamilyName = keyof typeof FAMILIES;
export const anyMutation: fc.Arbitrary<Mutation> = fc.oneof(...Object.values(FAMILIES));
