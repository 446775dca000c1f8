import { ActionButton } from "@/components/action-button";
import { CourseCover } from "@/components/course-cover";
import { ProcessingStatus } from "@/components/media/processing-status";
import { Badge, Card } from "@/components/ui";
import { Uploader } from "@/components/uploader";
import type { AssetView, CoverForEditing, LessonMediaForEditing } from "@/lib/uploads";
import { formatBytes, formatDuration } from "@/lib/format";
import { deleteAssetAction, retryVideoAction } from "../actions";

/**
 * Media panels of the instructor editor: the lesson's video, captions and attachments, and the
 * course cover. Server components; the uploads themselves run in <Uploader> (client).
 */

function PanelTitle({ title, detail }: { title: string; detail?: string }) {
  return (
    <div>
      <h2 className="text-base font-semibold text-slate-900">{title}</h2>
      {detail ? <p className="mt-1 text-sm text-slate-600">{detail}</p> : null}
    </div>
  );
}

/** An unfinished or failed upload of any kind, with what can be done about it. */
function UploadIssue({ asset, what }: { asset: AssetView; what: string }) {
  if (asset.status === "UPLOADING") {
    return (
      <div className="space-y-2 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200" data-testid="upload-interrupted">
        <p>
          <strong className="font-semibold">{asset.fileName ?? what}</strong> is uploading or was interrupted. To resume, pick the same file again below and click
          “Upload”.
        </p>
        <ActionButton action={deleteAssetAction.bind(null, asset.id)} variant="secondary" pendingText="Discarding…" testId="discard-upload">
          Discard upload
        </ActionButton>
      </div>
    );
  }
  if (asset.status === "FAILED") {
    return (
      <div className="space-y-2 rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-inset ring-red-200" data-testid="upload-failed">
        <p>
          <strong className="font-semibold">{asset.fileName ?? what}</strong> could not be used: <span data-testid="asset-error">{asset.error ?? "unknown error"}</span>
        </p>
        <ActionButton action={deleteAssetAction.bind(null, asset.id)} variant="secondary" pendingText="Dismissing…" testId="dismiss-failed">
          Dismiss
        </ActionButton>
      </div>
    );
  }
  return null;
}

export function VideoPanel({ courseId, media }: { courseId: string; media: LessonMediaForEditing }) {
  const { current, pending } = media.video;
  const duration = formatDuration(current?.durationSeconds ?? null);
  return (
    <Card className="space-y-5 p-6" data-testid="video-panel">
      <PanelTitle title="Video" detail="Students watch the current video. A replacement is processed first; the current one keeps playing until it is ready." />

      <div data-testid="video-current" data-status={current?.status ?? "NONE"}>
        {current ? (
          <div className="space-y-1 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <Badge tone="green">Ready</Badge>
              {current.fileName ? <span className="font-medium text-slate-900">{current.fileName}</span> : null}
            </div>
            <p className="text-slate-600">
              {duration ? <span data-testid="video-duration">{duration}</span> : null}
              {duration && current.renditions.length ? " · " : null}
              {current.renditions.length ? <span data-testid="video-renditions">{current.renditions.map((r) => r.name).join(", ")}</span> : null}
            </p>
          </div>
        ) : (
          <p className="text-sm text-slate-600">This lesson has no video yet.</p>
        )}
      </div>

      {pending ? (
        <div className="space-y-2" data-testid="video-pending" data-status={pending.status}>
          <div className="flex flex-wrap items-center gap-2 text-sm">
            {pending.status === "PROCESSING" ? <Badge tone="brand">Processing</Badge> : null}
            {pending.status === "UPLOADING" ? <Badge tone="amber">Uploading</Badge> : null}
            {pending.status === "FAILED" ? <Badge tone="red">Failed</Badge> : null}
            <span className="text-slate-700">{current ? "Replacement" : "New video"}: {pending.fileName ?? "video"}</span>
          </div>
          {pending.status === "PROCESSING" ? <ProcessingStatus assetId={pending.id} initialProgress={pending.progress} /> : null}
          {pending.status === "UPLOADING" ? <UploadIssue asset={pending} what="The video" /> : null}
          {pending.status === "FAILED" ? (
            <div className="space-y-2 rounded-lg bg-red-50 p-3 text-sm text-red-800 ring-1 ring-inset ring-red-200" data-testid="video-failed">
              <p>
                Processing failed: <span data-testid="asset-error">{pending.error ?? "unknown error"}</span>
              </p>
              <div className="flex flex-wrap gap-2">
                {pending.canRetry ? (
                  <ActionButton action={retryVideoAction.bind(null, pending.id)} pendingText="Retrying…" testId="retry-video">
                    Retry
                  </ActionButton>
                ) : null}
                <ActionButton action={deleteAssetAction.bind(null, pending.id)} variant="secondary" pendingText="Dismissing…" testId="dismiss-failed">
                  Dismiss
                </ActionButton>
              </div>
            </div>
          ) : null}
        </div>
      ) : null}

      <div className="border-t border-slate-200 pt-5">
        <Uploader
          kind="VIDEO"
          courseId={courseId}
          lessonId={media.lesson.id}
          label="Video file"
          hint={current ? "Uploading replaces the current video once the new one is processed." : undefined}
          testId="video-uploader"
        />
      </div>
    </Card>
  );
}

