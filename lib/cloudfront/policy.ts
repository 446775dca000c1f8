/**
 * CloudFront policies: building (canned, custom) and strict parsing (custom).
 *
 * Pure: no I/O, shared by the app signer, the local edge and the tests.
 * Byte layout follows the AWS docs and `@aws-sdk/cloudfront-signer` exactly (no whitespace,
 * key order Resource, Condition{DateLessThan, DateGreaterThan, IpAddress}) and never escapes
 * a character: a value that would need escaping is refused instead (docs/decisions/012).
 */
import { parseIpv4Cidr } from "./match";

/** Largest epoch CloudFront accepts (2038-01-19T03:14:07Z). */
export const MAX_EPOCH = 2147483647;

export function isValidEpoch(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_EPOCH;
}

export function assertEpoch(name: string, value: number): void {
  if (!isValidEpoch(value)) {
    throw new Error(`${name} must be an integer epoch in seconds between 0 and ${MAX_EPOCH}, got ${String(value)}`);
  }
}

/**
 * Characters a Resource may hold so that it appears verbatim in JSON: printable ASCII without
 * space, `"` and `\`. (A URL as a browser sends it never contains anything else.)
 */
const JSON_SAFE_RESOURCE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function assertJsonSafeResource(resource: string): void {
  if (!JSON_SAFE_RESOURCE.test(resource)) {
    throw new Error(
      "resource must be non-empty printable ASCII without spaces, quotes or backslashes " +
        "(percent-encode the path with encodeUrlPath before signing)",
    );
  }
}

/**
 * The canned policy CloudFront rebuilds for `resourceUrl` (scheme://host/path?query of the
 * request minus the signing parameters) and `Expires`, byte for byte.
 */
export function cannedPolicy(resourceUrl: string, expiresEpoch: number): string {
  assertJsonSafeResource(resourceUrl);
  assertEpoch("expires", expiresEpoch);
  return `{"Statement":[{"Resource":"${resourceUrl}","Condition":{"DateLessThan":{"AWS:EpochTime":${expiresEpoch}}}}]}`;
}

/**
 * `cannedPolicy` for a URL that passed `assertSignableUrl` (encode.ts), which admits only
 * characters that are JSON-safe, and `expires`, the decimal text of an expiry `isValidEpoch`
 * accepted: the signer's hot path, without checking either a second time or converting the
 * expiry to text once per use.
 */
export function cannedPolicyOfSignableUrl(signableUrl: string, expires: string): string {
  return `{"Statement":[{"Resource":"${signableUrl}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
}

export interface CustomPolicyInput {
  /** URL or wildcard pattern (`https://media.example.com/courses/c1/lessons/l1/*`). Required. */
  resource: string;
  /** Epoch seconds; access is denied from this second on (`now >= dateLessThan`). */
  dateLessThan: number;
  /** Epoch seconds; access is denied up to and including this second (`now <= dateGreaterThan`). */
  dateGreaterThan?: number;
  /** IPv4 CIDR (`203.0.113.0/24`); a bare address means /32. IPv6 is refused. */
  ipAddress?: string;
}

/** Resource patterns our signer agrees to put in a policy: an explicit scheme, host and path. */
const SIGNABLE_RESOURCE = /^(https?|\*):\/\/[^/]+\/.*$/;

/**
 * Builds a custom policy. Refuses (throws) anything that would widen access by accident or
 * be rejected by CloudFront: no/empty Resource, the global `"*"`, a Resource without
 * `http(s)://` or `*://` scheme, host and path, characters that would need JSON escaping,
 * non-integer or out-of-range epochs, an empty time window, and non-IPv4 addresses.
 */
export function customPolicy(input: CustomPolicyInput): string {
  const { resource, dateLessThan, dateGreaterThan, ipAddress } = input;
  if (typeof resource !== "string" || resource.length === 0) {
    throw new Error("refusing to build a policy without a Resource: it would grant every file behind the key");
  }
  assertJsonSafeResource(resource);
  if (!SIGNABLE_RESOURCE.test(resource)) {
    throw new Error(
      `resource must look like https://host/path (http://, https:// or *:// followed by a host and a path), got ${resource}`,
    );
  }
  assertEpoch("dateLessThan", dateLessThan);
  let condition = `"DateLessThan":{"AWS:EpochTime":${dateLessThan}}`;
  if (dateGreaterThan !== undefined) {
    assertEpoch("dateGreaterThan", dateGreaterThan);
    if (dateGreaterThan >= dateLessThan - 1) {
      throw new Error("dateGreaterThan must be earlier than dateLessThan - 1 (the window would be empty)");
    }
    condition += `,"DateGreaterThan":{"AWS:EpochTime":${dateGreaterThan}}`;
  }
  if (ipAddress !== undefined) {
    condition += `,"IpAddress":{"AWS:SourceIp":"${normaliseCidr(ipAddress)}"}`;
  }
  return `{"Statement":[{"Resource":"${resource}","Condition":{${condition}}}]}`;
}

