/**
 * One plain HTTP request without the conveniences of fetch (no Accept-Encoding, no body
 * decoding), so a page's bytes are the bytes the server wrote.
 */
import http from "node:http";

export interface Page {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  bytes: number;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Page> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body.toString("utf8"), bytes: body.length });
        });
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** GETs `url` and fails unless it answers `status` (default 200). */
export async function expectPage(url: string, headers: Record<string, string> = {}, status = 200): Promise<Page> {
  const page = await get(url, headers);
  if (page.status !== status) throw new Error(`bench: ${url} answered ${page.status}, expected ${status}: ${page.body.slice(0, 300)}`);
  return page;
}

/** How many signed media URLs (canned or custom policy) a page carries. */
export function signedUrlCount(html: string): number {
  return html.match(/[?&](?:amp;)?Key-Pair-Id=/g)?.length ?? 0;
}
