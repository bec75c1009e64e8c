-- HubSpot's calling extensions: per call, the transcript posted (or why none) and the recording-ready
-- notice, and the app-level recording URL registered with HubSpot.

-- CreateTable
CREATE TABLE "CallExtension" (
    "callId" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "transcriptId" TEXT,
    "transcriptHash" TEXT,
    "transcriptSkipped" TEXT,
    "transcriptAt" TIMESTAMP(3),
    "recordingReadyFor" TEXT,
    "recordingReadyAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CallExtension_pkey" PRIMARY KEY ("callId")
);

-- CreateTable
CREATE TABLE "AppRegistration" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "registeredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AppRegistration_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "CallExtension_portalId_idx" ON "CallExtension"("portalId");

-- AddForeignKey
ALTER TABLE "CallExtension" ADD CONSTRAINT "CallExtension_callId_fkey" FOREIGN KEY ("callId") REFERENCES "Call"("id") ON DELETE CASCADE ON UPDATE CASCADE;