/** `a.b.c.d` -> `a.b.c.d/32`; `a.b.c.d/n` kept; anything else (IPv6 included) throws. */
export function normaliseCidr(ipAddress: string): string {
  const parsed = parseIpv4Cidr(ipAddress, { allowBare: true });
  if (!parsed) throw new Error(`ipAddress must be an IPv4 address or IPv4 CIDR, got ${ipAddress}`);
  return ipAddress.includes("/") ? ipAddress : `${ipAddress}/32`;
}

export interface ParsedPolicy {
  /**
   * The Resource pattern; `undefined` when the policy has no Resource, which CloudFront reads
   * as "every file behind this key" (the edge honours that; our signer never emits it).
   */
  resource?: string;
  dateLessThan: number;
  dateGreaterThan?: number;
  /** IPv4 CIDR with an explicit prefix length, e.g. `203.0.113.7/32`. */
  ipAddress?: string;
}

// ---------------------------------------------------------------------------------------------
// Strict JSON reader. Only what the policy grammar needs: objects, arrays, strings WITHOUT
// escapes or control characters, and non-negative integers written with digits only.
// Duplicate keys, `true`/`false`/`null`, fractions, exponents, signs and escapes all fail.

type JsonValue = string | number | JsonValue[] | { [key: string]: JsonValue };

class StrictJsonError extends Error {}

function readStrictJson(text: string): JsonValue {
  let i = 0;
  const MAX_DEPTH = 8;

  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const fail = (): never => {
    throw new StrictJsonError();
  };
  const readString = (): string => {
    i++; // opening quote
    const start = i;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c === 0x5c /* \ */ || c < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    const s = text.slice(start, i);
    i++; // closing quote
    return s;
  };
  const readValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail();
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [key: string]: JsonValue } = Object.create(null);
      ws();
      if (text[i] === "}") {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const key = readString();
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail();
        ws();
        if (text[i] !== ":") fail();
        i++;
        obj[key] = readValue(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return obj;
        }
        fail();
      }
    }
    if (c === "[") {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(readValue(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return arr;
        }
        fail();
      }
    }
    if (c === '"') return readString();
    if (c !== undefined && c >= "0" && c <= "9") {
      const start = i;
      while (i < text.length && text[i] >= "0" && text[i] <= "9") i++;
      const digits = text.slice(start, i);
      if (digits.length > 1 && digits[0] === "0") fail(); // no leading zeros
      if (digits.length > 10) fail();
      return Number(digits);
    }
    return fail();
  };

  const value = readValue(0);
  ws();
  if (i !== text.length) fail();
  return value;
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: { [key: string]: JsonValue }, allowed: readonly string[]): boolean {
  return Object.keys(obj).every((k) => allowed.includes(k));
}

function readEpochCondition(v: JsonValue | undefined): number | null {
  if (!isObject(v) || !onlyKeys(v, ["AWS:EpochTime"])) return null;
  const t = v["AWS:EpochTime"];
  return isValidEpoch(t) ? t : null;
}

/**
 * Parses a custom policy with a STRICT grammar (docs/decisions/012): exactly one statement in
 * array form; `Condition.DateLessThan` required; optional `DateGreaterThan` and
 * `IpAddress.AWS:SourceIp` (IPv4 CIDR with prefix length); optional `Resource` (non-empty
 * string of URL characters); no unknown or duplicate keys at any level; integer epochs written
 * as plain digits, at most 2147483647; no string escapes. Whitespace between tokens is allowed.
 * Returns `null` for anything else (-> MalformedPolicy).
 */
export function parsePolicy(json: string): ParsedPolicy | null {
  let root: JsonValue;
  try {
    root = readStrictJson(json);
  } catch {
    return null;
  }
  if (!isObject(root) || !onlyKeys(root, ["Statement"])) return null;
  const statements = root["Statement"];
  if (!Array.isArray(statements) || statements.length !== 1) return null;
  const statement = statements[0];
  if (!isObject(statement) || !onlyKeys(statement, ["Resource", "Condition"])) return null;

  const out: Partial<ParsedPolicy> = {};
  if ("Resource" in statement) {
    const resource = statement["Resource"];
    if (typeof resource !== "string" || !JSON_SAFE_RESOURCE.test(resource)) return null;
    out.resource = resource;
  }

  const condition = statement["Condition"];
  if (!isObject(condition) || !onlyKeys(condition, ["DateLessThan", "DateGreaterThan", "IpAddress"])) return null;
  const lessThan = readEpochCondition(condition["DateLessThan"]);
  if (lessThan === null) return null;
  out.dateLessThan = lessThan;
  if ("DateGreaterThan" in condition) {
    const greaterThan = readEpochCondition(condition["DateGreaterThan"]);
    if (greaterThan === null) return null;
    out.dateGreaterThan = greaterThan;
  }
  if ("IpAddress" in condition) {
    const ip = condition["IpAddress"];
    if (!isObject(ip) || !onlyKeys(ip, ["AWS:SourceIp"])) return null;
    const cidr = ip["AWS:SourceIp"];
    if (typeof cidr !== "string" || parseIpv4Cidr(cidr) === null) return null;
    out.ipAddress = cidr;
  }
  return out as ParsedPolicy;
}
