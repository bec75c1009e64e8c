-- Staff on a scheduling system (Acuity) book into its own types: which calendar of the account is
-- theirs, and which of its types serves each of our service types (a service without one is not
-- offered for them). `problem` says why a mapping cannot be used (its duration differs, say).
ALTER TABLE "StaffMember" ADD COLUMN "externalCalendarId" TEXT;

CREATE TABLE "StaffServiceType" (
    "staffId" TEXT NOT NULL,
    "serviceTypeId" TEXT NOT NULL,
    "externalTypeId" TEXT NOT NULL,
    "problem" TEXT,
    CONSTRAINT "StaffServiceType_pkey" PRIMARY KEY ("staffId", "serviceTypeId")
);
ALTER TABLE "StaffServiceType" ADD CONSTRAINT "StaffServiceType_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "StaffServiceType" ADD CONSTRAINT "StaffServiceType_serviceTypeId_fkey" FOREIGN KEY ("serviceTypeId") REFERENCES "ServiceType"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The key a provider signs its webhooks with when it is not one of ours (Acuity: the account's API
-- key, which an OAuth grant does not reveal), encrypted like the tokens.
ALTER TABLE "CalendarConnection" ADD COLUMN "webhookKeyEnc" TEXT;
