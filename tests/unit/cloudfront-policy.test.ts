import { describe, expect, it } from "vitest";
import { cfBase64Decode, cfBase64Encode } from "@/lib/cloudfront/base64";
import { cannedPolicy, customPolicy, normaliseCidr, parsePolicy, MAX_EPOCH } from "@/lib/cloudfront/policy";

describe("CloudFront base64", () => {
  it("maps + = / to - _ ~ and keeps the padding", () => {
    // 0xfb 0xff -> standard "+/8=" -> "-~8_"
    expect(Buffer.from([0xfb, 0xff]).toString("base64")).toBe("+/8=");
    expect(cfBase64Encode(Buffer.from([0xfb, 0xff]))).toBe("-~8_");
    expect(cfBase64Encode("a")).toBe("YQ__");
    expect(cfBase64Decode("-~8_")).toEqual(Buffer.from([0xfb, 0xff]));
    expect(cfBase64Decode("YQ__")!.toString()).toBe("a");
  });

  it("round-trips arbitrary bytes", () => {
    for (let len = 1; len < 70; len++) {
      const bytes = Buffer.from(Array.from({ length: len }, (_, i) => (i * 97 + len * 31) & 0xff));
      const text = cfBase64Encode(bytes);
      expect(text).toMatch(/^[A-Za-z0-9\-~_]+$/);
      expect(cfBase64Decode(text)).toEqual(bytes);
    }
  });

  it("rejects characters outside the alphabet and non-canonical text", () => {
    expect(cfBase64Decode("+/8=")).toBeNull(); // standard base64 characters
    expect(cfBase64Decode("YQ==")).toBeNull(); // standard padding
    expect(cfBase64Decode("YQ")).toBeNull(); // padding dropped
    expect(cfBase64Decode("Y Q__")).toBeNull();
    expect(cfBase64Decode("YQ_a")).toBeNull(); // padding in the middle
    expect(cfBase64Decode("YR__")).toBeNull(); // non-zero trailing bits
    expect(cfBase64Decode("YQ__%")).toBeNull();
    expect(cfBase64Decode("")).toBeNull();
    expect(cfBase64Decode("YQ_=")).toBeNull();
  });
});

describe("canned policy", () => {
  it("is byte-exact per the facts doc", () => {
    expect(cannedPolicy("https://d111111abcdef8.cloudfront.net/courses/c1/v.mp4", 1767225600)).toBe(
      '{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/courses/c1/v.mp4","Condition":{"DateLessThan":{"AWS:EpochTime":1767225600}}}]}',
    );
  });

  it("never escapes characters (& stays &)", () => {
    const p = cannedPolicy("https://m.example.com/a.mp4?x=1&response-content-disposition=attachment", 2000000000);
    expect(p).toContain('"Resource":"https://m.example.com/a.mp4?x=1&response-content-disposition=attachment"');
    expect(p).not.toContain("\\u");
    // What JSON.stringify would give for this structure is identical (no escaping needed).
    expect(p).toBe(
      JSON.stringify({
        Statement: [
          {
            Resource: "https://m.example.com/a.mp4?x=1&response-content-disposition=attachment",
            Condition: { DateLessThan: { "AWS:EpochTime": 2000000000 } },
          },
        ],
      }),
    );
  });

  it("refuses characters that would need escaping and bad epochs", () => {
    expect(() => cannedPolicy('https://m.example.com/a"b', 1)).toThrow();
    expect(() => cannedPolicy("https://m.example.com/a\\b", 1)).toThrow();
    expect(() => cannedPolicy("https://m.example.com/a b", 1)).toThrow();
    expect(() => cannedPolicy("https://m.example.com/é", 1)).toThrow();
    expect(() => cannedPolicy("https://m.example.com/a", 1.5)).toThrow(/integer/);
    expect(() => cannedPolicy("https://m.example.com/a", MAX_EPOCH + 1)).toThrow();
    expect(() => cannedPolicy("https://m.example.com/a", -1)).toThrow();
    expect(cannedPolicy("https://m.example.com/a", MAX_EPOCH)).toContain(":2147483647}");
  });
});

