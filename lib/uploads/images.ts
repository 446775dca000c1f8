import "server-only";
import sharp, { type Metadata } from "sharp";
import { COVER_SIZES } from "@/lib/assets/covers";

/**
 * Course cover renditions, made with sharp from the uploaded original: the sizes the pages
 * use (COVER_SIZES, lib/assets/covers.ts), JPEG for every browser and WebP beside it.
 */

/** Smallest original accepted for a cover (it is cropped to 16:9 and scaled to 1280x720). */
export const MIN_COVER = { width: 640, height: 360 };

export class ImageProcessingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageProcessingError";
  }
}

export interface CoverVariant {
  /** Appended to the asset id in the key: "" for the main 1280x720 rendition. */
  suffix: string;
  ext: "jpg" | "webp";
  contentType: "image/jpeg" | "image/webp";
  width: number;
  height: number;
  body: Buffer;
}

export async function renderCoverVariants(input: Buffer): Promise<{ source: { width: number; height: number; format: string }; variants: CoverVariant[] }> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: 100_000_000 }).metadata();
  } catch {
    throw new ImageProcessingError("This image could not be read: it may be damaged. Export it again as JPEG, PNG or WebP.");
  }
  if (!meta.format || !["jpeg", "png", "webp"].includes(meta.format)) {
    throw new ImageProcessingError(`This image is ${meta.format ?? "of an unknown format"}; covers must be JPEG, PNG or WebP.`);
  }
  // EXIF orientations 5-8 swap width and height.
  const swap = (meta.orientation ?? 1) >= 5;
  const width = (swap ? meta.height : meta.width) ?? 0;
  const height = (swap ? meta.width : meta.height) ?? 0;
  if (width < MIN_COVER.width || height < MIN_COVER.height) {
    throw new ImageProcessingError(
      `This image is ${width}×${height} pixels; covers must be at least ${MIN_COVER.width}×${MIN_COVER.height} (1280×720 looks best).`,
    );
  }
  const variants: CoverVariant[] = [];
  try {
    for (const size of COVER_SIZES) {
      const base = sharp(input, { limitInputPixels: 100_000_000 })
        .rotate()
        .resize(size.width, size.height, { fit: "cover", position: "centre" })
        .flatten({ background: "#ffffff" });
      const [jpeg, webp] = await Promise.all([
        base.clone().jpeg({ quality: 82, mozjpeg: true }).toBuffer(),
        base.clone().webp({ quality: 80 }).toBuffer(),
      ]);
      variants.push({ suffix: size.suffix, ext: "jpg", contentType: "image/jpeg", width: size.width, height: size.height, body: jpeg });
      variants.push({ suffix: size.suffix, ext: "webp", contentType: "image/webp", width: size.width, height: size.height, body: webp });
    }
  } catch {
    throw new ImageProcessingError("This image could not be converted: it may be damaged. Export it again as JPEG, PNG or WebP.");
  }
  return { source: { width, height, format: meta.format }, variants };
}
