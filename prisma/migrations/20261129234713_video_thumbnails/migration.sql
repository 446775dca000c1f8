-- Whether a video's folder holds the thumbnail sprite and its WebVTT index (thumbnails.jpg,
-- thumbnails.vtt), which the lesson page offers only then. The worker has written both for every
-- video it transcoded since its first version (ADR 031) and sets the flag from now on. Existing
-- rows: a READY video with a file name came from an instructor's upload, so the worker made it;
-- the demo seed wrote its videos directly, without a file name and without thumbnails.

-- AlterTable
ALTER TABLE "Asset" ADD COLUMN     "hasThumbnails" BOOLEAN NOT NULL DEFAULT false;

UPDATE "Asset" SET "hasThumbnails" = true
WHERE "kind" = 'VIDEO' AND "status" = 'READY' AND "fileName" IS NOT NULL;
