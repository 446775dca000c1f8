/** Shapes the lesson page hands to client components (no server code here). */
export interface LessonMedia {
  video: null | {
    assetId: string;
    manifestUrl: string;
    auth: "cookies" | "query" | "presigned";
    posterUrl: string | null;
    durationSeconds: number | null;
    renditions: { name: string; width: number; height: number; bandwidth: number }[];
    /**
     * The thumbnails track (WebVTT, cues `thumbnails.jpg#xywh=…`: lib/media/thumbnails-vtt.ts)
     * and the sprite its cues point into, both signed like the poster; null when the worker
     * wrote none (videos from before it recorded them, demo videos of older seeds).
     */
    thumbnails: { vttUrl: string; spriteUrl: string } | null;
  };
  captions: { language: string; label: string; url: string }[];
  attachments: { id: string; fileName: string; bytes: number | null; url: string }[];
}
