-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Asset" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'UPLOADING',
    "courseId" TEXT NOT NULL,
    "lessonId" TEXT,
    "storageKey" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "bytes" BIGINT,
    "durationSeconds" REAL,
    "width" INTEGER,
    "height" INTEGER,
    "renditions" TEXT,
    "fileName" TEXT,
    "language" TEXT,
    "label" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Asset_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Asset_lessonId_fkey" FOREIGN KEY ("lessonId") REFERENCES "Lesson" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Asset" ("bytes", "contentType", "courseId", "createdAt", "durationSeconds", "error", "fileName", "height", "id", "kind", "label", "language", "lessonId", "renditions", "status", "storageKey", "updatedAt", "width") SELECT "bytes", "contentType", "courseId", "createdAt", "durationSeconds", "error", "fileName", "height", "id", "kind", "label", "language", "lessonId", "renditions", "status", "storageKey", "updatedAt", "width" FROM "Asset";
DROP TABLE "Asset";
ALTER TABLE "new_Asset" RENAME TO "Asset";
CREATE INDEX "Asset_courseId_idx" ON "Asset"("courseId");
CREATE INDEX "Asset_lessonId_kind_idx" ON "Asset"("lessonId", "kind");
CREATE TABLE "new_Upload" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "assetId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "multipartId" TEXT,
    "fileName" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "partSize" INTEGER,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" DATETIME NOT NULL,
    CONSTRAINT "Upload_assetId_fkey" FOREIGN KEY ("assetId") REFERENCES "Asset" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Upload" ("assetId", "bytes", "contentType", "createdAt", "expiresAt", "fileName", "id", "key", "multipartId", "partSize", "userId") SELECT "assetId", "bytes", "contentType", "createdAt", "expiresAt", "fileName", "id", "key", "multipartId", "partSize", "userId" FROM "Upload";
DROP TABLE "Upload";
ALTER TABLE "new_Upload" RENAME TO "Upload";
CREATE UNIQUE INDEX "Upload_assetId_key" ON "Upload"("assetId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

