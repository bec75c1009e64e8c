-- CreateTable
CREATE TABLE "BookingSettings" (
    "portalId" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "holdMinutes" INTEGER NOT NULL DEFAULT 5,
    "slotStepMinutes" INTEGER NOT NULL DEFAULT 30,
    "leadMinutes" INTEGER NOT NULL DEFAULT 60,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BookingSettings_pkey" PRIMARY KEY ("portalId")
);

-- CreateTable
CREATE TABLE "ServiceType" (
    "id" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "durationMinutes" INTEGER NOT NULL,
    "bufferMinutes" INTEGER NOT NULL DEFAULT 0,
    "aliases" TEXT[],
    "reminderMinutes" INTEGER[],

    CONSTRAINT "ServiceType_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StaffMember" (
    "id" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "calendar" TEXT NOT NULL DEFAULT 'builtin',
    "timezone" TEXT NOT NULL,
    "hours" JSONB NOT NULL,
    "hubspotOwnerId" TEXT,

    CONSTRAINT "StaffMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Booking" (
    "id" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "staffId" TEXT NOT NULL,
    "serviceTypeId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "startAt" TIMESTAMP(3) NOT NULL,
    "endAt" TIMESTAMP(3) NOT NULL,
    "blockEndAt" TIMESTAMP(3) NOT NULL,
    "holdExpiresAt" TIMESTAMP(3),
    "connectionId" TEXT,
    "vendorCallId" TEXT,
    "callerPhone" TEXT,
    "callerName" TEXT,
    "callerEmail" TEXT,
    "contactId" TEXT,
    "hubspotMeetingId" TEXT,
    "externalEventId" TEXT,
    "history" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Booking_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ToolInvocation" (
    "key" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ToolInvocation_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "ServiceType_portalId_name_key" ON "ServiceType"("portalId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "StaffMember_portalId_email_key" ON "StaffMember"("portalId", "email");

-- CreateIndex
CREATE INDEX "Booking_portalId_status_startAt_idx" ON "Booking"("portalId", "status", "startAt");

-- CreateIndex
CREATE INDEX "Booking_portalId_callerPhone_idx" ON "Booking"("portalId", "callerPhone");

-- AddForeignKey
ALTER TABLE "Booking" ADD CONSTRAINT "Booking_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "StaffMember"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Booking" ADD CONSTRAINT "Booking_serviceTypeId_fkey" FOREIGN KEY ("serviceTypeId") REFERENCES "ServiceType"("id") ON DELETE CASCADE ON UPDATE CASCADE;
