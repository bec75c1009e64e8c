-- Whether a staff calendar's webhook signing key came with the subscription the app made (a key the
-- app chose, as Calendly lets it) or is the account's own (Acuity's API key, which an admin stores on
-- the settings page or ops with booking webhook-key). Only the second may be given by a person.
ALTER TABLE "CalendarConnection" ADD COLUMN "webhookKeyFromChannel" BOOLEAN NOT NULL DEFAULT false;

-- Calendly connections made before the column existed got their key from their subscription.
UPDATE "CalendarConnection" SET "webhookKeyFromChannel" = true WHERE "provider" = 'calendly' AND "webhookKeyEnc" IS NOT NULL;
