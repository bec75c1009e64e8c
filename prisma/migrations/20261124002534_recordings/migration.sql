-- CreateTable
CREATE TABLE "Recording" (
    "callId" TEXT NOT NULL,
    "portalId" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "audio" BYTEA NOT NULL,
    "fetchedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Recording_pkey" PRIMARY KEY ("callId")
);

-- CreateIndex
CREATE INDEX "Recording_portalId_idx" ON "Recording"("portalId");
