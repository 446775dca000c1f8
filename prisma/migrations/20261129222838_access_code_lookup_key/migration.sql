-- Access codes are looked up by a normalised key (lib/enrollments/codes.ts accessCodeLookupKey:
-- upper case, no spaces or dashes, O -> 0, I and L -> 1), and the displayed code is no longer unique
-- by itself. Existing codes get their key computed here exactly as the app computes it.

-- DropIndex
DROP INDEX "AccessCode_code_key";

-- AlterTable
ALTER TABLE "AccessCode" ADD COLUMN     "lookupKey" TEXT;

UPDATE "AccessCode"
SET "lookupKey" = translate(upper(regexp_replace("code", '[[:space:]‐‑‒–—―−-]+', '', 'g')), 'OIL', '011');

-- Two old hand-chosen codes that differ only in case, dashes or look-alike letters would share
-- a key: the oldest keeps it, the others can no longer be redeemed (their key is made unique with
-- the row id) and stay listed on the course's Students page.
UPDATE "AccessCode" AS a
SET "lookupKey" = a."lookupKey" || '#' || a."id"
WHERE EXISTS (
  SELECT 1 FROM "AccessCode" AS b
  WHERE b."lookupKey" = a."lookupKey"
    AND (b."createdAt", b."id") < (a."createdAt", a."id")
);

ALTER TABLE "AccessCode" ALTER COLUMN "lookupKey" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "AccessCode_lookupKey_key" ON "AccessCode"("lookupKey");
