import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { MEDIA_PREFIXES } from "./storage";

/**
 * Least-privilege S3 permissions of the two task roles, by key prefix (ADR 027). No `s3:*`, no
 * `*` resource; sources/ and courses/ are the only writable prefixes, public/ is the operator's.
 *
 * The app presigns uploads (so its own role must allow what the browser does with the URL:
 * PutObject covers single PUTs and multipart create/part/complete), verifies them (HeadObject =
 * GetObject permission; ListParts), and deletes what it owns (rejected or abandoned uploads,
 * replaced covers, attachments, a lesson's folder); HeadBucket and listing a folder need
 * ListBucket on the bucket itself.
 */
export function grantAppMediaAccess(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "AppUploadsVerifiesAndDeletesMedia",
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.courses}*`), bucket.arnForObjects(`${MEDIA_PREFIXES.sources}*`)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: "AppListsMediaFolders", actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
  );
}

/**
 * The transcoding worker reads upload originals, writes the HLS ladder, poster and thumbnails
 * into the lesson's folder, and deletes stale outputs and the originals of replaced videos.
 * It may list under courses/ only.
 */
export function grantWorkerMediaAccess(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: "WorkerReadsUploadSources", actions: ["s3:GetObject"], resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.sources}*`)] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: "WorkerWritesTranscodeOutputs", actions: ["s3:PutObject"], resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.courses}*`)] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "WorkerDeletesReplacedMedia",
      actions: ["s3:DeleteObject"],
      resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.courses}*`), bucket.arnForObjects(`${MEDIA_PREFIXES.sources}*`)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "WorkerListsLessonFolders",
      actions: ["s3:ListBucket"],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { "s3:prefix": [`${MEDIA_PREFIXES.courses}*`] } },
    }),
  );
}
