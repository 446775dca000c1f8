import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { logicalIdOf, resourcesOf, synth, type Synthesised, WITH_DOMAINS } from "./support";

let s: Synthesised;
let media: string;
let mediaProps: Record<string, unknown>;

beforeAll(() => {
  s = synth(WITH_DOMAINS);
  media = logicalIdOf(s.template, "AWS::S3::Bucket", "MediaBucket");
  mediaProps = resourcesOf(s.template, "AWS::S3::Bucket")[media].Properties;
});

const bucketPolicyStatements = (bucketId: string): Record<string, unknown>[] => {
  const policies = Object.values(resourcesOf(s.template, "AWS::S3::BucketPolicy")).filter(
    (p) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
  );
  expect(policies).toHaveLength(1);
  return (policies[0].Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
};

const allOf = (bucketId: string, arn = { "Fn::GetAtt": [bucketId, "Arn"] }) => [arn, { "Fn::Join": ["", [arn, "/*"]] }];

describe("media bucket", () => {
  it("blocks public access on all four settings", () => {
    expect(mediaProps.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it("enforces bucket-owner object ownership (ACLs disabled)", () => {
    expect(mediaProps.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
  });

  it("encrypts objects at rest", () => {
    expect(mediaProps.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
  });

  it("keeps object versions", () => {
    expect(mediaProps.VersioningConfiguration).toEqual({ Status: "Enabled" });
  });

  it("denies every request made without TLS, or with TLS older than 1.2", () => {
    const statements = bucketPolicyStatements(media);
    expect(statements).toContainEqual({
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
      Resource: allOf(media),
    });
    expect(statements).toContainEqual({
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "s3:*",
      Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
      Resource: allOf(media),
    });
  });

  it("lets only this distribution read objects, through Origin Access Control", () => {
    const distribution = logicalIdOf(s.template, "AWS::CloudFront::Distribution", "CdnDistribution");
    const allows = bucketPolicyStatements(media).filter((st) => st.Effect === "Allow");
    expect(allows).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [media, "Arn"] }, "/*"]] },
        Condition: {
          StringEquals: {
            "AWS:SourceArn": {
              "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":cloudfront::", { Ref: "AWS::AccountId" }, ":distribution/", { Ref: distribution }]],
            },
          },
        },
      },
    ]);
  });

  it("never lets CloudFront read uploads under sources/ or video originals under originals/", () => {
    expect(bucketPolicyStatements(media)).toContainEqual({
      Sid: "DenyCdnReadsOfUploadSources",
      Effect: "Deny",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: [
        { "Fn::Join": ["", [{ "Fn::GetAtt": [media, "Arn"] }, "/originals/*"]] },
        { "Fn::Join": ["", [{ "Fn::GetAtt": [media, "Arn"] }, "/sources/*"]] },
      ],
    });
  });

  it("allows PUT and POST uploads from the app origin only and exposes ETag (CORS)", () => {
    expect(mediaProps.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: ["https://learn.example.com"],
          AllowedMethods: ["PUT", "POST"],
          AllowedHeaders: ["content-type", "content-disposition", "cache-control", "content-md5", "x-amz-*"],
          ExposedHeaders: ["ETag"],
          MaxAge: 3000,
        },
      ],
    });
  });

  it("aborts incomplete multipart uploads after three days", () => {
    expect((mediaProps.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual({
      Id: "abort-incomplete-multipart-uploads",
      Status: "Enabled",
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
    });
  });

  it("expires the versions of deleted upload sources and video originals after a week and other noncurrent versions after 30 days", () => {
    const rules = (mediaProps.LifecycleConfiguration as { Rules: unknown[] }).Rules;
    expect(rules).toContainEqual({
      Id: "expire-deleted-upload-sources",
      Status: "Enabled",
      Prefix: "sources/",
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
    expect(rules).toContainEqual({
      Id: "expire-deleted-video-originals",
      Status: "Enabled",
      Prefix: "originals/",
      NoncurrentVersionExpiration: { NoncurrentDays: 7 },
    });
    expect(rules).toContainEqual({
      Id: "expire-noncurrent-versions",
      Status: "Enabled",
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      ExpiredObjectDeleteMarker: true,
    });
    // Current objects expire under sources/ only (what browsers upload: copied and deleted once
    // verified, so whatever is left there after two days is an abandoned upload or an orphan PUT);
    // a live lesson's files and its video original stay.
    expect(rules).toContainEqual({ Id: "expire-upload-sources", Status: "Enabled", Prefix: "sources/", ExpirationInDays: 2 });
    expect(rules.filter((r) => JSON.stringify(r).includes('"ExpirationInDays"'))).toEqual([
      { Id: "expire-upload-sources", Status: "Enabled", Prefix: "sources/", ExpirationInDays: 2 },
    ]);
  });

  it("writes S3 server access logs to the S3 log bucket", () => {
    const s3Logs = logicalIdOf(s.template, "AWS::S3::Bucket", "LogsS3AccessLogs");
    expect(mediaProps.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: s3Logs }, LogFilePrefix: "media/" });
  });

  it("is retained when the stack is deleted", () => {
    s.template.hasResource("AWS::S3::Bucket", { Properties: Match.objectLike({ VersioningConfiguration: { Status: "Enabled" } }), DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
  });
});

describe("log buckets", () => {
  it("keep ACLs on the access-log bucket for CloudFront standard logs, still private, encrypted, TLS-only and expiring", () => {
    const id = logicalIdOf(s.template, "AWS::S3::Bucket", "LogsAccessLogs");
    const props = resourcesOf(s.template, "AWS::S3::Bucket")[id].Properties;
    expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerPreferred" }] });
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(props.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] });
    expect((props.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual({ Id: "expire-logs", Status: "Enabled", ExpirationInDays: 90 });
    expect(bucketPolicyStatements(id)).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
  });

  it("keep the S3 server-access-log bucket free of ACLs, private and expiring", () => {
    const id = logicalIdOf(s.template, "AWS::S3::Bucket", "LogsS3AccessLogs");
    const props = resourcesOf(s.template, "AWS::S3::Bucket")[id].Properties;
    expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] });
    expect(props.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect((props.LifecycleConfiguration as { Rules: unknown[] }).Rules).toContainEqual({ Id: "expire-logs", Status: "Enabled", ExpirationInDays: 90 });
  });
});