export function CaptionsPanel({ courseId, media }: { courseId: string; media: LessonMediaForEditing }) {
  const ready = media.captions.filter((c) => c.status === "READY");
  const issues = media.captions.filter((c) => c.status === "UPLOADING" || c.status === "FAILED");
  return (
    <Card className="space-y-4 p-5" data-testid="captions-panel">
      <PanelTitle title="Captions" detail="One caption track per language; uploading a language again replaces it." />
      {ready.length ? (
        <ul className="divide-y divide-slate-100 text-sm" data-testid="caption-list">
          {ready.map((c) => (
            <li key={c.id} className="flex items-center justify-between gap-3 py-2" data-testid="caption-row" data-language={c.language ?? ""}>
              <div className="min-w-0">
                <p className="font-medium text-slate-900">
                  {c.label ?? c.language} <span className="font-normal text-slate-500">({c.language})</span>
                </p>
                <p className="text-xs text-slate-500">
                  {c.bytes != null ? formatBytes(c.bytes) : ""}
                  {c.forCurrentVideo ? "" : " · for the video being processed"}
                </p>
              </div>
              <ActionButton
                action={deleteAssetAction.bind(null, c.id)}
                variant="ghost"
                pendingText="Deleting…"
                confirm={`Delete the ${c.label ?? c.language} captions?`}
                testId="delete-caption"
              >
                Delete<span className="sr-only"> captions {c.label ?? c.language}</span>
              </ActionButton>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600">No captions yet.</p>
      )}
      {issues.map((c) => (
        <UploadIssue key={c.id} asset={c} what="The caption file" />
      ))}
      <div className="border-t border-slate-200 pt-4">
        {media.captionTarget ? (
          <Uploader
            kind="CAPTION"
            courseId={courseId}
            lessonId={media.lesson.id}
            label="Caption file"
            hint={media.captionTarget.current ? undefined : "They go with the video being processed."}
            testId="caption-uploader"
          />
        ) : (
          <p className="text-sm text-slate-600" data-testid="captions-need-video">
            Upload this lesson&apos;s video first: captions belong to a video.
          </p>
        )}
      </div>
    </Card>
  );
}

export function AttachmentsPanel({ courseId, media }: { courseId: string; media: LessonMediaForEditing }) {
  const ready = media.attachments.filter((a) => a.status === "READY");
  const issues = media.attachments.filter((a) => a.status === "UPLOADING" || a.status === "FAILED");
  return (
    <Card className="space-y-4 p-5" data-testid="attachments-panel">
      <PanelTitle title="Attachments" detail="Files students can download from the lesson (worksheets, slides, code)." />
      {ready.length ? (
        <ul className="divide-y divide-slate-100 text-sm" data-testid="attachment-list">
          {ready.map((a) => (
            <li key={a.id} className="flex items-center justify-between gap-3 py-2" data-testid="attachment-row">
              <div className="min-w-0">
                <p className="truncate font-medium text-slate-900" title={a.fileName ?? undefined}>
                  {a.fileName ?? "file"}
                </p>
                <p className="text-xs text-slate-500" data-testid="attachment-size">
                  {a.bytes != null ? formatBytes(a.bytes) : ""}
                </p>
              </div>
              <ActionButton
                action={deleteAssetAction.bind(null, a.id)}
                variant="ghost"
                pendingText="Deleting…"
                confirm={`Delete “${a.fileName ?? "this file"}”?`}
                testId="delete-attachment"
              >
                Delete<span className="sr-only"> {a.fileName}</span>
              </ActionButton>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600">No attachments yet.</p>
      )}
      {issues.map((a) => (
        <UploadIssue key={a.id} asset={a} what="The attachment" />
      ))}
      <div className="border-t border-slate-200 pt-4">
        <Uploader kind="ATTACHMENT" courseId={courseId} lessonId={media.lesson.id} label="Attachment file" testId="attachment-uploader" />
      </div>
    </Card>
  );
}

export function CoverPanel({ course, cover }: { course: { id: string; title: string; slug: string }; cover: CoverForEditing }) {
  return (
    <Card className="space-y-4 p-5" data-testid="cover-panel">
      <PanelTitle title="Cover image" detail="Shown on course cards and the course page (cropped to 16:9)." />
      <div className="overflow-hidden rounded-lg ring-1 ring-slate-200" data-testid="cover-preview" data-has-cover={cover.cover ? "true" : "false"}>
        <CourseCover title={course.title} seed={course.slug} src={cover.cover?.url ?? null} />
      </div>
      {cover.pending ? <UploadIssue asset={cover.pending} what="The cover image" /> : null}
      {cover.cover ? (
        <ActionButton
          action={deleteAssetAction.bind(null, cover.cover.id)}
          variant="ghost"
          pendingText="Removing…"
          confirm="Remove the cover image? Cards show a generated placeholder instead."
          testId="remove-cover"
        >
          Remove cover
        </ActionButton>
      ) : null}
      <div className="border-t border-slate-200 pt-4">
        <Uploader kind="IMAGE" courseId={course.id} label="Cover image" testId="cover-uploader" />
      </div>
    </Card>
  );
}
