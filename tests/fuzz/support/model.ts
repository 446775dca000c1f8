/**
 * A viewer request as the fuzzer mutates it: origin, raw path, raw query components, cookies
 * (rendered to a Cookie header and parsed by the edge's own parser), clock and viewer IP.
 */
import type { EdgeRequest } from "@/lib/cloudfront/verify";
import { parseCookieHeader } from "@/edge/server";
import { NOW, VIEWER_IP, type Grant } from "./fixture";

/** The five names CloudFront reserves (written out here, independently of lib/cloudfront/wire). */
export const FIELDS = ["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"] as const;
export type Field = (typeof FIELDS)[number];
export const cookieName = (f: Field): string => `CloudFront-${f}`;

export interface Req {
  /** scheme://host[:port] (mutations may make it anything). */
  origin: string;
  /** Raw path, normally starting with `/`. */
  path: string;
  /** Raw query components in order; `null` = no `?` at all. */
  query: string[] | null;
  /** Cookie pairs in header order (the edge keeps the first of a name). */
  cookies: Array<[string, string]>;
  /** Raw text appended to the Cookie header (header-level junk). */
  cookieJunk: string;
  now: number;
  sourceIp: string;
  /** A denial code the mutation implies (honoured only when it is the case's only mutation). */
  expectCode?: string;
}

export function cloneReq(r: Req): Req {
  return { ...r, query: r.query ? [...r.query] : null, cookies: r.cookies.map(([n, v]) => [n, v] as [string, string]) };
}

export function renderUrl(r: Req): string {
  return `${r.origin}${r.path}${r.query ? `?${r.query.join("&")}` : ""}`;
}

export function renderCookieHeader(r: Req): string | undefined {
  const h = r.cookies.map(([n, v]) => `${n}=${v}`).join("; ") + r.cookieJunk;
  return h === "" ? undefined : h;
}

export function toEdgeRequest(r: Req): EdgeRequest {
  return { url: renderUrl(r), cookies: parseCookieHeader(renderCookieHeader(r)), sourceIp: r.sourceIp, now: r.now };
}

/** Splits an absolute URL into origin / path / query (as the model holds it). */
export function parseUrl(url: string): Pick<Req, "origin" | "path" | "query"> {
  const s = url.indexOf("://") + 3;
  const slash = url.indexOf("/", s);
  const q = url.indexOf("?");
  return {
    origin: url.slice(0, slash),
    path: q === -1 ? url.slice(slash) : url.slice(slash, q),
    query: q === -1 ? null : url.slice(q + 1).split("&"),
  };
}

export type Form = "url" | "cookie";

/**
 * The valid request a grant was issued for: canned -> its signed URL; custom -> a file in its
 * folder with the policy query (`url`) or the signed cookies (`cookie`), optionally with an
 * app query parameter.
 */
export function baseRequest(g: Grant, form: Form, file: string, appQuery: string | undefined): Req {
  const base = { cookies: [] as Array<[string, string]>, cookieJunk: "", now: NOW, sourceIp: VIEWER_IP };
  if (g.kind === "canned") return { ...base, ...parseUrl(g.signedUrl!) };
  const fileUrl = `${g.origin}${g.folderPath}${file}${appQuery ? `?${appQuery}` : ""}`;
  if (form === "url") {
    return { ...base, ...parseUrl(`${fileUrl}${appQuery ? "&" : "?"}${g.policyQuery}`) };
  }
  return { ...base, ...parseUrl(fileUrl), cookies: Object.entries(g.cookies!) };
}

export function nameOf(part: string): string {
  const eq = part.indexOf("=");
  return eq === -1 ? part : part.slice(0, eq);
}

export function isField(name: string): name is Field {
  return (FIELDS as readonly string[]).includes(name);
}

/** Where the credentials are read from: any reserved name in the query makes it a signed URL. */
export function carrier(r: Req): Form {
  return r.query?.some((p) => isField(nameOf(p))) ? "url" : "cookie";
}

/** The raw value of a credential in the current carrier (first occurrence). */
export function getCred(r: Req, f: Field): string | undefined {
  if (carrier(r) === "url") {
    const part = r.query!.find((p) => nameOf(p) === f);
    return part === undefined ? undefined : part.slice(f.length + 1);
  }
  return r.cookies.find(([n]) => n === cookieName(f))?.[1];
}

/** Sets (first occurrence, or appends) or removes (every occurrence) a credential in the current carrier. */
export function setCred(r: Req, f: Field, value: string | undefined, where: Form = carrier(r)): void {
  if (where === "url") {
    const q = r.query ?? [];
    const i = q.findIndex((p) => nameOf(p) === f);
    if (value === undefined) r.query = q.filter((p) => nameOf(p) !== f);
    else if (i === -1) r.query = [...q, `${f}=${value}`];
    else q[i] = `${f}=${value}`;
    if (r.query && r.query.length === 0) r.query = null;
    return;
  }
  const i = r.cookies.findIndex(([n]) => n === cookieName(f));
  if (value === undefined) r.cookies = r.cookies.filter(([n]) => n !== cookieName(f));
  else if (i === -1) r.cookies.push([cookieName(f), value]);
  else r.cookies[i] = [cookieName(f), value];
}
