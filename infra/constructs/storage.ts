import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { LumenConfig } from "../config";

/** Settings both buckets share: private, encrypted at rest, TLS 1.2+ only, kept on stack deletion. */
const PRIVATE_BUCKET: s3.BucketProps = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  removalPolicy: RemovalPolicy.RETAIN,
};

/** Key prefixes (lib/storage/keys.ts, ADR 027, 046). */
export const MEDIA_PREFIXES = {
  courses: "courses/",
  /** What browsers upload (presigned URLs): copied by the app once verified, then deleted. */
  sources: "sources/",
  /** Verified video originals (the app's copies): read by the worker only. */
  originals: "originals/",
  public: "public/",
} as const;

const expireLogs = (days: number): s3.LifecycleRule[] => [
  { id: "expire-logs", expiration: Duration.days(days) },
  { id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
];

/**
 * Where the logs go, expired after `accessLogDays`:
 * - `access`: CloudFront standard logs (`cloudfront/`), load balancer logs (`alb/`) and VPC
 *   flow logs (`vpc-flow-logs/`). CloudFront's standard (legacy) logging writes through an ACL
 *   grant to its log-delivery account, so this bucket keeps ACLs enabled
 *   (BUCKET_OWNER_PREFERRED: the bucket owner still owns every object); public ACLs stay blocked.
 * - `s3`: server access logs of the media bucket (`media/`) and of `access` (`access-logs/`),
 *   delivered under a bucket policy (no ACLs); the end of the chain, it logs nothing itself. A
 *   bucket of its own also keeps the dependency graph acyclic: its policy names the media
 *   bucket, whose CORS rule names the load balancer, whose logs go to `access`.
 */
export class LogBuckets extends Construct {
  readonly access: s3.Bucket;
  readonly s3: s3.Bucket;

  constructor(scope: Construct, id: string, props: { config: LumenConfig }) {
    super(scope, id);
    const days = props.config.accessLogDays;
    this.s3 = new s3.Bucket(this, "S3AccessLogs", {
      ...PRIVATE_BUCKET,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: expireLogs(days),
    });
    this.access = new s3.Bucket(this, "AccessLogs", {
      ...PRIVATE_BUCKET,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: expireLogs(days),
      serverAccessLogsBucket: this.s3,
      serverAccessLogsPrefix: "access-logs/",
    });
  }
}

export interface MediaBucketProps {
  readonly config: LumenConfig;
  readonly logBucket: s3.IBucket;
  /** The app's origin (scheme://host): browsers upload from there with presigned URLs. */
  readonly appOrigin: string;
}

/**
 * The private media bucket. Viewers never reach it directly: CloudFront reads it through Origin
 * Access Control (the distribution adds that grant), the app and the worker through their task
 * roles, browsers upload to it with presigned URLs only.
 */
export class MediaBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: MediaBucketProps) {
    super(scope, id);
    const c = props.config;
    this.bucket = new s3.Bucket(this, "Bucket", {
      ...PRIVATE_BUCKET,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.logBucket,
      serverAccessLogsPrefix: "media/",
      cors: [
        {
          // Direct uploads (ADR 032): presigned PUT, multipart parts; the uploader reads each ETag.
          allowedOrigins: [props.appOrigin],
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.POST],
          allowedHeaders: ["content-type", "content-disposition", "cache-control", "content-md5", "x-amz-*"],
          exposedHeaders: ["ETag"],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        // Multipart uploads never completed (closed tab, cancelled): their parts are billed until aborted.
        { id: "abort-incomplete-multipart-uploads", abortIncompleteMultipartUploadAfter: Duration.days(c.abortIncompleteUploadDays) },
        // Upload objects the app deleted (finished, abandoned, rejected) linger as noncurrent versions.
        { id: "expire-deleted-upload-sources", prefix: MEDIA_PREFIXES.sources, noncurrentVersionExpiration: Duration.days(c.sourcesNoncurrentDays) },
        // Nothing under sources/ is needed once its upload is finished or expired (24 h): what is
        // left (a PUT with a still-valid URL after completion, a purge that never ran) expires.
        { id: "expire-upload-sources", prefix: MEDIA_PREFIXES.sources, expiration: Duration.days(c.uploadSourceDays) },
        // Video originals of replaced or removed videos (multi-GB) go as soon as deleted sources do.
        { id: "expire-deleted-video-originals", prefix: MEDIA_PREFIXES.originals, noncurrentVersionExpiration: Duration.days(c.sourcesNoncurrentDays) },
        { id: "expire-noncurrent-versions", noncurrentVersionExpiration: Duration.days(c.noncurrentVersionDays), expiredObjectDeleteMarker: true },
      ],
    });
    // Uploads and video originals are never served, whatever a signature says: CloudFront may not read them.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "DenyCdnReadsOfUploadSources",
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal("cloudfront.amazonaws.com")],
        actions: ["s3:GetObject"],
        resources: [this.bucket.arnForObjects(`${MEDIA_PREFIXES.sources}*`), this.bucket.arnForObjects(`${MEDIA_PREFIXES.originals}*`)],
      }),
    );
  }
}
