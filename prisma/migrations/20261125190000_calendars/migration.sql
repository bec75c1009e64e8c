-- Written by hand (the wasm schema engine cannot run migrate dev against a database with btree_gist).
-- Semicolons only end statements here: the engine splits the script on every one of them.

-- AlterTable
ALTER TABLE "Booking" ADD COLUMN "meetingAction" TEXT,
ADD COLUMN "meetingVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "meetingSyncedVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "meetingError" TEXT;

-- CreateTable
CREATE TABLE "CalendarConnection" (
    "staffId" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "accountEmail" TEXT NOT NULL,
    "accessTokenEnc" TEXT NOT NULL,
    "refreshTokenEnc" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'connected',
    "syncCursor" TEXT,
    "lastSyncAt" TIMESTAMP(3),
    "channelId" TEXT,
    "channelResourceId" TEXT,
    "channelSecretEnc" TEXT,
    "channelExpiresAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CalendarConnection_pkey" PRIMARY KEY ("staffId")
);

-- CreateTable
CREATE TABLE "ExternalBusy" (
    "staffId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "startAt" TIMESTAMP(3) NOT NULL,
    "endAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ExternalBusy_pkey" PRIMARY KEY ("staffId","eventId")
);

-- CreateTable
CREATE TABLE "CalendarOAuthState" (
    "state" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CalendarOAuthState_pkey" PRIMARY KEY ("state")
);

-- CreateIndex
CREATE UNIQUE INDEX "CalendarConnection_channelId_key" ON "CalendarConnection"("channelId");

-- CreateIndex
CREATE INDEX "CalendarConnection_portalId_idx" ON "CalendarConnection"("portalId");

-- CreateIndex
CREATE INDEX "ExternalBusy_staffId_startAt_idx" ON "ExternalBusy"("staffId", "startAt");

-- CreateIndex
CREATE INDEX "Booking_meeting_outbox_idx" ON "Booking"("meetingSyncedVersion") WHERE "meetingVersion" > "meetingSyncedVersion";

-- AddForeignKey
ALTER TABLE "CalendarConnection" ADD CONSTRAINT "CalendarConnection_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;
