import { describe, expect, it } from "vitest";
import { assertSignableUrl, encodeUrlPath } from "@/lib/cloudfront/encode";

describe("encodeUrlPath", () => {
  it("encodes spaces as %20 and ' as %27", () => {
    expect(encodeUrlPath("/courses/c1/My File.mp4")).toBe("/courses/c1/My%20File.mp4");
    expect(encodeUrlPath("/courses/c1/it's.mp4")).toBe("/courses/c1/it%27s.mp4");
  });

  it("leaves + as + (a literal plus differs from %20) and keeps /", () => {
    expect(encodeUrlPath("/a+b/c d")).toBe("/a+b/c%20d");
    expect(encodeUrlPath("a/b/c")).toBe("a/b/c");
  });

  it("encodes non-ASCII as upper-case UTF-8 percent escapes", () => {
    expect(encodeUrlPath("/cours/é.mp4")).toBe("/cours/%C3%A9.mp4");
    expect(encodeUrlPath("/日本.mp4")).toBe("/%E6%97%A5%E6%9C%AC.mp4");
    expect(encodeUrlPath("/🎬.mp4")).toBe("/%F0%9F%8E%AC.mp4");
  });

  it("encodes characters that would change the URL's meaning or act as wildcards", () => {
    expect(encodeUrlPath("/100%.mp4")).toBe("/100%25.mp4");
    expect(encodeUrlPath("/a?b#c")).toBe("/a%3Fb%23c");
    expect(encodeUrlPath("/a*b")).toBe("/a%2Ab");
    expect(encodeUrlPath('/a"b<c>d`e{f}g|h\\i^j[k]l')).toBe("/a%22b%3Cc%3Ed%60e%7Bf%7Dg%7Ch%5Ci%5Ej%5Bk%5Dl");
    expect(encodeUrlPath("/tab\there")).toBe("/tab%09here");
  });

  it("keeps unreserved characters and harmless sub-delims", () => {
    expect(encodeUrlPath("/A-z_0.9~!$&()+,;=:@")).toBe("/A-z_0.9~!$&()+,;=:@");
  });

  it("is not idempotent: it takes a decoded path", () => {
    expect(encodeUrlPath("/a%20b")).toBe("/a%2520b");
  });

  it("refuses dot segments and lone surrogates", () => {
    expect(() => encodeUrlPath("/a/../b")).toThrow(/segment/);
    expect(() => encodeUrlPath("/a/./b")).toThrow(/segment/);
    expect(() => encodeUrlPath("/a/..")).toThrow(/segment/);
    expect(encodeUrlPath("/a/...b/.hidden")).toBe("/a/...b/.hidden");
    expect(() => encodeUrlPath("/a\uD800b")).toThrow(/surrogate/);
  });

  it("produces what the WHATWG URL parser keeps verbatim", () => {
    for (const key of ["My File's.mp4", "é+ü.mp4", "a b/c+d/e'f.m3u8", "x(1)&y=2;z.ts"]) {
      const path = "/courses/c1/" + encodeUrlPath(key);
      expect(new URL("https://m.example.com" + path).pathname).toBe(path);
    }
  });
});

describe("assertSignableUrl", () => {
  it("accepts encoded absolute URLs", () => {
    expect(() => assertSignableUrl("https://m.example.com/a%20b/c.mp4")).not.toThrow();
    expect(() => assertSignableUrl("http://127.0.0.1:4100/a.mp4?x=1&response-content-disposition=attachment%3B%20filename%3D%22a.mp4%22")).not.toThrow();
    expect(() => assertSignableUrl("http://localhost:4100/")).not.toThrow();
    expect(() => assertSignableUrl("https://1.2.3.4/a.mp4")).not.toThrow();
    expect(() => assertSignableUrl("https://[::1]:8443/a.mp4")).not.toThrow();
    expect(() => assertSignableUrl("https://d111111abcdef8.cloudfront.net/a.mp4")).not.toThrow();
  });

  it("names the host a browser would send instead", () => {
    expect(() => assertSignableUrl("http://127.1:4100/a.mp4")).toThrow("a browser would rewrite the host of this URL to http://127.0.0.1:4100");
  });

  const refused: Array<[string, string]> = [
    ["raw space", "https://m.example.com/a b.mp4"],
    ["raw apostrophe in path", "https://m.example.com/it's.mp4"],
    ["raw apostrophe in query", "https://m.example.com/a.mp4?n=it's"],
    ["non-ASCII", "https://m.example.com/é.mp4"],
    ["upper-case host", "https://M.example.com/a.mp4"],
    ["upper-case scheme", "HTTPS://m.example.com/a.mp4"],
    ["default port", "https://m.example.com:443/a.mp4"],
    ["no path", "https://m.example.com"],
    ["relative", "/a.mp4"],
    ["fragment", "https://m.example.com/a.mp4#t=10"],
    ["bad escape", "https://m.example.com/a%2.mp4"],
    ["dot segment", "https://m.example.com/a/../b.mp4"],
    ["encoded dot segment", "https://m.example.com/a/%2e%2E/b.mp4"],
    ["empty query", "https://m.example.com/a.mp4?"],
    ["empty query component", "https://m.example.com/a.mp4?x=1&&y=2"],
    ["reserved Expires", "https://m.example.com/a.mp4?Expires=1"],
    ["reserved Policy", "https://m.example.com/a.mp4?x=1&Policy"],
    ["reserved Signature", "https://m.example.com/a.mp4?Signature=x"],
    ["reserved Key-Pair-Id", "https://m.example.com/a.mp4?Key-Pair-Id=x"],
    ["reserved Hash-Algorithm", "https://m.example.com/a.mp4?Hash-Algorithm=SHA256"],
    ["other scheme", "ftp://m.example.com/a.mp4"],
    // Hosts and ports the WHATWG URL parser rewrites or rejects (found by tests/fuzz/signer.test.ts).
    ["bare number host (browser: 0.0.0.1)", "https://1/a.mp4"],
    ["zero host (browser: 0.0.0.0)", "https://0/a.mp4"],
    ["IPv4 shorthand (browser: 127.0.0.1)", "http://127.1:4100/a.mp4"],
    ["hex IPv4 (browser: 127.0.0.1)", "https://0x7f.0.0.1/a.mp4"],
    ["octal IPv4 (browser: 8.0.0.1)", "https://010.0.0.1/a.mp4"],
    ["non-canonical IPv6 (browser: [::1])", "https://[0:0::1]/a.mp4"],
    ["host ending in a number (browser: invalid)", "https://media.1/a.mp4"],
    ["invalid punycode (browser: invalid)", "https://xn--zz/a.mp4"],
    ["port over 65535 (browser: invalid)", "https://m.example.com:65536/a.mp4"],
  ];
  it.each(refused)("refuses %s", (_name, url) => {
    expect(() => assertSignableUrl(url)).toThrow();
  });
});