describe("custom policy", () => {
  it("builds the exact JSON with conditions in the SDK's order", () => {
    expect(customPolicy({ resource: "https://m.example.com/courses/c1/*", dateLessThan: 2000000000 })).toBe(
      '{"Statement":[{"Resource":"https://m.example.com/courses/c1/*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}',
    );
    expect(
      customPolicy({
        resource: "https://m.example.com/courses/c1/*",
        dateLessThan: 2000000000,
        dateGreaterThan: 1900000000,
        ipAddress: "203.0.113.0/24",
      }),
    ).toBe(
      '{"Statement":[{"Resource":"https://m.example.com/courses/c1/*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000},"DateGreaterThan":{"AWS:EpochTime":1900000000},"IpAddress":{"AWS:SourceIp":"203.0.113.0/24"}}}]}',
    );
  });

  it("turns a bare IP into /32 and refuses IPv6 or junk", () => {
    expect(customPolicy({ resource: "https://m.example.com/a", dateLessThan: 10, ipAddress: "192.0.2.7" })).toContain(
      '"AWS:SourceIp":"192.0.2.7/32"',
    );
    expect(normaliseCidr("10.0.0.0/8")).toBe("10.0.0.0/8");
    expect(() => normaliseCidr("2001:db8::/32")).toThrow(/IPv4/);
    expect(() => normaliseCidr("10.0.0.0/33")).toThrow();
    expect(() => normaliseCidr("256.0.0.1")).toThrow();
  });

  it("refuses to build a policy without a Resource, or with the global *", () => {
    expect(() => customPolicy({ resource: "", dateLessThan: 10 })).toThrow(/without a Resource/);
    expect(() => customPolicy({ resource: undefined as unknown as string, dateLessThan: 10 })).toThrow(/without a Resource/);
    expect(() => customPolicy({ resource: "*", dateLessThan: 10 })).toThrow();
    expect(() => customPolicy({ resource: "m.example.com/a/*", dateLessThan: 10 })).toThrow();
    expect(customPolicy({ resource: "*://m.example.com/a/*", dateLessThan: 10 })).toContain('"Resource":"*://m.example.com/a/*"');
  });

  it("refuses non-integer, out-of-range epochs and empty windows", () => {
    const resource = "https://m.example.com/a";
    expect(() => customPolicy({ resource, dateLessThan: 1.5 })).toThrow(/integer/);
    expect(() => customPolicy({ resource, dateLessThan: 2147483648 })).toThrow();
    expect(() => customPolicy({ resource, dateLessThan: 100, dateGreaterThan: 0.5 })).toThrow(/integer/);
    expect(() => customPolicy({ resource, dateLessThan: 100, dateGreaterThan: 100 })).toThrow(/empty/);
    expect(() => customPolicy({ resource, dateLessThan: 100, dateGreaterThan: 99 })).toThrow(/empty/);
    expect(customPolicy({ resource, dateLessThan: 100, dateGreaterThan: 98 })).toContain('"DateGreaterThan":{"AWS:EpochTime":98}');
  });
});

describe("parsePolicy (strict grammar)", () => {
  const good =
    '{"Statement":[{"Resource":"https://m.example.com/c/*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000},"DateGreaterThan":{"AWS:EpochTime":1000},"IpAddress":{"AWS:SourceIp":"10.0.0.0/8"}}}]}';

  it("parses what customPolicy builds", () => {
    expect(parsePolicy(good)).toEqual({
      resource: "https://m.example.com/c/*",
      dateLessThan: 2000000000,
      dateGreaterThan: 1000,
      ipAddress: "10.0.0.0/8",
    });
    const built = customPolicy({ resource: "https://m.example.com/x", dateLessThan: 5 });
    expect(parsePolicy(built)).toEqual({ resource: "https://m.example.com/x", dateLessThan: 5 });
  });

  it("accepts whitespace between tokens (AWS docs' pretty-printed form)", () => {
    const pretty = JSON.stringify(JSON.parse(good), null, 3);
    expect(parsePolicy(pretty)).toEqual(parsePolicy(good));
  });

  it("accepts a policy without Resource (CloudFront: every file behind the key)", () => {
    expect(parsePolicy('{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}')).toEqual({ dateLessThan: 10 });
  });

  const bad: Array<[string, string]> = [
    ["not JSON", "{"],
    ["trailing garbage", good + "x"],
    ["statement as object", '{"Statement":{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10}}}}'],
    ["two statements", `{"Statement":[${good.slice(14, -2)},${good.slice(14, -2)}]}`],
    ["empty statement array", '{"Statement":[]}'],
    ["missing DateLessThan", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateGreaterThan":{"AWS:EpochTime":10}}}]}'],
    ["missing Condition", '{"Statement":[{"Resource":"https://a/b"}]}'],
    ["unknown root key", '{"Version":"2012","Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}'],
    ["unknown statement key", '{"Statement":[{"Effect":"Allow","Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}'],
    ["unknown condition", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10},"StringLike":{}}}]}'],
    ["unknown key in DateLessThan", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10,"x":1}}}]}'],
    ["unknown key in IpAddress", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10},"IpAddress":{"AWS:SourceIp":"1.2.3.4/32","y":"z"}}}]}'],
    ["duplicate key", '{"Statement":[{"Resource":"https://a/b","Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}'],
    ["fractional epoch", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10.5}}}]}'],
    ["exponent epoch", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":1e9}}}]}'],
    ["negative epoch", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":-1}}}]}'],
    ["string epoch", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":"10"}}}]}'],
    ["epoch too large", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":2147483648}}}]}'],
    ["leading zero epoch", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":010}}}]}'],
    ["escaped string", '{"Statement":[{"Resource":"https://a/b?x=1\\u0026y=2","Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}'],
    ["empty resource", '{"Statement":[{"Resource":"","Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}'],
    ["resource not a string", '{"Statement":[{"Resource":["https://a/b"],"Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}'],
    ["IPv6 source", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10},"IpAddress":{"AWS:SourceIp":"2001:db8::/32"}}}]}'],
    ["bare IP (no prefix length)", '{"Statement":[{"Resource":"https://a/b","Condition":{"DateLessThan":{"AWS:EpochTime":10},"IpAddress":{"AWS:SourceIp":"1.2.3.4"}}}]}'],
    ["null", "null"],
    ["boolean value", '{"Statement":[{"Resource":true,"Condition":{"DateLessThan":{"AWS:EpochTime":10}}}]}'],
  ];
  it.each(bad)("rejects %s", (_name, json) => {
    expect(parsePolicy(json)).toBeNull();
  });
});
