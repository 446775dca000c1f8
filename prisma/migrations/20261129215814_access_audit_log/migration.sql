-- CreateEnum
CREATE TYPE "AccessEventKind" AS ENUM ('VIDEO_PAGE', 'LESSON_PAGE', 'STREAM_SESSION', 'PLAYLIST', 'CAPTION', 'ATTACHMENT');

-- CreateEnum
CREATE TYPE "AccessOutcome" AS ENUM ('GRANTED', 'DENIED');

-- CreateTable
CREATE TABLE "AccessEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "courseId" TEXT NOT NULL,
    "lessonId" TEXT,
    "userId" TEXT,
    "kind" "AccessEventKind" NOT NULL,
    "outcome" "AccessOutcome" NOT NULL,
    "reason" VARCHAR(32) NOT NULL,
    "ip" VARCHAR(45),
    "userAgent" VARCHAR(256),
    "sessionId" VARCHAR(64),

    CONSTRAINT "AccessEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AccessEvent_courseId_at_idx" ON "AccessEvent"("courseId", "at" DESC);

-- CreateIndex
CREATE INDEX "AccessEvent_userId_courseId_at_idx" ON "AccessEvent"("userId", "courseId", "at");

-- CreateIndex
CREATE INDEX "AccessEvent_at_idx" ON "AccessEvent"("at");

-- AddForeignKey
ALTER TABLE "AccessEvent" ADD CONSTRAINT "AccessEvent_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessEvent" ADD CONSTRAINT "AccessEvent_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

