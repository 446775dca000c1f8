import * as iam from "aws-cdk-lib/aws-iam";
import type * as s3 from "aws-cdk-lib/aws-s3";
import { MEDIA_PREFIXES } from "./storage";

/**
 * Least-privilege S3 permissions of the two task roles, by key prefix (ADR 027, 046). No `s3:*`,
 * no `*` resource; public/ is the operator's.
 *
 * The app takes uploads under sources/ (its role must allow what the browser does with the
 * presigned URLs it signs: PutObject covers single PUTs and multipart create/part/complete;
 * ListParts for resuming; abort and delete for cancelled, refused or finished uploads; GetObject
 * to read covers and captions and as the source of a copy), and multipart videos at their
 * original key under originals/ (ADR 053: PutObject and abort below, ListParts here). It writes verified media under
 * courses/ (covers, captions, attachments copied from their upload) and originals/ (video
 * originals copied from their upload), reads them back to verify (HeadObject = GetObject),
 * aborts a failed copy in parts, and deletes what it owns. HeadBucket and listing a folder
 * need ListBucket on the bucket itself.
 */
export function grantAppMediaAccess(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "AppTakesUploads",
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.sources}*`)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "AppWritesVerifiesAndDeletesMedia",
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.courses}*`), bucket.arnForObjects(`${MEDIA_PREFIXES.originals}*`)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "AppTakesMultipartVideosAtOriginals",
      actions: ["s3:ListMultipartUploadParts"],
      resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.originals}*`)],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: "AppListsMediaFolders", actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
  );
}

/**
 * The transcoding worker reads verified video originals (never the upload keys under sources/,
 * which presigned URLs may still rewrite), writes the HLS ladder, poster and thumbnails into
 * the lesson's folder, and deletes stale outputs and what a replaced video or an abandoned
 * upload leaves (its original, its upload object; the scheduled purge aborts abandoned
 * multipart uploads: under sources/, and multipart videos under originals/, ADR 053). It may
 * list under courses/ only.
 */
export function grantWorkerMediaAccess(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: "WorkerReadsVideoOriginals", actions: ["s3:GetObject"], resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.originals}*`)] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: "WorkerWritesTranscodeOutputs", actions: ["s3:PutObject"], resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.courses}*`)] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "WorkerDeletesReplacedMedia",
      actions: ["s3:DeleteObject"],
      resources: [
        bucket.arnForObjects(`${MEDIA_PREFIXES.courses}*`),
        bucket.arnForObjects(`${MEDIA_PREFIXES.originals}*`),
        bucket.arnForObjects(`${MEDIA_PREFIXES.sources}*`),
      ],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: "WorkerAbortsAbandonedUploads",
      actions: ["s3:AbortMultipartUpload"],
      resources: [bucket.arnForObjects(`${MEDIA_PREFIXES.sources}*`), bucket.arnForObjects(`${MEDIA_PREFIXES.originals}*`)],
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
