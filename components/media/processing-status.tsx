"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { ProgressBar } from "@/components/ui";

const POLL_MS = 2000;

/**
 * Transcoding progress of a video, polled every 2 s from GET /api/assets/[assetId]. When the
 * video leaves PROCESSING (ready or failed) the page is refreshed to show the outcome.
 */
export function ProcessingStatus({ assetId, initialProgress }: { assetId: string; initialProgress: number | null }) {
  const router = useRouter();
  const [progress, setProgress] = useState(initialProgress ?? 0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const res = await fetch(`/api/assets/${assetId}`, { cache: "no-store" });
        if (res.ok) {
          const { asset } = (await res.json()) as { asset: { status: string; progress: number | null } };
          if (asset.status !== "PROCESSING") {
            stopped = true;
            router.refresh();
            return;
          }
          if (!stopped) setProgress(asset.progress ?? 0);
        } else if (res.status === 404) {
          stopped = true;
          router.refresh();
          return;
        }
      } catch {
        // Offline for a moment: keep polling.
      }
      if (!stopped) timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [assetId, router]);

  return (
    <div className="space-y-1" data-testid="video-processing" data-progress={progress}>
      <p className="text-sm text-slate-700">
        Processing… <span className="font-semibold">{progress}%</span>
      </p>
      <ProgressBar percent={progress} label="Video processing" />
    </div>
  );
}
