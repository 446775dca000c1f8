import { Duration } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { LumenConfig } from "../config";
import { MEDIA_PREFIXES } from "./storage";

export interface MediaCdnProps {
  readonly config: LumenConfig;
  readonly bucket: s3.IBucket;
  readonly logBucket: s3.IBucket;
  /** The app's origin: the only one allowed to read media cross-origin with credentials. */
  readonly appOrigin: string;
}

const PRICE_CLASS: Record<LumenConfig["priceClass"], cloudfront.PriceClass> = {
  "100": cloudfront.PriceClass.PRICE_CLASS_100,
  "200": cloudfront.PriceClass.PRICE_CLASS_200,
  all: cloudfront.PriceClass.PRICE_CLASS_ALL,
};

/**
 * CloudFront in front of the media bucket (docs/decisions/042-cloudfront-media-delivery.md):
 * - origin: the bucket through Origin Access Control (signed origin requests, HTTPS);
 * - default behaviour (course media): viewers must present a signed URL or signed cookies
 *   verified against the trusted key group built from every configured public key;
 * - `public/*`: marketing images, unsigned;
 * - cache key = the path only; nothing from the viewer is forwarded to the origin;
 * - CORS with credentials for the app origin, nosniff, no-referrer, HSTS on every response.
 */
export class MediaCdn extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly keyGroup: cloudfront.KeyGroup;
  /** Key name → CloudFront public key. */
  readonly publicKeys: ReadonlyMap<string, cloudfront.PublicKey>;
  /** CloudFront's id of the active key: the app's CLOUDFRONT_KEY_PAIR_ID. */
  readonly activeKeyId: string;
  /** https://<alternate domain or distribution domain> */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: MediaCdnProps) {
    super(scope, id);
    const c = props.config;

    const keys = new Map<string, cloudfront.PublicKey>();
    for (const k of c.keys) {
      keys.set(k.name, new cloudfront.PublicKey(this, `PublicKey-${k.name}`, { encodedKey: k.pem, comment: `${k.algorithm} key "${k.name}"` }));
    }
    this.publicKeys = keys;
    this.activeKeyId = keys.get(c.activeKey.name)!.publicKeyId;
    this.keyGroup = new cloudfront.KeyGroup(this, "KeyGroup", {
      comment: "Keys whose signatures CloudFront accepts for course media (the active key and keys being rotated)",
      items: [...keys.values()],
    });

    const cachePolicy = new cloudfront.CachePolicy(this, "PathOnlyCachePolicy", {
      comment: "Cache key = path: signing parameters, other query strings and cookies excluded",
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const originRequestPolicy = new cloudfront.OriginRequestPolicy(this, "NothingToOriginPolicy", {
      comment: "Forward no viewer query string, cookie or header to S3 (the object's own headers are served)",
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.none(),
    });
    const responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, "MediaResponseHeaders", {
      comment: "CORS with credentials for the app origin; nosniff; no-referrer; HSTS",
      corsBehavior: {
        accessControlAllowCredentials: true,
        accessControlAllowOrigins: [props.appOrigin],
        accessControlAllowMethods: ["GET", "HEAD"],
        accessControlAllowHeaders: ["Range", "If-Range", "If-None-Match", "If-Modified-Since"],
        accessControlExposeHeaders: ["Content-Length", "Content-Range", "ETag"],
        accessControlMaxAge: Duration.hours(1),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
      },
    });

    const unsigned: cloudfront.BehaviorOptions = {
      origin: origins.S3BucketOrigin.withOriginAccessControl(props.bucket, { originAccessLevels: [cloudfront.AccessLevel.READ] }),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy,
      originRequestPolicy,
      responseHeadersPolicy,
      compress: true,
    };
    const certificate = c.mediaCertificateArn ? acm.Certificate.fromCertificateArn(this, "Certificate", c.mediaCertificateArn) : undefined;
    this.distribution = new cloudfront.Distribution(this, "Distribution", {
      comment: `${c.stackName} course media`,
      defaultBehavior: { ...unsigned, trustedKeyGroups: [this.keyGroup] },
      additionalBehaviors: { [`${MEDIA_PREFIXES.public}*`]: unsigned },
      ...(certificate && c.mediaDomain
        ? {
            certificate,
            domainNames: [c.mediaDomain],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: cloudfront.SSLMethod.SNI,
          }
        : {}),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: PRICE_CLASS[c.priceClass],
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: "cloudfront/",
      // Signed cookies are credentials: keep them out of the logs.
      logIncludesCookies: false,
    });
    this.baseUrl = `https://${c.mediaDomain ?? this.distribution.distributionDomainName}`;
  }
}
