/** Shapes the lesson page hands to client components (no server code here). */
export interface LessonMedia {
  video: null | {
    assetId: string;
    manifestUrl: string;
    auth: "cookies" | "query" | "presigned";
    posterUrl: string | null;
    durationSeconds: number | null;
    renditions: { name: string; width: number; height: number; bandwidth: number }[];
  };
  captions: { language: string; label: string; url: string }[];
  attachments: { id: string; fileName: string; bytes: number | null; url: string }[];
}
