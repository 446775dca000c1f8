/**
 * The smoke check's HTTP client: the interface the account step and the checks do their I/O
 * through (tests pass a fake), and FetchClient, its implementation with `fetch`.
 */
import { BrowserCookieJar } from "./cookies";
import { xmlErrorCode } from "./signed";

export interface SmokeResponse {
  url: string;
  status: number;
  headers: Headers;
  setCookies: string[];
  body: Buffer;
  text: string;
}

export interface SmokeRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send and store the jar's cookies (default true). */
  jar?: boolean;
  /** An explicit Cookie header (replaces the jar's). */
  cookie?: string;
}

export interface SmokeClient {
  /** The cookies of the signed-in account, as a browser would keep them. */
  readonly jar: BrowserCookieJar;
  /** One request, redirects not followed; rejects only when there is no answer. */
  request(url: string | URL, init?: SmokeRequest): Promise<SmokeResponse>;
  /** The server's clock (epoch ms), as far as the media origin's `Date` headers tell. */
  serverNow(): number;
}

/** The client the checks talk through: `fetch`, redirects not followed, a browser-like cookie jar. */
export class FetchClient implements SmokeClient {
  readonly jar = new BrowserCookieJar();
  /** Server clock minus ours, from the `Date` header of the last media response. */
  clockOffsetMs = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly media: URL,
  ) {}

  async request(url: string | URL, init: SmokeRequest = {}): Promise<SmokeResponse> {
    const target = new URL(url);
    const headers: Record<string, string> = { "User-Agent": "lumen-smoke/1", ...init.headers };
    const useJar = init.jar !== false;
    const cookie = init.cookie ?? (useJar ? this.jar.header(target) : "");
    if (cookie) headers.Cookie = cookie;
    const started = Date.now();
    let response: Response;
    try {
      response = await fetch(target, {
        method: init.method ?? "GET",
        headers,
        body: init.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(`${init.method ?? "GET"} ${target.origin}${target.pathname}: ${describeError(err)}`);
    }
    const body = Buffer.from(await response.arrayBuffer());
    const setCookies = response.headers.getSetCookie();
    if (useJar) this.jar.setCookies(target, setCookies);
    const date = Date.parse(response.headers.get("date") ?? "");
    if (target.origin === this.media.origin && Number.isFinite(date)) this.clockOffsetMs = date - (started + Date.now()) / 2;
    return { url: target.toString(), status: response.status, headers: response.headers, setCookies, body, text: body.toString("utf8") };
  }

  /** The server's clock (epoch ms), as far as the `Date` headers tell. */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }
}

/** Why a request got no answer, in a few words (timeout, or the network error's code). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (err.name === "TimeoutError") return "no answer in time";
  return cause ? `${err.message} (${cause.code ?? cause.message})` : err.message;
}

/** A URL's path for a result line, shortened, without its (signed) query. */
export const short = (url: string) => {
  const u = new URL(url);
  const path = u.pathname.length > 70 ? `${u.pathname.slice(0, 30)}…${u.pathname.slice(-36)}` : u.pathname;
  return `${path}${u.search ? "?…" : ""}`;
};

/** The status, and the S3 / CloudFront error code when the body has one. */
export const describeStatus = (res: SmokeResponse) => `${res.status}${xmlErrorCode(res.text) ? ` ${xmlErrorCode(res.text)}` : ""}`;
