import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePublicKey } from "@/infra/keys";
import { generateKey, logicalIdOf, MEDIA_CERT, resourcesOf, synth, type Synthesised, WITH_DOMAINS } from "./support";

type Behavior = Record<string, unknown> & { PathPattern?: string };

let prod: Synthesised;
let plain: Synthesised;

beforeAll(() => {
  // Two keys during a rotation, the newer one active.
  prod = synth({ ...WITH_DOMAINS, activeKey: "cf-2026-11" }, [generateKey("cf-2026-05", "rsa"), generateKey("cf-2026-11")]);
  // No alternate domain, one key.
  plain = synth({});
});

const config = (s: Synthesised) =>
  Object.values(resourcesOf(s.template, "AWS::CloudFront::Distribution"))[0].Properties.DistributionConfig as Record<string, unknown>;
const behaviors = (s: Synthesised): Behavior[] => [config(s).DefaultCacheBehavior as Behavior, ...((config(s).CacheBehaviors as Behavior[]) ?? [])];
const policyConfig = (s: Synthesised, type: string, key: string) => {
  const all = Object.values(resourcesOf(s.template, type));
  expect(all).toHaveLength(1);
  return all[0].Properties[key] as Record<string, unknown>;
};

describe("CloudFront distribution", () => {
  it("reads the bucket's REST endpoint through Origin Access Control (SigV4 on every request), no OAI", () => {
    const media = logicalIdOf(prod.template, "AWS::S3::Bucket", "MediaBucket");
    const oac = logicalIdOf(prod.template, "AWS::CloudFront::OriginAccessControl", "Cdn");
    expect(config(prod).Origins).toEqual([
      {
        Id: expect.any(String),
        DomainName: { "Fn::GetAtt": [media, "RegionalDomainName"] },
        OriginAccessControlId: { "Fn::GetAtt": [oac, "Id"] },
        S3OriginConfig: { OriginAccessIdentity: "" },
      },
    ]);
    prod.template.hasResourceProperties("AWS::CloudFront::OriginAccessControl", {
      OriginAccessControlConfig: { OriginAccessControlOriginType: "s3", SigningBehavior: "always", SigningProtocol: "sigv4" },
    });
  });

  it("redirects viewers from HTTP to HTTPS on every behaviour, so origin requests are HTTPS too", () => {
    for (const b of behaviors(prod)) expect(b.ViewerProtocolPolicy).toBe("redirect-to-https");
    // An S3 REST origin is fetched with the viewer's protocol; a custom (HTTP-capable) origin would not be.
    for (const o of config(prod).Origins as Record<string, unknown>[]) expect(o.CustomOriginConfig).toBeUndefined();
  });

  it("requires TLS 1.2 (TLSv1.2_2021, SNI) from viewers on the alternate domain", () => {
    expect(config(prod).ViewerCertificate).toEqual({ AcmCertificateArn: MEDIA_CERT, MinimumProtocolVersion: "TLSv1.2_2021", SslSupportMethod: "sni-only" });
    expect(config(prod).Aliases).toEqual(["media.example.com"]);
  });

  it("runs without an alternate domain on the default *.cloudfront.net certificate", () => {
    expect(config(plain).Aliases).toBeUndefined();
    expect(config(plain).ViewerCertificate).toBeUndefined();
  });

  it("restricts the course-media (default) behaviour to the trusted key group", () => {
    const group = logicalIdOf(prod.template, "AWS::CloudFront::KeyGroup", "CdnKeyGroup");
    expect((config(prod).DefaultCacheBehavior as Behavior).TrustedKeyGroups).toEqual([{ Ref: group }]);
  });

  it("serves public/* without signatures and nothing else: every other behaviour needs the key group", () => {
    const unsigned = behaviors(prod).filter((b) => !b.TrustedKeyGroups);
    expect(unsigned.map((b) => b.PathPattern)).toEqual(["public/*"]);
    expect(behaviors(prod).map((b) => b.PathPattern ?? "default")).toEqual(["default", "public/*"]);
  });

  it("puts every configured public key in the key group (rotation = both keys trusted)", () => {
    const keys = resourcesOf(prod.template, "AWS::CloudFront::PublicKey");
    expect(Object.keys(keys)).toHaveLength(2);
    const items = (Object.values(resourcesOf(prod.template, "AWS::CloudFront::KeyGroup"))[0].Properties.KeyGroupConfig as { Items: unknown[] }).Items;
    expect(items).toEqual(expect.arrayContaining(Object.keys(keys).map((id) => ({ Ref: id }))));
    expect(items).toHaveLength(2);
  });

  it("uploads each key file's public key (SPKI PEM), RSA-2048 and ECDSA P-256 alike", () => {
    const encoded = Object.values(resourcesOf(prod.template, "AWS::CloudFront::PublicKey")).map(
      (k) => (k.Properties.PublicKeyConfig as { EncodedKey: string }).EncodedKey,
    );
    expect(encoded.sort()).toEqual(prod.keys.map((k) => parsePublicKey(k.name, k.publicPem).pem).sort());
  });

  it("allows GET and HEAD only", () => {
    for (const b of behaviors(prod)) {
      expect(b.AllowedMethods).toEqual(["GET", "HEAD"]);
      expect(b.CachedMethods).toEqual(["GET", "HEAD"]);
    }
  });

  it("keys the cache on the path only: no query string (signatures), cookie or header", () => {
    const id = logicalIdOf(prod.template, "AWS::CloudFront::CachePolicy", "CdnPathOnly");
    for (const b of behaviors(prod)) expect(b.CachePolicyId).toEqual({ Ref: id });
    const c = policyConfig(prod, "AWS::CloudFront::CachePolicy", "CachePolicyConfig");
    expect(c.ParametersInCacheKeyAndForwardedToOrigin).toEqual({
      QueryStringsConfig: { QueryStringBehavior: "none" },
      CookiesConfig: { CookieBehavior: "none" },
      HeadersConfig: { HeaderBehavior: "none" },
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: true,
    });
  });

  it("forwards nothing from the viewer to the origin (no query string, cookie or header)", () => {
    const id = logicalIdOf(prod.template, "AWS::CloudFront::OriginRequestPolicy", "CdnNothingToOrigin");
    for (const b of behaviors(prod)) expect(b.OriginRequestPolicyId).toEqual({ Ref: id });
    expect(policyConfig(prod, "AWS::CloudFront::OriginRequestPolicy", "OriginRequestPolicyConfig")).toMatchObject({
      QueryStringsConfig: { QueryStringBehavior: "none" },
      CookiesConfig: { CookieBehavior: "none" },
      HeadersConfig: { HeaderBehavior: "none" },
    });
  });

  it("answers with CORS with credentials for the app origin only (GET, HEAD; Range; exposes length, range, ETag)", () => {
    const id = logicalIdOf(prod.template, "AWS::CloudFront::ResponseHeadersPolicy", "CdnMediaResponseHeaders");
    for (const b of behaviors(prod)) expect(b.ResponseHeadersPolicyId).toEqual({ Ref: id });
    expect(policyConfig(prod, "AWS::CloudFront::ResponseHeadersPolicy", "ResponseHeadersPolicyConfig").CorsConfig).toEqual({
      AccessControlAllowCredentials: true,
      AccessControlAllowOrigins: { Items: ["https://learn.example.com"] },
      AccessControlAllowMethods: { Items: ["GET", "HEAD"] },
      AccessControlAllowHeaders: { Items: ["Range", "If-Range", "If-None-Match", "If-Modified-Since"] },
      AccessControlExposeHeaders: { Items: ["Content-Length", "Content-Range", "ETag"] },
      AccessControlMaxAgeSec: 3600,
      OriginOverride: true,
    });
  });

  it("sends nosniff, Referrer-Policy no-referrer and HSTS on every response", () => {
    expect(policyConfig(prod, "AWS::CloudFront::ResponseHeadersPolicy", "ResponseHeadersPolicyConfig").SecurityHeadersConfig).toEqual({
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: "no-referrer", Override: true },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Override: true },
    });
  });

  it("writes standard access logs to the log bucket under cloudfront/, without cookies (they are credentials)", () => {
    const logs = logicalIdOf(prod.template, "AWS::S3::Bucket", "LogsAccessLogs");
    expect(config(prod).Logging).toEqual({ Bucket: { "Fn::GetAtt": [logs, "RegionalDomainName"] }, Prefix: "cloudfront/", IncludeCookies: false });
  });

  it("compresses, speaks HTTP/2 and HTTP/3, and uses the cheapest price class by default", () => {
    prod.template.hasResourceProperties("AWS::CloudFront::Distribution", {
      DistributionConfig: Match.objectLike({ HttpVersion: "http2and3", PriceClass: "PriceClass_100", Enabled: true }),
    });
    for (const b of behaviors(prod)) expect(b.Compress).toBe(true);
  });
});
