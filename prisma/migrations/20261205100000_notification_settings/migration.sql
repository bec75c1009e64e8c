-- Notification settings move from two plain columns on Portal (only ever set by hand) to their own
-- table, with the webhook URLs sealed. A URL copied here from Portal is still plain text: the app
-- reads a value that starts with "http" as such, and `npm run cli -- secrets reseal` (or the next save) seals it.
CREATE TABLE "NotificationSettings" (
  "portalId" TEXT NOT NULL,
  "slackUrlEnc" TEXT,
  "teamsUrlEnc" TEXT,
  "email" TEXT,
  "events" TEXT[] DEFAULT ARRAY['escalation', 'fallback', 'overlap']::TEXT[],
  "lastResults" JSONB NOT NULL DEFAULT '{}',
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "NotificationSettings_pkey" PRIMARY KEY ("portalId")
);

INSERT INTO "NotificationSettings" ("portalId", "slackUrlEnc", "email", "updatedAt")
SELECT "id", "notifySlackUrl", "notifyEmail", CURRENT_TIMESTAMP FROM "Portal"
WHERE "notifySlackUrl" IS NOT NULL OR "notifyEmail" IS NOT NULL;

ALTER TABLE "Portal" DROP COLUMN "notifySlackUrl", DROP COLUMN "notifyEmail";
