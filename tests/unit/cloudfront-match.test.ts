import { describe, expect, it } from "vitest";
import { globMatch, ipInCidr, matchResource, parseIpv4Cidr } from "@/lib/cloudfront/match";

const base = "https://d111111abcdef8.cloudfront.net";

describe("matchResource: wildcard rules", () => {
  it("matches an exact URL literally, and nothing else", () => {
    expect(matchResource(`${base}/a/b.mp4`, `${base}/a/b.mp4`)).toBe(true);
    expect(matchResource(`${base}/a/b.mp4`, `${base}/a/b.mp4x`)).toBe(false);
    expect(matchResource(`${base}/a/b.mp4`, `${base}/a/B.mp4`)).toBe(false);
  });

  it("* matches zero or more characters", () => {
    expect(matchResource(`${base}/a/*.mp4`, `${base}/a/b.mp4`)).toBe(true);
    expect(matchResource(`${base}/a/*.mp4`, `${base}/a/.mp4`)).toBe(true); // zero characters
    expect(matchResource(`${base}/a/*.mp4`, `${base}/a/x/y/z.mp4`)).toBe(true); // crosses / inside the path
    expect(matchResource(`${base}/a/*.mp4`, `${base}/a/b.mp3`)).toBe(false);
    expect(matchResource(`${base}/a/*`, `${base}/a/`)).toBe(true);
    expect(matchResource(`${base}/a/*`, `${base}/a`)).toBe(false);
  });

  it("? matches exactly one character", () => {
    expect(matchResource(`https://d?.example.com/a.mp4`, `https://d1.example.com/a.mp4`)).toBe(true);
    expect(matchResource(`https://d?.example.com/a.mp4`, `https://d.example.com/a.mp4`)).toBe(false);
    expect(matchResource(`https://d?.example.com/a.mp4`, `https://d12.example.com/a.mp4`)).toBe(false);
    expect(matchResource(`${base}/a.mp4?v=?`, `${base}/a.mp4?v=1`)).toBe(true);
    expect(matchResource(`${base}/a.mp4?v=?`, `${base}/a.mp4?v=12`)).toBe(false);
  });

  it("a wildcard stays within its section", () => {
    // * in the domain does not swallow the path
    expect(matchResource("https://*/a.mp4", "https://m.example.com/a.mp4")).toBe(true);
    expect(matchResource("https://*/a.mp4", "https://m.example.com/x/a.mp4")).toBe(false);
    expect(matchResource("https://*.example.com/a.mp4", "https://media.example.com/a.mp4")).toBe(true);
    // * in the middle of the path does not swallow the query
    expect(matchResource(`${base}/*.mp4`, `${base}/a.mp4?x=1`)).toBe(false);
    expect(matchResource(`${base}/a*4`, `${base}/a.mp?x=4`)).toBe(false);
    // * in the query stays in the query
    expect(matchResource(`${base}/a.mp4?x=*`, `${base}/a.mp4?x=1&y=2`)).toBe(true);
    expect(matchResource(`${base}/a.mp4?x=*`, `${base}/b.mp4?x=1`)).toBe(false);
    // * in the protocol section does not swallow the domain
    expect(matchResource(`*://d111111abcdef8.cloudfront.net/a`, `https://d111111abcdef8.cloudfront.net/a`)).toBe(true);
    expect(matchResource(`http*://m.example.com/a`, `https://m.example.com/a`)).toBe(true);
  });

  it("a trailing * in the path also matches any query string", () => {
    expect(matchResource(`${base}/courses/c1/*`, `${base}/courses/c1/v.m3u8`)).toBe(true);
    expect(matchResource(`${base}/courses/c1/*`, `${base}/courses/c1/v.m3u8?x=1&y=2`)).toBe(true);
    expect(matchResource(`${base}/courses/c1/*`, `${base}/courses/c2/v.m3u8?x=1`)).toBe(false);
  });

  it("a pattern without a query section (and no trailing *) rejects any query", () => {
    expect(matchResource(`${base}/a.mp4`, `${base}/a.mp4?x=1`)).toBe(false);
    expect(matchResource(`${base}/a.mp4`, `${base}/a.mp4?`)).toBe(false);
    // and a pattern with a query section needs a query
    expect(matchResource(`${base}/a.mp4?*`, `${base}/a.mp4`)).toBe(false);
    expect(matchResource(`${base}/a.mp4?*`, `${base}/a.mp4?`)).toBe(true);
  });

  it("protocol may be http://, https:// or *://", () => {
    expect(matchResource("http://m.example.com/a", "http://m.example.com/a")).toBe(true);
    expect(matchResource("http://m.example.com/a", "https://m.example.com/a")).toBe(false);
    expect(matchResource("https://m.example.com/a", "http://m.example.com/a")).toBe(false);
    expect(matchResource("*://m.example.com/a", "http://m.example.com/a")).toBe(true);
    expect(matchResource("*://m.example.com/a", "https://m.example.com/a")).toBe(true);
  });

  it('"*" alone matches everything', () => {
    expect(matchResource("*", "https://anything.example/x/y?z=1")).toBe(true);
    expect(matchResource("*", "http://a/")).toBe(true);
  });

  it("matching is literal: no percent-decoding, no dot-segment normalisation, + is not %20", () => {
    expect(matchResource(`${base}/my%20file.mp4`, `${base}/my%20file.mp4`)).toBe(true);
    expect(matchResource(`${base}/my%20file.mp4`, `${base}/my file.mp4`)).toBe(false);
    expect(matchResource(`${base}/my%20file.mp4`, `${base}/my+file.mp4`)).toBe(false);
    expect(matchResource(`${base}/my%20file.mp4`, `${base}/my%2520file.mp4`)).toBe(false);
    expect(matchResource(`${base}/a%2Fb`, `${base}/a/b`)).toBe(false);
    expect(matchResource(`${base}/a/b.mp4`, `${base}/a/./b.mp4`)).toBe(false);
    expect(matchResource(`${base}/a/b.mp4`, `${base}/a/x/../b.mp4`)).toBe(false);
    expect(matchResource(`${base}/it%27s.mp4`, `${base}/it's.mp4`)).toBe(false);
    expect(matchResource(`${base}/%C3%A9.mp4`, `${base}/%c3%a9.mp4`)).toBe(false);
  });

  it("a pattern without :// (other than *) matches nothing", () => {
    expect(matchResource("m.example.com/a", "https://m.example.com/a")).toBe(false);
    expect(matchResource("", "https://m.example.com/a")).toBe(false);
    expect(matchResource("**", "https://m.example.com/a")).toBe(false);
  });

  it("globMatch stays fast on pathological patterns", () => {
    const text = "a".repeat(5000);
    const pattern = "*a".repeat(200) + "b";
    const started = Date.now();
    expect(globMatch(pattern, text)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("ipInCidr", () => {
  it("matches within the prefix", () => {
    expect(ipInCidr("192.0.2.7", "192.0.2.0/24")).toBe(true);
    expect(ipInCidr("192.0.3.7", "192.0.2.0/24")).toBe(false);
    expect(ipInCidr("10.255.255.255", "10.0.0.0/8")).toBe(true);
    expect(ipInCidr("11.0.0.0", "10.0.0.0/8")).toBe(false);
    expect(ipInCidr("203.0.113.9", "0.0.0.0/0")).toBe(true);
    expect(ipInCidr("192.0.2.128", "192.0.2.128/25")).toBe(true);
    expect(ipInCidr("192.0.2.127", "192.0.2.128/25")).toBe(false);
    expect(ipInCidr("255.255.255.255", "255.255.255.254/31")).toBe(true);
  });

  it("treats /32 and a bare address as one host", () => {
    expect(ipInCidr("192.0.2.7", "192.0.2.7/32")).toBe(true);
    expect(ipInCidr("192.0.2.8", "192.0.2.7/32")).toBe(false);
    expect(ipInCidr("192.0.2.7", "192.0.2.7")).toBe(true);
    expect(ipInCidr("192.0.2.8", "192.0.2.7")).toBe(false);
  });

  it("treats an IPv4-mapped IPv6 viewer address as IPv4", () => {
    expect(ipInCidr("::ffff:127.0.0.1", "127.0.0.1/32")).toBe(true);
    expect(ipInCidr("::FFFF:127.0.0.1", "127.0.0.0/8")).toBe(true);
    expect(ipInCidr("::ffff:127.0.0.2", "127.0.0.1/32")).toBe(false);
  });

  it("never matches other IPv6 addresses or junk", () => {
    expect(ipInCidr("::1", "0.0.0.0/0")).toBe(false);
    expect(ipInCidr("2001:db8::1", "0.0.0.0/0")).toBe(false);
    expect(ipInCidr("127.0.0.1", "::1/128")).toBe(false);
    expect(ipInCidr("127.0.0.256", "0.0.0.0/0")).toBe(false);
    expect(ipInCidr("127.0.0.01", "0.0.0.0/0")).toBe(false);
    expect(ipInCidr("127.0.0.1", "127.0.0.1/33")).toBe(false);
    expect(ipInCidr("", "0.0.0.0/0")).toBe(false);
  });

  it("parseIpv4Cidr requires the prefix unless bare addresses are allowed", () => {
    expect(parseIpv4Cidr("1.2.3.4")).toBeNull();
    expect(parseIpv4Cidr("1.2.3.4", { allowBare: true })).toEqual({ base: 0x01020304, bits: 32 });
    expect(parseIpv4Cidr("1.2.3.4/16")).toEqual({ base: 0x01020304, bits: 16 });
    expect(parseIpv4Cidr("1.2.3.4/016")).toBeNull();
  });
});
