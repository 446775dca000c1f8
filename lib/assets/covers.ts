import { courseCoverKey } from "@/lib/storage/keys";

/**
 * Course cover renditions: the sizes the pages use (16:9 cards and the course page hero),
 * JPEG for every browser and WebP beside it. Pure: lib/uploads/images.ts renders them, the
 * asset lifecycle deletes them.
 */
export const COVER_SIZES = [
  { suffix: "", width: 1280, height: 720 },
  { suffix: "-640x360", width: 640, height: 360 },
] as const;

export const COVER_FORMATS = ["jpg", "webp"] as const;

/** Key of one rendition: `courses/<c>/cover/<asset><suffix>.<ext>`. */
export function coverRenditionKey(courseId: string, assetId: string, suffix: string, ext: string): string {
  return courseCoverKey(courseId, `${assetId}${suffix}`, ext);
}

/** Every rendition key a cover asset may have written. */
export function coverRenditionKeys(courseId: string, assetId: string): string[] {
  return COVER_SIZES.flatMap((size) => COVER_FORMATS.map((ext) => coverRenditionKey(courseId, assetId, size.suffix, ext)));
}
